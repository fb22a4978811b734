package engine

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"godotsteam-sockets/engine/internal/crypto"
	"godotsteam-sockets/engine/internal/wire"
)

// Adversarial network tests: a raw-UDP man in the middle (udpProxy) or raw
// sockets attack a real client/server pair over loopback. Each test checks
// the engine's counters and state, not timing.

// udpProxy relays datagrams between one client and a server, letting the
// test drop, alter, record and inject them.
type udpProxy struct {
	t      *testing.T
	front  *net.UDPConn // the client talks to this
	back   *net.UDPConn // the server sees this address
	server netip.AddrPort

	mu       sync.Mutex
	client   netip.AddrPort
	c2s, s2c func(p []byte) []byte // nil = forward as is; returning nil drops
	sentC2S  [][]byte              // copies of what reached the server
	sentS2C  [][]byte
	wg       sync.WaitGroup
}

func newUDPProxy(t *testing.T, server netip.AddrPort) *udpProxy {
	t.Helper()
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	front, err := net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	p := &udpProxy{t: t, front: front, back: back, server: server}
	p.wg.Add(2)
	go p.relay(front, true)
	go p.relay(back, false)
	t.Cleanup(func() {
		front.Close()
		back.Close()
		p.wg.Wait()
	})
	return p
}

func (p *udpProxy) addr() netip.AddrPort {
	return p.front.LocalAddr().(*net.UDPAddr).AddrPort()
}

func (p *udpProxy) relay(in *net.UDPConn, fromClient bool) {
	defer p.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, from, err := in.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		d := append([]byte(nil), buf[:n]...)
		p.mu.Lock()
		filter := p.s2c
		if fromClient {
			p.client = from
			filter = p.c2s
		}
		if filter != nil {
			d = filter(d)
		}
		if d != nil {
			if fromClient {
				p.sentC2S = append(p.sentC2S, d)
			} else {
				p.sentS2C = append(p.sentS2C, d)
			}
		}
		client := p.client
		p.mu.Unlock()
		if d == nil {
			continue
		}
		if fromClient {
			_, _ = p.back.WriteToUDPAddrPort(d, p.server)
		} else if client.IsValid() {
			_, _ = p.front.WriteToUDPAddrPort(d, client)
		}
	}
}

func (p *udpProxy) setFilters(c2s, s2c func([]byte) []byte) {
	p.mu.Lock()
	p.c2s, p.s2c = c2s, s2c
	p.mu.Unlock()
}

// toServer injects d as if the client sent it (from the proxy's address).
func (p *udpProxy) toServer(d []byte) { _, _ = p.back.WriteToUDPAddrPort(d, p.server) }

// toClient injects d as if the server sent it.
func (p *udpProxy) toClient(d []byte) {
	p.mu.Lock()
	c := p.client
	p.mu.Unlock()
	_, _ = p.front.WriteToUDPAddrPort(d, c)
}

// lastData returns a recorded data packet (newest first) of one direction.
func (p *udpProxy) lastData(c2s bool) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.sentS2C
	if c2s {
		list = p.sentC2S
	}
	for i := len(list) - 1; i >= 0; i-- {
		if wire.Classify(list[i]) == wire.KindData {
			return list[i]
		}
	}
	return nil
}

// proxiedPair connects cli to srv through a proxy and accepts.
func proxiedPair(t *testing.T, srv, cli *node, connOpts ...ConfigOption) (p *udpProxy, sc, cc Handle) {
	t.Helper()
	_, a := srv.listen("127.0.0.1:0", connOpts...)
	p = newUDPProxy(t, a)
	cc = cli.connect(p.addr(), connOpts...)
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	sc = ev.Conn
	if r := srv.s.AcceptConnection(sc); r != ResultOK {
		t.Fatalf("accept: %v", r)
	}
	srv.waitState(sc, StateConnected, 5*time.Second)
	cli.waitState(cc, StateConnected, 5*time.Second)
	return p, sc, cc
}

