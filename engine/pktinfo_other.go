//go:build !linux

package engine

import (
	"net"
	"net/netip"
)

// Elsewhere wildcard-bound sockets reply from the address the OS picks.

const pktInfoOOBSize = 0

func enablePktInfo(*net.UDPConn, bool) bool { return false }
func parseDst([]byte) netip.Addr            { return netip.Addr{} }
func srcOOB(netip.Addr, bool) []byte        { return nil }
