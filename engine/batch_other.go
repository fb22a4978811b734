//go:build !linux

package engine

import "net/netip"

// Without sendmmsg/recvmmsg: one system call per datagram.

func (u *udpSock) writeBatch(pkts [][]byte, to netip.AddrPort, from netip.Addr, oob []byte) {
	for _, p := range pkts {
		u.write(p, to, from, oob)
	}
}

func (u *udpSock) readLoopBatch() bool { return false }