// exchange sends n reliable messages cli→srv and waits for all of them, in
// order and intact.
func exchange(t *testing.T, cli, srv *node, cc, sc Handle, n, size int, tag byte) {
	t.Helper()
	for i := 0; i < n; i++ {
		msg := bytes.Repeat([]byte{tag, byte(i)}, size/2)
		for {
			_, r := cli.s.SendMessageToConnection(cc, msg, SendReliable)
			if r == ResultOK {
				break
			}
			if r != ResultLimitExceeded {
				t.Fatalf("send %d: %v", i, r)
			}
			time.Sleep(time.Millisecond)
		}
	}
	got := 0
	waitUntil(t, 20*time.Second, "reliable messages through the adversary", func() bool {
		for _, m := range srv.s.ReceiveMessagesOnConnection(sc, 64) {
			want := bytes.Repeat([]byte{tag, byte(got)}, size/2)
			if !bytes.Equal(m.Data, want) {
				t.Fatalf("message %d corrupted or out of order (%d bytes)", got, len(m.Data))
			}
			got++
		}
		if got > n {
			t.Fatalf("%d messages delivered, %d sent", got, n)
		}
		return got == n
	})
	// Nothing more (no duplicates) arrives.
	if extra := srv.s.ReceiveMessagesOnConnection(sc, 64); len(extra) != 0 {
		t.Fatalf("%d extra messages delivered", len(extra))
	}
}

func TestAdversarySpoofedSource(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	p, sc, cc := proxiedPair(t, srv, cli)
	exchange(t, cli, srv, cc, sc, 5, 100, 1)
	real := p.lastData(true)
	if real == nil {
		t.Fatal("no data packet recorded")
	}
	// The same bytes (a valid, authenticated packet) from other source
	// addresses: the listen socket demultiplexes by address and drops them.
	before := srv.s.Counters()
	for i := 0; i < 20; i++ {
		rawSend(t, p.server, real)
	}
	waitUntil(t, 5*time.Second, "spoofed packets counted", func() bool {
		return srv.s.Counters().Spoofed-before.Spoofed >= 20
	})
	if got := srv.s.Counters(); got.Replayed != before.Replayed || got.DecryptFailed != before.DecryptFailed {
		t.Fatalf("spoofed packets reached the connection: %+v -> %+v", before, got)
	}
	// Same at the client's own socket: a packet from anyone but the server.
	c := cli.s.impl.lookupConn(cc)
	c.lock()
	clientAddr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), c.tr.(*clientSockTransport).sock.local.Port())
	c.unlock()
	cb := cli.s.Counters()
	waitUntil(t, 5*time.Second, "a server data packet (ack)", func() bool { return p.lastData(false) != nil })
	rawSend(t, clientAddr, p.lastData(false))
	waitUntil(t, 5*time.Second, "client counts the stranger", func() bool { return cli.s.Counters().Spoofed > cb.Spoofed })
	exchange(t, cli, srv, cc, sc, 5, 100, 2)
}

func TestAdversaryReplayedPackets(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	p, sc, cc := proxiedPair(t, srv, cli)
	exchange(t, cli, srv, cc, sc, 10, 300, 1)
	p.mu.Lock()
	var old [][]byte
	for _, d := range p.sentC2S {
		if wire.Classify(d) == wire.KindData {
			old = append(old, d)
		}
	}
	p.mu.Unlock()
	if len(old) == 0 {
		t.Fatal("nothing recorded")
	}
	// Replay every data packet the server already processed, from the
	// right address: each is refused as a replay and no message repeats.
	before := srv.s.Counters().Replayed
	for _, d := range old {
		p.toServer(d)
	}
	waitUntil(t, 5*time.Second, "replays counted", func() bool {
		return srv.s.Counters().Replayed-before >= int64(len(old))
	})
	if extra := srv.s.ReceiveMessagesOnConnection(sc, 64); len(extra) != 0 {
		t.Fatalf("replayed packets delivered %d messages again", len(extra))
	}
	exchange(t, cli, srv, cc, sc, 10, 300, 2)
	if info, _ := srv.s.ConnectionInfo(sc); info.State != StateConnected {
		t.Fatalf("replays changed the connection: %+v", info)
	}
}

