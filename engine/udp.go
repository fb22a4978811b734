package engine

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"godotsteam-sockets/engine/internal/crypto"
	"godotsteam-sockets/engine/internal/fault"
	"godotsteam-sockets/engine/internal/wire"
)

// transport carries a connection's datagrams to its peer. Connections use
// only this, so other transports (P2P/ICE) can be added later; inbound
// datagrams are pushed into conn.onPacket by whoever owns the socket.
type transport interface {
	send(p []byte)
	sendBatch(pkts [][]byte) // several datagrams at once (fewer system calls)
	close()
	remoteAddr() netip.AddrPort
}

// udpSock is one bound UDP socket with its reader goroutine and the fake
// network conditions of both directions.
type udpSock struct {
	s        *sockets
	pc       *net.UDPConn
	local    netip.AddrPort
	opts     configSet // the creating call's options (fault values may be among them)
	sendLink *fault.Link
	recvLink *fault.Link
	handle   func(p []byte, from netip.AddrPort, dst netip.Addr, now int64, fs *flushSet)
	fs       flushSet // reader goroutine only
	closed   atomic.Bool
	once     sync.Once
	pktinfo  bool // wildcard-bound: learn destinations, reply from them
	v6       bool // AF_INET6 socket
	raw      syscall.RawConn
	gsoOff   atomic.Bool // the kernel refused UDP GSO on this socket (Linux)
}

// Datagrams waiting in a fault link carry a prefix: the peer address (16
// bytes + port) and 16 bytes of local address (received destination, or
// the source to send from; all zero = none).
const addrPrefix = 34

func putAddr(b []byte, a netip.AddrPort, local netip.Addr) {
	a16 := a.Addr().As16()
	copy(b, a16[:])
	binary.LittleEndian.PutUint16(b[16:], a.Port())
	var l16 [16]byte
	if local.IsValid() {
		l16 = local.As16()
	}
	copy(b[18:34], l16[:])
}

func getAddr(b []byte) (netip.AddrPort, netip.Addr) {
	from := netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[:16])).Unmap(), binary.LittleEndian.Uint16(b[16:]))
	var local netip.Addr
	if l := netip.AddrFrom16([16]byte(b[18:34])); !l.IsUnspecified() {
		local = l.Unmap()
	}
	return from, local
}

// openUDP binds a socket. An unspecified IPv6 address binds dual-stack.
func (s *sockets) openUDP(bind netip.AddrPort, opts configSet) (*udpSock, error) {
	network := "udp4"
	if bind.Addr().Is6() && !bind.Addr().Is4In6() {
		network = "udp6"
		if bind.Addr().IsUnspecified() {
			network = "udp" // dual-stack
		}
	}
	pc, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(bind))
	if err != nil {
		return nil, err
	}
	_ = pc.SetReadBuffer(4 << 20)
	_ = pc.SetWriteBuffer(4 << 20)
	u := &udpSock{s: s, pc: pc, opts: opts, v6: network != "udp4"}
	u.local = pc.LocalAddr().(*net.UDPAddr).AddrPort()
	if bind.Addr().IsUnspecified() {
		u.pktinfo = enablePktInfo(pc, u.v6)
	}
	if rc, err := pc.SyscallConn(); err == nil {
		u.raw = rc
	}
	u.sendLink = fault.NewLink(fault.NewShaper(fault.Params{}, nil), nowUsec, u.writeDelayed)
	u.recvLink = fault.NewLink(fault.NewShaper(fault.Params{}, nil), nowUsec, u.readDelayed)
	u.updateFault()
	return u, nil
}

// updateFault recomputes the fake-network parameters from the socket's
// options and the global config.
func (u *udpSock) updateFault() {
	l := u.s.layers(u.opts)
	u.sendLink.Shaper.SetParams(faultParams(l, true))
	u.recvLink.Shaper.SetParams(faultParams(l, false))
}

