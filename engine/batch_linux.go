package engine

import (
	"net/netip"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"godotsteam-sockets/engine/internal/wire"
)

// Linux: send and receive many datagrams per system call. On this kind of
// host a UDP syscall costs several microseconds, so batching is most of the
// difference between a few tens and a few hundreds of MB/s.
//
//   - sendmmsg/recvmmsg: up to batchSize datagrams per call.
//   - UDP GSO (UDP_SEGMENT): a run of same-size datagrams to one peer (the
//     last may be shorter) goes out as one message that the kernel (or the
//     NIC) cuts into datagrams; on the wire they are ordinary datagrams. The
//     first refusal (EIO, EINVAL, ENOPROTOOPT, EOPNOTSUPP: no checksum
//     offload, tunnels, old kernels) turns GSO off for that socket and the
//     run is re-sent datagram by datagram.
//   - UDP GRO (UDP_GRO): a socket that keeps receiving full batches switches
//     to 64 KiB receive slots and lets the kernel hand it coalesced runs of
//     same-size datagrams (a GSO sender on loopback, or NIC GRO), which are
//     split again by the reported segment size. Idle sockets keep their small
//     slots, so thousands of connections do not pay for big buffers.

const (
	batchSize      = 64 // datagrams (send) / slots (receive) per system call
	smallSlot      = addrPrefix + wire.MaxUDPPayload + 1024
	groSlots       = 16
	groSlot        = addrPrefix + 65536
	groAfterFull   = 4           // full receive batches before turning GRO on
	maxGSOSegments = 64          // the kernel's UDP_MAX_SEGMENTS is 64 or 128
	maxGSOBytes    = 65000       // below the 65507-byte IPv4 UDP payload limit
	solUDP         = 17          // SOL_UDP
	udpSegment     = 103         // UDP_SEGMENT
	udpGRO         = 104         // UDP_GRO
	ctlSize        = 64          // pktinfo (≤ 40) + UDP_SEGMENT (24)
	msgWaitForOne  = 0x10000     // MSG_WAITFORONE
	enoprotoopt    = 92          // ENOPROTOOPT
	eopnotsupp     = 95          // EOPNOTSUPP
	eio            = syscall.EIO // keep the list of refusals in one place
)

// gsoDisabled turns GSO and GRO off for sockets opened afterwards
// (GODOTSTEAM_SOCKETS_NO_GSO=1; tests and benchmarks use it to compare).
var gsoDisabled = os.Getenv("GODOTSTEAM_SOCKETS_NO_GSO") == "1"

// groAtStart turns GRO on before the first read (tests).
var groAtStart bool

// gsoTestErr, when non-zero, is returned instead of calling sendmmsg for
// any GSO message (tests of the fallback).
var gsoTestErr syscall.Errno

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

// sendScratch is the per-call state of writeBatch (pooled: several
// goroutines may send on one socket). fn is created once per scratch so a
// send does not allocate a closure.
type sendScratch struct {
	hdrs  [batchSize]mmsghdr
	iovs  [batchSize]syscall.Iovec
	ctl   [batchSize][ctlSize]byte
	first [batchSize + 1]int // first packet index of each message
	gso   [batchSize]bool
	sa    syscall.RawSockaddrInet6 // large enough for sockaddr_in too

	// syscall arguments and results for fn
	start, count int
	sent         int
	errno        syscall.Errno
	fn           func(fd uintptr) bool
}

var sendScratchPool = sync.Pool{New: func() any {
	sc := new(sendScratch)
	sc.fn = func(fd uintptr) bool {
		if gsoTestErr != 0 && sc.gso[sc.start] {
			sc.sent, sc.errno = -1, gsoTestErr
			return true
		}
		r, _, e := syscall.Syscall6(sysSendmmsg, fd, uintptr(unsafe.Pointer(&sc.hdrs[sc.start])), uintptr(sc.count), 0, 0, 0)
		if e == syscall.EAGAIN {
			return false
		}
		sc.sent, sc.errno = int(r), e
		return true
	}
	return sc
}}

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