func TestAdversaryFlippedCiphertextBits(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	p, sc, cc := proxiedPair(t, srv, cli)
	var mu sync.Mutex
	flipped := 0
	n := 0
	p.setFilters(func(d []byte) []byte {
		if wire.Classify(d) != wire.KindData || len(d) < wire.DataHeaderSize+17 {
			return d
		}
		n++
		if n%3 != 0 {
			return d
		}
		// Flip one bit of the ciphertext (past the header): AES-GCM must
		// reject the packet.
		d[wire.DataHeaderSize+(n%(len(d)-wire.DataHeaderSize))] ^= 1 << (n % 8)
		mu.Lock()
		flipped++
		mu.Unlock()
		return d
	}, nil)
	before := srv.s.Counters().DecryptFailed
	exchange(t, cli, srv, cc, sc, 40, 2000, 7) // intact despite every third packet corrupted
	p.setFilters(nil, nil)
	mu.Lock()
	want := int64(flipped)
	mu.Unlock()
	waitUntil(t, 5*time.Second, "every flipped packet counted", func() bool {
		return srv.s.Counters().DecryptFailed-before == want
	})
	if want == 0 {
		t.Fatal("no packet was corrupted")
	}
	if info, _ := srv.s.ConnectionInfo(sc); info.State != StateConnected {
		t.Fatalf("corrupted packets closed the connection: %+v", info)
	}
}

// TestAdversaryHandshakeFlood: challenge requests and forged connect
// requests from hundreds of source ports create no state at all on the
// server: every challenge gets a stateless cookie reply, no connection
// object, handle, listen-socket child or event exists afterwards.
func TestAdversaryHandshakeFlood(t *testing.T) {
	srv := newNode(t, Options{})
	ls, a := srv.listen("127.0.0.1:0")
	const ports = 200
	socks := make([]*net.UDPConn, ports)
	for i := range socks {
		pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		socks[i] = pc
	}
	before := srv.s.Counters()
	for i, pc := range socks {
		req := wire.ChallengeRequest{ConnectionID: uint32(0x10000 + i), ProtocolVersion: 13}
		pc.WriteToUDPAddrPort(wire.AppendPadded(nil, wire.MsgChallengeRequest, req.Append(nil)), a)
		forged := wire.ConnectRequest{ClientConnectionID: uint32(0x10000 + i), Challenge: uint64(i) * 0x9E3779B97F4A7C15}
		pc.WriteToUDPAddrPort(wire.AppendUnpadded(nil, wire.MsgConnectRequest, forged.Append(nil)), a)
	}
	waitUntil(t, 10*time.Second, "flood processed", func() bool {
		return srv.s.Counters().Spoofed-before.Spoofed >= ports
	})
	// Every source got a challenge reply (stateless).
	replies := 0
	buf := make([]byte, 2048)
	for _, pc := range socks {
		pc.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, _, err := pc.ReadFromUDPAddrPort(buf); err == nil && wire.Classify(buf[:n]) == wire.KindChallengeReply {
			replies++
		}
	}
	if replies != ports {
		t.Fatalf("%d of %d sources got a challenge reply", replies, ports)
	}
	reg := srv.s.impl.reg
	reg.mu.RLock()
	all, conns := len(reg.all), len(reg.conns)
	reg.mu.RUnlock()
	l := reg.listens[ls]
	l.mu.Lock()
	children := len(l.children)
	l.mu.Unlock()
	srv.pump()
	if all != 0 || conns != 0 || children != 0 || len(srv.events) != 0 {
		t.Fatalf("flood left state: %d connections, %d handles, %d children, %d events", all, conns, children, len(srv.events))
	}
}