func faultParams(l layered, send bool) fault.Params {
	if send {
		return fault.Params{
			LossPct: l.float(ConfigFakePacketLossSend), LagMs: l.float(ConfigFakePacketLagSend),
			ReorderPct: l.float(ConfigFakePacketReorderSend), ReorderMs: l.float(ConfigFakePacketReorderTime),
			DupPct: l.float(ConfigFakePacketDupSend), DupMaxMs: l.float(ConfigFakePacketDupTimeMax),
			JitterAvgMs: l.float(ConfigFakePacketJitterSendAvg), JitterMaxMs: l.float(ConfigFakePacketJitterSendMax),
			JitterPct: l.float(ConfigFakePacketJitterSendPct),
			RateBps:   l.float(ConfigFakeRateLimitSendRate), BurstBytes: l.float(ConfigFakeRateLimitSendBurst),
		}
	}
	return fault.Params{
		LossPct: l.float(ConfigFakePacketLossRecv), LagMs: l.float(ConfigFakePacketLagRecv),
		ReorderPct: l.float(ConfigFakePacketReorderRecv), ReorderMs: l.float(ConfigFakePacketReorderTime),
		DupPct: l.float(ConfigFakePacketDupRecv), DupMaxMs: l.float(ConfigFakePacketDupTimeMax),
		JitterAvgMs: l.float(ConfigFakePacketJitterRecvAvg), JitterMaxMs: l.float(ConfigFakePacketJitterRecvMax),
		JitterPct: l.float(ConfigFakePacketJitterRecvPct),
		RateBps:   l.float(ConfigFakeRateLimitRecvRate), BurstBytes: l.float(ConfigFakeRateLimitRecvBurst),
	}
}

// start runs the reader goroutine; handle is called for every datagram
// (never concurrently for one socket unless fake lag delivers late ones).
func (u *udpSock) start(handle func(p []byte, from netip.AddrPort, dst netip.Addr, now int64, fs *flushSet)) {
	u.handle = handle
	u.s.wg.Add(1)
	go u.readLoop()
}