// gsoRefusal reports whether errno means "this socket/route cannot do GSO".
func gsoRefusal(e syscall.Errno) bool {
	return e == eio || e == syscall.EINVAL || e == enoprotoopt || e == eopnotsupp
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
	if !u.pktinfo || len(oob) > ctlSize-24 {
		oob = nil
	}
	sc := sendScratchPool.Get().(*sendScratch)
	salen := fillSockaddr(&sc.sa, to, u.v6)
	useGSO := !gsoDisabled && !u.gsoOff.Load()
	for len(pkts) > 0 {
		// Group the packets into messages: runs of same-size datagrams
		// (GSO), or one datagram each.
		nmsg, i := 0, 0
		for i < len(pkts) && nmsg < batchSize {
			j := i + 1
			if useGSO {
				size, total := len(pkts[i]), len(pkts[i])
				for j < len(pkts) && j-i < maxGSOSegments && len(pkts[j]) == size && total+size <= maxGSOBytes {
					total += size
					j++
				}
				if j < len(pkts) && j-i < maxGSOSegments && len(pkts[j]) < size && len(pkts[j]) > 0 && total+len(pkts[j]) <= maxGSOBytes {
					j++ // a shorter datagram may end the run
				}
			}
			for k := i; k < j; k++ {
				sc.iovs[k].Base = unsafe.SliceData(pkts[k])
				sc.iovs[k].SetLen(len(pkts[k]))
			}
			h := &sc.hdrs[nmsg].hdr
			*h = syscall.Msghdr{Name: (*byte)(unsafe.Pointer(&sc.sa)), Namelen: salen, Iov: &sc.iovs[i]}
			setUint(&h.Iovlen, j-i)
			ctl := sc.ctl[nmsg][:0]
			ctl = append(ctl, oob...)
			sc.gso[nmsg] = j-i > 1
			if sc.gso[nmsg] {
				ctl = appendSegmentCmsg(ctl, uint16(len(pkts[i])))
			}
			if len(ctl) > 0 {
				h.Control = &sc.ctl[nmsg][0]
				h.SetControllen(len(ctl))
			}
			sc.first[nmsg] = i
			nmsg++
			i = j
		}
		sc.first[nmsg] = i
		done := 0
		for done < nmsg {
			sc.start, sc.count = done, nmsg-done
			if err := u.raw.Write(sc.fn); err != nil {
				done = -1 // socket closed
				break
			}
			if sc.errno != 0 || sc.sent <= 0 {
				if sc.gso[done] && gsoRefusal(sc.errno) {
					// The kernel will not segment for us here: turn GSO
					// off for this socket and re-send from this message on.
					u.gsoOff.Store(true)
					useGSO = false
					i = sc.first[done]
					break
				}
				sc.sent = 1 // this message failed (e.g. unreachable): skip it
			}
			done += sc.sent
		}
		if done < 0 {
			break
		}
		pkts = pkts[i:]
	}
	for i := range sc.iovs {
		sc.iovs[i].Base = nil
	}
	for i := range sc.hdrs {
		sc.hdrs[i].hdr.Control = nil
		sc.hdrs[i].hdr.Iov = nil
	}
	sendScratchPool.Put(sc)
}

// setUint sets a length field whose width depends on the architecture.
func setUint[T ~uint32 | ~uint64](p *T, n int) { *p = T(n) }

// appendSegmentCmsg appends a UDP_SEGMENT control message (uint16 size)
// within b's capacity (the caller provides room).
func appendSegmentCmsg(b []byte, size uint16) []byte {
	start := len(b)
	b = b[:start+syscall.CmsgSpace(2)]
	clear(b[start:])
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[start]))
	h.Level, h.Type = solUDP, udpSegment
	h.SetLen(syscall.CmsgLen(2))
	*(*uint16)(unsafe.Pointer(&b[start+syscall.CmsgLen(0)])) = size
	return b
}

// recvState is the reader goroutine's recvmmsg state.
type recvState struct {
	hdrs  [batchSize]mmsghdr
	iovs  [batchSize]syscall.Iovec
	names [batchSize]syscall.RawSockaddrInet6
	ctl   [batchSize][ctlSize]byte
	bufs  []byte
	slot  int // bytes per slot
	slots int
	gro   bool
	full  int // consecutive full batches

	got   int
	errno syscall.Errno
	fn    func(fd uintptr) bool
	copy  []byte // prefix + one segment, for the fault link
}

func (r *recvState) setSlots(slots, size int) {
	r.slots, r.slot = slots, size
	r.bufs = make([]byte, slots*size)
	for i := 0; i < slots; i++ {
		r.iovs[i].Base = &r.bufs[i*size+addrPrefix]
		r.iovs[i].SetLen(size - addrPrefix)
	}
}