// TestAdversaryValidHandshakeFloodBounded: an attacker that completes the
// cookie exchange from many ports (so it owns the addresses) still only
// gets MaxPendingConnections unaccepted connections; the rest are refused.
func TestAdversaryValidHandshakeFloodBounded(t *testing.T) {
	const limit, attackers = 8, 40
	srv := newNode(t, Options{MaxPendingConnections: limit})
	ls, a := srv.listen("127.0.0.1:0")
	for i := 0; i < attackers; i++ {
		rawHandshakeID(t, a, uint32(0x20000+i), nil)
	}
	waitUntil(t, 10*time.Second, "every handshake answered", func() bool {
		l := srv.s.impl.reg.listens[ls]
		l.mu.Lock()
		n := len(l.children)
		l.mu.Unlock()
		return int64(n)+srv.s.Counters().Refused >= attackers
	})
	l := srv.s.impl.reg.listens[ls]
	l.mu.Lock()
	children := len(l.children)
	l.mu.Unlock()
	if children != limit || srv.s.Counters().Refused != attackers-limit {
		t.Fatalf("%d pending connections, %d refused; want %d and %d", children, srv.s.Counters().Refused, limit, attackers-limit)
	}
	if n := countIncoming(srv); n != limit {
		t.Fatalf("%d connection events, want %d", n, limit)
	}
}

func TestAdversaryOversizedAndZeroLengthMessages(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	// The server accepts messages of at most 1024 bytes.
	_, sc, cc := connectedPairOpts(t, srv, cli, []ConfigOption{Int32Option(ConfigRecvMaxMessageSize, 1024)})
	if _, r := cli.s.SendMessageToConnection(cc, make([]byte, MaxMessageSizeSend+1), SendReliable); r != ResultInvalidParam {
		t.Fatalf("send of %d bytes: %v, want InvalidParam", MaxMessageSizeSend+1, r)
	}
	for _, flags := range []int{SendReliable, SendUnreliable} {
		if _, r := cli.s.SendMessageToConnection(cc, nil, flags); r != ResultOK {
			t.Fatalf("zero-length send (flags %d): %v", flags, r)
		}
	}
	var got []*Message
	waitUntil(t, 5*time.Second, "zero-length messages", func() bool {
		got = append(got, srv.s.ReceiveMessagesOnConnection(sc, 8)...)
		return len(got) >= 2
	})
	for _, m := range got {
		if len(m.Data) != 0 {
			t.Fatalf("zero-length message arrived with %d bytes", len(m.Data))
		}
	}
	// An unreliable message over the receiver's limit is dropped; the
	// connection stays up.
	cli.s.SendMessageToConnection(cc, make([]byte, 1100), SendUnreliable)
	exchange(t, cli, srv, cc, sc, 3, 100, 1)
	// A reliable one over it ends the connection with a clear reason.
	if _, r := cli.s.SendMessageToConnection(cc, make([]byte, 4096), SendReliable); r != ResultOK {
		t.Fatalf("send: %v", r)
	}
	ev := srv.waitState(sc, StateProblemDetectedLocally, 5*time.Second)
	if ev.Info.EndReason != EndMiscInternalError || !bytes.Contains([]byte(ev.Info.EndDebug), []byte("too large")) {
		t.Fatalf("oversized reliable message: end %d %q", ev.Info.EndReason, ev.Info.EndDebug)
	}
	if ce := cli.waitState(cc, StateClosedByPeer, 5*time.Second); ce.Info.EndReason != EndMiscInternalError {
		t.Fatalf("client sees end %d", ce.Info.EndReason)
	}
}

// connectedPairOpts is connectedPair with options on the listen socket.
func connectedPairOpts(t *testing.T, srv, cli *node, lsOpts []ConfigOption) (ls, sc, cc Handle) {
	t.Helper()
	ls, a := srv.listen("127.0.0.1:0", lsOpts...)
	cc = cli.connect(a)
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	sc = ev.Conn
	if r := srv.s.AcceptConnection(sc); r != ResultOK {
		t.Fatalf("accept: %v", r)
	}
	srv.waitState(sc, StateConnected, 5*time.Second)
	cli.waitState(cc, StateConnected, 5*time.Second)
	return ls, sc, cc
}

