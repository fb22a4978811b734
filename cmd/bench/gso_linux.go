package main

import (
	"encoding/binary"
	"net"
	"syscall"
)

// UDP GSO/GRO for the raw-UDP baseline, so it is as strong as the engine,
// which uses both on Linux (engine/batch_linux.go).

const (
	solUDP     = 17  // SOL_UDP
	udpSegment = 103 // UDP_SEGMENT
	udpGRO     = 104 // UDP_GRO
)

// enableGRO asks the kernel to hand over coalesced runs of datagrams.
func enableGRO(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), solUDP, udpGRO, 1) }); err != nil {
		return false
	}
	return serr == nil
}

// groSegment returns the datagram size of a coalesced read, 0 if none.
func groSegment(oob []byte) int {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level == solUDP && m.Header.Type == udpGRO && len(m.Data) >= 4 {
			return int(binary.NativeEndian.Uint32(m.Data))
		}
	}
	return 0
}

// gsoOOB is the control message that makes one send carry datagrams of size bytes each.
func gsoOOB(size int) []byte {
	b := make([]byte, syscall.CmsgSpace(2))
	h := (*syscall.Cmsghdr)(unsafePointer(&b[0]))
	h.Level, h.Type = solUDP, udpSegment
	h.SetLen(syscall.CmsgLen(2))
	binary.NativeEndian.PutUint16(b[syscall.CmsgLen(0):], uint16(size))
	return b
}

const haveGSO = true
