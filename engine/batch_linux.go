package engine

import (
	"net/netip"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"godotsteam-sockets/engine/internal/wire"
)

// Linux: send and receive up to batchSize datagrams per system call
// (sendmmsg/recvmmsg). On this kind of host a UDP syscall costs several
// microseconds, so batching is most of the difference between a few tens
// and a few hundreds of MB/s.

const batchSize = 32

type mmsghdr struct {
	hdr syscall.Msghdr
	n   uint32
}

// Syscall numbers (from the kernel's tables); 0 = no batching here.
var sysSendmmsg, sysRecvmmsg = func() (uintptr, uintptr) {
	switch runtime.GOARCH {
	case "amd64":
		return 307, 299
	case "arm64", "riscv64", "loong64":
		return 269, 243
	case "386":
		return 345, 337
	case "arm":
		return 374, 365
	}
	return 0, 0
}()

const msgWaitForOne = 0x10000 // MSG_WAITFORONE

type sendScratch struct {
	hdrs [batchSize]mmsghdr
	iovs [batchSize]syscall.Iovec
	sa   syscall.RawSockaddrInet6 // large enough for sockaddr_in too
}

var sendScratchPool = sync.Pool{New: func() any { return new(sendScratch) }}

// fillSockaddr writes to into sa in the socket's family and returns its length.
func fillSockaddr(sa *syscall.RawSockaddrInet6, to netip.AddrPort, v6 bool) uint32 {
	port := to.Port()
	if v6 {
		*sa = syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: to.Addr().As16()}
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		return syscall.SizeofSockaddrInet6
	}
	sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
	*sa4 = syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: to.Addr().Unmap().As4()}
	p := (*[2]byte)(unsafe.Pointer(&sa4.Port))
	p[0], p[1] = byte(port>>8), byte(port)
	return syscall.SizeofSockaddrInet4
}

// writeBatch sends pkts to one destination, from the local address from
// (wildcard sockets; oob is its precomputed control data, may be nil).
func (u *udpSock) writeBatch(pkts [][]byte, to netip.AddrPort, from netip.Addr, oob []byte) {
	if sysSendmmsg == 0 || u.raw == nil || len(pkts) < 2 || (!u.v6 && !to.Addr().Unmap().Is4()) {
		for _, p := range pkts {
			u.write(p, to, from, oob)
		}
		return
	}
	if u.pktinfo && from.IsValid() && oob == nil {
		oob = srcOOB(from, u.v6)
	}
	if !u.pktinfo {
		oob = nil
	}
	sc := sendScratchPool.Get().(*sendScratch)
	salen := fillSockaddr(&sc.sa, to, u.v6)
	for len(pkts) > 0 {
		n := min(len(pkts), batchSize)
		for i, p := range pkts[:n] {
			sc.iovs[i].Base = unsafe.SliceData(p)
			sc.iovs[i].SetLen(len(p))
			h := &sc.hdrs[i].hdr
			*h = syscall.Msghdr{Name: (*byte)(unsafe.Pointer(&sc.sa)), Namelen: salen, Iov: &sc.iovs[i]}
			h.Iovlen = 1
			if len(oob) > 0 {
				h.Control = unsafe.SliceData(oob)
				h.SetControllen(len(oob))
			}
		}
		done := 0
		for done < n {
			var sent int
			var errno syscall.Errno
			err := u.raw.Write(func(fd uintptr) bool {
				r, _, e := syscall.Syscall6(sysSendmmsg, fd, uintptr(unsafe.Pointer(&sc.hdrs[done])), uintptr(n-done), 0, 0, 0)
				if e == syscall.EAGAIN {
					return false
				}
				sent, errno = int(r), e
				return true
			})
			if err != nil {
				break // socket closed
			}
			if errno != 0 || sent <= 0 {
				sent = 1 // this datagram failed (e.g. unreachable): skip it
			}
			done += sent
		}
		pkts = pkts[n:]
	}
	for i := range sc.iovs {
		sc.iovs[i].Base = nil
		sc.hdrs[i].hdr.Control = nil
	}
	sendScratchPool.Put(sc)
}

// readLoopBatch is readLoop with recvmmsg. It returns false at once if
// batching is unavailable.
func (u *udpSock) readLoopBatch() bool {
	if sysRecvmmsg == 0 || u.raw == nil {
		return false
	}
	const bufSize = addrPrefix + wire.MaxUDPPayload + 1024
	var (
		hdrs  [batchSize]mmsghdr
		iovs  [batchSize]syscall.Iovec
		names [batchSize]syscall.RawSockaddrInet6
		oobs  [batchSize][pktInfoOOBSize]byte
	)
	bufs := make([]byte, batchSize*bufSize)
	for i := range hdrs {
		iovs[i].Base = &bufs[i*bufSize+addrPrefix]
		iovs[i].SetLen(bufSize - addrPrefix)
	}
	for {
		for i := range hdrs {
			h := &hdrs[i].hdr
			*h = syscall.Msghdr{Name: (*byte)(unsafe.Pointer(&names[i])), Namelen: syscall.SizeofSockaddrInet6, Iov: &iovs[i]}
			h.Iovlen = 1
			if u.pktinfo {
				h.Control = &oobs[i][0]
				h.SetControllen(pktInfoOOBSize)
			}
		}
		var got int
		var errno syscall.Errno
		err := u.raw.Read(func(fd uintptr) bool {
			r, _, e := syscall.Syscall6(sysRecvmmsg, fd, uintptr(unsafe.Pointer(&hdrs[0])), batchSize, msgWaitForOne, 0, 0)
			if e == syscall.EAGAIN {
				return false
			}
			got, errno = int(r), e
			return true
		})
		if err != nil || u.closed.Load() {
			return true
		}
		if errno != 0 {
			continue // e.g. ICMP-induced errors: keep reading
		}
		now := nowUsec()
		for i := range got {
			h := &hdrs[i]
			if h.hdr.Flags&syscall.MSG_TRUNC != 0 {
				u.s.counters.malformed.Add(1)
				continue
			}
			from, ok := sockaddrAddrPort(&names[i])
			if !ok {
				continue
			}
			var dst netip.Addr
			if u.pktinfo {
				dst = parseDst(oobs[i][:h.hdr.Controllen])
			}
			b := bufs[i*bufSize : i*bufSize+addrPrefix+int(h.n)]
			u.s.counters.datagramsRecv.Add(1)
			if u.recvLink.Idle() {
				u.handle(b[addrPrefix:], from, dst, now, &u.fs)
				continue
			}
			putAddr(b, from, dst)
			u.recvLink.Submit(b)
		}
		u.fs.run(now)
	}
}

func sockaddrAddrPort(sa *syscall.RawSockaddrInet6) (netip.AddrPort, bool) {
	switch sa.Family {
	case syscall.AF_INET6:
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(p[0])<<8|uint16(p[1])), true
	case syscall.AF_INET:
		sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		p := (*[2]byte)(unsafe.Pointer(&sa4.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), uint16(p[0])<<8|uint16(p[1])), true
	}
	return netip.AddrPort{}, false
}