// TestAdversaryPeerStopsAcking: the server's packets (its acks) stop
// arriving; the client's send buffer fills, SendMessage says
// LimitExceeded, the data held stays within SendBufferSize plus what was in
// flight, and the connection finally times out.
func TestAdversaryPeerStopsAcking(t *testing.T) {
	const sendBuf = 64 << 10
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	opts := []ConfigOption{Int32Option(ConfigSendBufferSize, sendBuf), Int32Option(ConfigTimeoutConnected, 1500)}
	p, _, cc := proxiedPair(t, srv, cli, opts...)
	p.setFilters(nil, func([]byte) []byte { return nil }) // the server goes silent
	msg := make([]byte, 1000)
	sent, limited := 0, false
	for i := 0; i < 10_000 && !limited; i++ {
		_, r := cli.s.SendMessageToConnection(cc, msg, SendReliable)
		switch r {
		case ResultOK:
			sent++
		case ResultLimitExceeded:
			limited = true
		default:
			t.Fatalf("send %d: %v", i, r)
		}
	}
	if !limited {
		t.Fatalf("%d KB accepted with a %d KB send buffer and no acks", sent, sendBuf>>10)
	}
	st, _, _ := cli.s.RealTimeStatus(cc, 0)
	if st.PendingReliable > sendBuf {
		t.Fatalf("pending %d bytes over the %d-byte send buffer", st.PendingReliable, sendBuf)
	}
	if held := st.PendingReliable + st.SentUnackedReliable; held > sent*len(msg)+sent*8 {
		t.Fatalf("connection holds %d bytes for %d bytes sent", held, sent*len(msg))
	}
	ev := cli.waitState(cc, StateProblemDetectedLocally, 10*time.Second)
	if ev.Info.EndReason != EndMiscTimeout {
		t.Fatalf("silent peer: end %d %q, want %d", ev.Info.EndReason, ev.Info.EndDebug, EndMiscTimeout)
	}
}

// TestAdversaryAcksForPacketsNeverSent: an authenticated peer acks packet
// numbers the client never sent; the rest of that packet is ignored and
// nothing the client really sent counts as acked.
func TestAdversaryAcksForPacketsNeverSent(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	p, sc, cc := proxiedPair(t, srv, cli)
	exchange(t, cli, srv, cc, sc, 3, 100, 1)
	// Hold back every server packet (its acks) while the client sends.
	var maxPkt uint16
	p.setFilters(nil, func(d []byte) []byte {
		if wire.Classify(d) == wire.KindData && len(d) >= wire.DataHeaderSize {
			if n := binary.LittleEndian.Uint16(d[5:]); n > maxPkt {
				maxPkt = n
			}
		}
		return nil
	})
	if _, r := cli.s.SendMessageToConnection(cc, []byte("unacked"), SendReliable); r != ResultOK {
		t.Fatal(r)
	}
	waitUntil(t, 5*time.Second, "data in flight", func() bool {
		st, _, _ := cli.s.RealTimeStatus(cc, 0)
		return st.SentUnackedReliable > 0
	})
	// Forge, with the server's own keys, a packet whose ack frame claims
	// packets up to 1<<20 (the client sent a handful).
	s := srv.s.impl.lookupConn(sc)
	s.lock()
	p.mu.Lock()
	pkt := uint64(maxPkt) + 3
	p.mu.Unlock()
	ack := []byte{0x90, 0, 0, 0x10, 0, 0xff, 0xff} // ack frame: 32-bit latest = 1<<20, no delay, no blocks
	forged := wire.AppendDataHeader(nil, s.remoteID, uint16(pkt), 0)
	forged = s.sendDir.Seal(forged, ack, pkt)
	s.unlock()
	// Sent twice: the second copy is refused as a replay, which proves the
	// first was processed (one reader goroutine handles both in order).
	cb := cli.s.Counters()
	p.toClient(forged)
	p.toClient(forged)
	waitUntil(t, 5*time.Second, "forged packet processed", func() bool { return cli.s.Counters().Replayed > cb.Replayed })
	st, _, _ := cli.s.RealTimeStatus(cc, 0)
	if st.SentUnackedReliable == 0 {
		t.Fatal("the forged ack for never-sent packets acked real data")
	}
	if info, _ := cli.s.ConnectionInfo(cc); info.State != StateConnected {
		t.Fatalf("forged ack closed the connection: %+v", info)
	}
	p.setFilters(nil, nil)
	waitUntil(t, 10*time.Second, "real ack after the forged one", func() bool {
		st, _, _ := cli.s.RealTimeStatus(cc, 0)
		return st.SentUnackedReliable == 0 && st.PendingReliable == 0
	})
	if m := srv.s.ReceiveMessagesOnConnection(sc, 8); len(m) != 1 || string(m[0].Data) != "unacked" {
		t.Fatalf("held-back message: %d messages", len(m))
	}
	exchange(t, cli, srv, cc, sc, 3, 100, 2)
}

