package engine

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"
)

// On Linux a wildcard-bound listen socket learns each datagram's
// destination address (IP_PKTINFO / IPV6_RECVPKTINFO) and replies from it,
// so a multi-homed server answers from the address the client sent to (GNS
// clients drop datagrams from any other source).

const pktInfoOOBSize = 64

// enablePktInfo turns on destination-address reporting; v6 for AF_INET6
// sockets (which also report IPv4 destinations of dual-stack sockets).
func enablePktInfo(pc *net.UDPConn, v6 bool) bool {
	rc, err := pc.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		if v6 {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_RECVPKTINFO, 1)
		} else {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_PKTINFO, 1)
		}
	})
	return err == nil && serr == nil
}

// parseDst extracts the destination address from received control data
// without allocating.
func parseDst(oob []byte) netip.Addr {
	for len(oob) >= syscall.SizeofCmsghdr {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < syscall.SizeofCmsghdr || l > len(oob) {
			return netip.Addr{}
		}
		data := oob[syscall.SizeofCmsghdr:l]
		switch {
		case h.Level == syscall.IPPROTO_IP && h.Type == syscall.IP_PKTINFO && len(data) >= syscall.SizeofInet4Pktinfo:
			// struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; }: addr = header destination
			return netip.AddrFrom4([4]byte(data[8:12]))
		case h.Level == syscall.IPPROTO_IPV6 && h.Type == syscall.IPV6_PKTINFO && len(data) >= syscall.SizeofInet6Pktinfo:
			return netip.AddrFrom16([16]byte(data[0:16])).Unmap()
		}
		oob = oob[cmsgAlign(l):]
	}
	return netip.Addr{}
}

func cmsgAlign(n int) int {
	const a = int(unsafe.Sizeof(uintptr(0)))
	return (n + a - 1) &^ (a - 1)
}

// srcOOB builds control data that makes a reply leave from src.
func srcOOB(src netip.Addr, v6 bool) []byte {
	if !src.IsValid() || src.IsUnspecified() {
		return nil
	}
	var level, typ, size int
	if v6 {
		level, typ, size = syscall.IPPROTO_IPV6, syscall.IPV6_PKTINFO, syscall.SizeofInet6Pktinfo
	} else {
		if !src.Unmap().Is4() {
			return nil
		}
		level, typ, size = syscall.IPPROTO_IP, syscall.IP_PKTINFO, syscall.SizeofInet4Pktinfo
	}
	b := make([]byte, syscall.CmsgSpace(size))
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = int32(level), int32(typ)
	h.SetLen(syscall.CmsgLen(size))
	data := b[syscall.CmsgLen(0):]
	if v6 {
		a := src.As16() // IPv4 as v4-mapped: Linux accepts it on dual-stack sockets
		copy(data[0:16], a[:])
	} else {
		a := src.Unmap().As4()
		copy(data[4:8], a[:]) // ipi_spec_dst: source address to use
	}
	return b
}