// enableGRO switches the socket to coalesced receives (64 KiB slots).
func (u *udpSock) enableGRO(r *recvState) {
	if gsoDisabled {
		return
	}
	var serr error
	err := u.raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), solUDP, udpGRO, 1)
	})
	if err != nil || serr != nil {
		return
	}
	// The kernel may hand over a coalesced run with the very next read:
	// the big slots must be in place before it does.
	r.setSlots(groSlots, groSlot)
	r.gro = true
}

// readLoopBatch is readLoop with recvmmsg. It returns false at once if
// batching is unavailable.
func (u *udpSock) readLoopBatch() bool {
	if sysRecvmmsg == 0 || u.raw == nil {
		return false
	}
	r := &recvState{}
	r.setSlots(batchSize/2, smallSlot)
	if groAtStart {
		u.enableGRO(r)
	}
	r.fn = func(fd uintptr) bool {
		res, _, e := syscall.Syscall6(sysRecvmmsg, fd, uintptr(unsafe.Pointer(&r.hdrs[0])), uintptr(r.slots), msgWaitForOne, 0, 0)
		if e == syscall.EAGAIN {
			return false
		}
		r.got, r.errno = int(res), e
		return true
	}
	for {
		wantCtl := u.pktinfo || r.gro
		for i := 0; i < r.slots; i++ {
			h := &r.hdrs[i].hdr
			*h = syscall.Msghdr{Name: (*byte)(unsafe.Pointer(&r.names[i])), Namelen: syscall.SizeofSockaddrInet6, Iov: &r.iovs[i]}
			h.Iovlen = 1
			if wantCtl {
				h.Control = &r.ctl[i][0]
				h.SetControllen(ctlSize)
			}
		}
		err := u.raw.Read(r.fn)
		if err != nil || u.closed.Load() {
			return true
		}
		if r.errno != 0 {
			continue // e.g. ICMP-induced errors: keep reading
		}
		now := nowUsec()
		for i := range r.got {
			h := &r.hdrs[i]
			if h.hdr.Flags&syscall.MSG_TRUNC != 0 {
				u.s.counters.malformed.Add(1)
				continue
			}
			from, ok := sockaddrAddrPort(&r.names[i])
			if !ok {
				continue
			}
			var dst netip.Addr
			seg := int(h.n)
			if wantCtl {
				ctl := r.ctl[i][:h.hdr.Controllen]
				if u.pktinfo {
					dst = parseDst(ctl)
				}
				if r.gro {
					if g := groSize(ctl); g > 0 {
						seg = g
					}
				}
			}
			base := i * r.slot
			data := r.bufs[base+addrPrefix : base+addrPrefix+int(h.n)]
			for len(data) > 0 {
				n := min(seg, len(data))
				u.s.counters.datagramsRecv.Add(1)
				if u.recvLink.Idle() {
					u.handle(data[:n], from, dst, now, &u.fs)
				} else {
					if cap(r.copy) < addrPrefix+n {
						r.copy = make([]byte, 0, groSlot)
					}
					r.copy = append(r.copy[:addrPrefix], data[:n]...)
					putAddr(r.copy, from, dst)
					u.recvLink.Submit(r.copy)
				}
				data = data[n:]
			}
		}
		u.fs.run(now)
		if !r.gro && r.got == r.slots {
			r.full++
			if r.full >= groAfterFull {
				u.enableGRO(r)
			}
		} else if r.got < r.slots {
			r.full = 0
		}
	}
}

// groSize returns the segment size of a coalesced receive (UDP_GRO control
// message), 0 if none.
func groSize(oob []byte) int {
	for len(oob) >= syscall.SizeofCmsghdr {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < syscall.SizeofCmsghdr || l > len(oob) {
			return 0
		}
		if h.Level == solUDP && h.Type == udpGRO && l >= syscall.CmsgLen(2) {
			d := oob[syscall.CmsgLen(0):l]
			if len(d) >= 4 {
				return int(*(*int32)(unsafe.Pointer(&d[0])))
			}
			return int(*(*uint16)(unsafe.Pointer(&d[0])))
		}
		oob = oob[cmsgAlign(l):]
	}
	return 0
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