// TestAdversaryConnectionIDCollision: a second client (another address)
// reusing a live connection's ID with the same identity is refused with
// GNS's message and creates nothing; a different identity with the same
// ID is a different connection.
func TestAdversaryConnectionIDCollision(t *testing.T) {
	srv := newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	as := func(identity string) func(*wire.ConnectRequest, *crypto.LocalCert) {
		return func(m *wire.ConnectRequest, _ *crypto.LocalCert) {
			cert, _ := crypto.NewUnsignedCert(crypto.Identity{String: identity}, 0)
			sess, _ := crypto.NewSession(cert, crypto.CipherList(0))
			m.Cert, m.Crypt = &cert.Signed, &sess.Signed
		}
	}
	const id = 0x0BADF00D
	rawHandshakeID(t, a, id, as("str:mallory"))
	srv.waitState(0, StateConnecting, 5*time.Second)
	second := rawHandshakeID(t, a, id, as("str:mallory"))
	buf := make([]byte, 2048)
	second.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := second.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("no answer to the colliding connect request: %v", err)
	}
	if wire.Classify(buf[:n]) != wire.KindConnectionClosed {
		t.Fatalf("colliding request answered with kind %v", wire.Classify(buf[:n]))
	}
	body, _ := wire.Padded(buf[:n])
	var m wire.ConnectionClosed
	if err := m.Unmarshal(body); err != nil || m.ReasonCode != EndMiscGeneric || m.Debug != "A connection with that ID already exists." || m.ToConnectionID != id {
		t.Fatalf("refusal %+v %v", m, err)
	}
	if n := countIncoming(srv); n != 1 {
		t.Fatalf("%d incoming connections after the collision, want 1", n)
	}
	rawHandshakeID(t, a, id, as("str:alice"))
	srv.waitState(0, StateConnecting, 5*time.Second)
	reg := srv.s.impl.reg
	reg.mu.RLock()
	live := len(reg.all)
	reg.mu.RUnlock()
	if live != 2 {
		t.Fatalf("%d live connections, want 2", live)
	}
}

// TestAdversaryPeerVanishesMidTransfer: everything is dropped both ways in
// the middle of a transfer; both ends time out with EndMiscTimeout.
func TestAdversaryPeerVanishesMidTransfer(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	opts := []ConfigOption{Int32Option(ConfigTimeoutConnected, 1200)}
	p, sc, cc := proxiedPair(t, srv, cli, opts...)
	exchange(t, cli, srv, cc, sc, 5, 1000, 1)
	for i := 0; i < 100; i++ {
		cli.s.SendMessageToConnection(cc, make([]byte, 1000), SendReliable)
	}
	drop := func([]byte) []byte { return nil }
	p.setFilters(drop, drop)
	for i := 0; i < 10; i++ { // the server is mid-transfer too
		srv.s.SendMessageToConnection(sc, make([]byte, 1000), SendReliable)
	}
	ce := cli.waitState(cc, StateProblemDetectedLocally, 15*time.Second)
	se := srv.waitState(sc, StateProblemDetectedLocally, 15*time.Second)
	for _, e := range []*ConnectionStatusChanged{ce, se} {
		if e.Info.EndReason != EndMiscTimeout || e.Info.EndDebug != "Connection dropped" {
			t.Fatalf("vanished peer: end %d %q, want %d %q", e.Info.EndReason, e.Info.EndDebug, EndMiscTimeout, "Connection dropped")
		}
	}
}