func (u *udpSock) readLoop() {
	defer u.s.wg.Done()
	if u.readLoopBatch() {
		return
	}
	buf := make([]byte, addrPrefix+wire.MaxUDPPayload+1024)
	oob := make([]byte, pktInfoOOBSize)
	for {
		var n int
		var from netip.AddrPort
		var dst netip.Addr
		var err error
		if u.pktinfo {
			var oobn int
			n, oobn, _, from, err = u.pc.ReadMsgUDPAddrPort(buf[addrPrefix:], oob)
			if err == nil {
				dst = parseDst(oob[:oobn])
			}
		} else {
			n, from, err = u.pc.ReadFromUDPAddrPort(buf[addrPrefix:])
		}
		if err != nil {
			if u.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. ICMP-induced errors: keep reading
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		u.s.counters.datagramsRecv.Add(1)
		putAddr(buf, from, dst)
		u.recvLink.Submit(buf[:addrPrefix+n])
	}
}

func (u *udpSock) readDelayed(p []byte) {
	if u.closed.Load() {
		return
	}
	from, dst := getAddr(p)
	u.handle(p[addrPrefix:], from, dst, nowUsec(), nil)
}

// sendTo sends one datagram (through the fake send conditions). from, if
// valid, is the local address to send from (wildcard sockets).
func (u *udpSock) sendTo(p []byte, to netip.AddrPort, from netip.Addr) { u.sendToOOB(p, to, from, nil) }

// sendToOOB is sendTo with the control data for from precomputed.
func (u *udpSock) sendToOOB(p []byte, to netip.AddrPort, from netip.Addr, oob []byte) {
	if u.closed.Load() {
		return
	}
	if len(p) > wire.MaxUDPPayload {
		u.s.logf("engine: refusing to send %d-byte datagram (max %d)", len(p), wire.MaxUDPPayload)
		return
	}
	u.s.counters.datagramsSent.Add(1)
	if u.sendLink.Idle() {
		u.write(p, to, from, oob)
		return
	}
	tmp := make([]byte, addrPrefix+len(p))
	putAddr(tmp, to, from)
	copy(tmp[addrPrefix:], p)
	u.sendLink.SubmitOwned(tmp)
}

// sendBatch sends several datagrams to one destination.
func (u *udpSock) sendBatch(pkts [][]byte, to netip.AddrPort, from netip.Addr, oob []byte) {
	if u.closed.Load() {
		return
	}
	if !u.sendLink.Idle() {
		for _, p := range pkts {
			u.sendToOOB(p, to, from, oob)
		}
		return
	}
	u.s.counters.datagramsSent.Add(int64(len(pkts)))
	u.writeBatch(pkts, to, from, oob)
}

func (u *udpSock) write(p []byte, to netip.AddrPort, from netip.Addr, oob []byte) {
	if u.pktinfo && from.IsValid() {
		if oob == nil {
			oob = srcOOB(from, u.v6)
		}
		if oob != nil {
			_, _, _ = u.pc.WriteMsgUDPAddrPort(p, oob, to)
			return
		}
	}
	_, _ = u.pc.WriteToUDPAddrPort(p, to)
}

func (u *udpSock) writeDelayed(p []byte) {
	if u.closed.Load() {
		return
	}
	to, from := getAddr(p)
	u.write(p[addrPrefix:], to, from, nil)
}

// close closes the socket; the reader goroutine exits on its own.
func (u *udpSock) close() {
	u.once.Do(func() {
		u.closed.Store(true)
		u.sendLink.Close()
		u.recvLink.Close()
		_ = u.pc.Close()
	})
}

// clientTransport is a dedicated socket per outbound connection (as GNS
// does): datagrams from anyone but the server are dropped.
type clientTransport struct {
	sock *udpSock
	peer netip.AddrPort
}

func (t *clientTransport) send(p []byte)              { t.sock.sendTo(p, t.peer, netip.Addr{}) }
func (t *clientTransport) sendBatch(pkts [][]byte)    { t.sock.sendBatch(pkts, t.peer, netip.Addr{}, nil) }
func (t *clientTransport) close()                     { t.sock.close() }
func (t *clientTransport) remoteAddr() netip.AddrPort { return t.peer }

// childTransport is a connection accepted by a listen socket: it shares the
// listen socket's UDP socket, so replies leave from the address the client
// sent to.
type childTransport struct {
	ls    *listenSocket
	c     *conn
	peer  netip.AddrPort
	local netip.Addr // the address the client sent to (wildcard sockets)
	oob   []byte     // control data selecting local as the source
}

func (t *childTransport) send(p []byte)              { t.ls.sock.sendToOOB(p, t.peer, t.local, t.oob) }
func (t *childTransport) sendBatch(pkts [][]byte)    { t.ls.sock.sendBatch(pkts, t.peer, t.local, t.oob) }
func (t *childTransport) close()                     { t.ls.removeChild(t.peer, t.c) }
func (t *childTransport) remoteAddr() netip.AddrPort { return t.peer }

// listenSocket demultiplexes by remote address: known addresses go to their
// connection, unknown ones to the stateless handshake handler.
type listenSocket struct {
	s        *sockets
	handle   Handle
	sock     *udpSock
	opts     configSet
	cookie   crypto.CookieKey
	mu       sync.Mutex
	children map[netip.AddrPort]*conn
	closed   bool
	p2p      bool         // a P2P listen socket (no UDP socket; p2p_path.go)
	vport    int          // P2P virtual port
	hosted   bool         // a hosted dedicated server's socket: tickets required (hosted.go)
	fakeUDP  *FakeUDPPort // the fake UDP port this hidden socket serves (fakeudp.go)
}

func (ls *listenSocket) onPacket(p []byte, from netip.AddrPort, dst netip.Addr, now int64, fs *flushSet) {
	ls.mu.Lock()
	c := ls.children[from]
	ls.mu.Unlock()
	if c != nil {
		c.onPacketFS(p, now, fs)
		return
	}
	ls.onUnknownPeer(p, from, dst, now)
}

func (ls *listenSocket) removeChild(addr netip.AddrPort, c *conn) {
	ls.mu.Lock()
	if ls.children[addr] == c {
		delete(ls.children, addr)
	}
	ls.mu.Unlock()
}

// counters are engine-wide packet statistics.
type counters struct {
	datagramsRecv, datagramsSent atomic.Int64
	malformed, spoofed           atomic.Int64
	decryptFailed, replayed      atomic.Int64
	ignored, refused             atomic.Int64
}

// Counters are engine-wide packet counters, for diagnostics and tests.
type Counters struct {
	DatagramsRecv int64 // UDP datagrams read
	DatagramsSent int64 // UDP datagrams written (before fake loss)
	Malformed     int64 // undecodable: bad lead byte, truncated, bad protobuf or padding
	Spoofed       int64 // wrong source address, unknown connection ID or bad cookie
	DecryptFailed int64 // AEAD authentication failed
	Replayed      int64 // duplicate or too old packet number
	Ignored       int64 // well-formed but not valid in the current state
	Refused       int64 // valid connect requests turned down by a resource limit (Options.Max*)
}

func (c *counters) snapshot() Counters {
	return Counters{
		DatagramsRecv: c.datagramsRecv.Load(), DatagramsSent: c.datagramsSent.Load(),
		Malformed: c.malformed.Load(), Spoofed: c.spoofed.Load(), DecryptFailed: c.decryptFailed.Load(),
		Replayed: c.replayed.Load(), Ignored: c.ignored.Load(), Refused: c.refused.Load(),
	}
}
