package ice

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/sigmsg"
	"godotsteam-sockets/engine/p2p/signaling"
)

// peer is a signaling client plus a transport, wired together.
type peer struct {
	client *signaling.Client
	sess   signaling.Session
	tr     atomic.Pointer[Transport]

	mu       sync.Mutex
	received [][]byte // every blob received, for address-leak checks
}

func newPeer(t *testing.T, srv *rendezvous.Server, cfg Config) *peer {
	t.Helper()
	p := &peer{}
	c, err := signaling.Start(signaling.Config{
		Addr: srv.Addr().String(),
		OnSignal: func(from string, data []byte) {
			p.mu.Lock()
			p.received = append(p.received, append([]byte{}, data...))
			p.mu.Unlock()
			if tr := p.tr.Load(); tr != nil {
				tr.HandleSignal(from, data)
			}
		},
		OnNoPeer: func(to string) {
			if tr := p.tr.Load(); tr != nil {
				tr.HandleNoPeer(to)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.sess, err = c.WaitSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.client = c
	cfg.LocalIdentity = p.sess.Identity
	if cfg.ICEServers == nil {
		cfg.ICEServers = p.sess.ICEServers
	}
	tr, err := NewTransport(cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	p.tr.Store(tr)
	t.Cleanup(func() {
		tr.Close()
		c.Close()
	})
	return p
}

func startService(t *testing.T) *rendezvous.Server {
	t.Helper()
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// connectPair dials from a to b and accepts on b, returning both ends.
func connectPair(t *testing.T, a, b *peer) (*Conn, *Conn, *Incoming) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type result struct {
		c   *Conn
		err error
	}
	dialed := make(chan result, 1)
	go func() {
		c, err := a.tr.Load().Dial(ctx, b.sess.Identity, DialParams{LocalConnID: 0x0A0B0C0D, ToVirtualPort: 7, FromVirtualPort: 3,
			Crypt: []byte("crypt-from-a"), Cert: a.sess.Cert})
		dialed <- result{c, err}
	}()
	in, err := b.tr.Load().Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := in.Accept(ctx, AcceptParams{LocalConnID: 0x01020304, Crypt: []byte("crypt-from-b"), Cert: b.sess.Cert})
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	r := <-dialed
	if r.err != nil {
		t.Fatalf("dial: %v", r.err)
	}
	return r.c, cb, in
}

func exchange(t *testing.T, x, y *Conn) {
	t.Helper()
	buf := make([]byte, 2048)
	for i, msg := range [][]byte{[]byte("hello over ICE"), bytes.Repeat([]byte{0xAB}, 1200)} {
		// Datagrams may be lost before the path settles: resend until one arrives.
		got := false
		for try := 0; try < 50 && !got; try++ {
			if _, err := x.Write(msg); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
			_ = y.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			n, err := y.Read(buf)
			if err == nil {
				if !bytes.Equal(buf[:n], msg) {
					t.Fatalf("datagram %d corrupted", i)
				}
				got = true
			}
		}
		if !got {
			t.Fatalf("datagram %d never arrived", i)
		}
	}
	_ = y.SetReadDeadline(time.Time{})
}

func TestDirectConnectionOverLoopback(t *testing.T) {
	srv := startService(t)
	// Only loopback candidates: with every interface offered, ICE may rightly pick
	// another local address (e.g. eth0) and the loopback assertion below would flake.
	onlyLoopback := func(name string) bool { return name == "lo" }
	a := newPeer(t, srv, Config{IncludeLoopback: true, InterfaceFilter: onlyLoopback})
	b := newPeer(t, srv, Config{IncludeLoopback: true, InterfaceFilter: onlyLoopback})
	ca, cb, in := connectPair(t, a, b)

	if in.From != a.sess.Identity || in.RemoteConnID != 0x0A0B0C0D || in.ToVirtualPort != 7 || in.FromVirtualPort != 3 ||
		string(in.Crypt) != "crypt-from-a" || !bytes.Equal(in.Cert, a.sess.Cert) {
		t.Fatalf("incoming %+v", in)
	}
	if string(ca.PeerCrypt()) != "crypt-from-b" || !bytes.Equal(ca.PeerCert(), b.sess.Cert) {
		t.Fatal("dialer did not get the acceptor's connect_ok payload")
	}
	if ca.RemoteConnID() != 0x01020304 || cb.RemoteConnID() != 0x0A0B0C0D || ca.RemoteIdentity() != b.sess.Identity {
		t.Fatalf("conn IDs %08x %08x", ca.RemoteConnID(), cb.RemoteConnID())
	}
	exchange(t, ca, cb)
	exchange(t, cb, ca)

	p := ca.Path()
	if p.Relayed || !p.RemoteAddr.IsValid() || !p.RemoteAddr.Addr().IsLoopback() {
		t.Fatalf("direct path expected, got %+v", p)
	}

	// Closing one side tells the other through signaling.
	if err := ca.CloseWithReason(1042, "bye now"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-cb.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("peer never saw the close")
	}
	if r, msg := cb.EndReason(); r != 1042 || !strings.Contains(msg, "bye now") {
		t.Fatalf("end reason %d %q", r, msg)
	}
}

func TestRelayOnlyNeverRevealsPeerAddress(t *testing.T) {
	srv := startService(t)
	a := newPeer(t, srv, Config{RelayOnly: true})
	b := newPeer(t, srv, Config{RelayOnly: true})
	ca, cb, _ := connectPair(t, a, b)
	exchange(t, ca, cb)
	exchange(t, cb, ca)

	for _, c := range []*Conn{ca, cb} {
		p := c.Path()
		if !p.Relayed || p.RemoteAddr.IsValid() || p.LocalCandidateType != "relay" {
			t.Fatalf("relay path expected, got %+v", p)
		}
	}
	if n := srv.Stats().TURNAllocations; n < 2 {
		t.Fatalf("%d TURN allocations, want ≥ 2", n)
	}
	// Every candidate either peer ever received is a relay candidate.
	for _, p := range []*peer{a, b} {
		p.mu.Lock()
		n := 0
		for _, blob := range p.received {
			m, err := sigmsg.Unmarshal(blob)
			if err != nil {
				t.Fatal(err)
			}
			for _, rm := range m.ReliableMessages {
				if rm.ICE != nil && rm.ICE.HasCandidate {
					n++
					if !strings.Contains(rm.ICE.Candidate, " typ relay") {
						t.Errorf("peer received a non-relay candidate: %s", rm.ICE.Candidate)
					}
				}
			}
		}
		p.mu.Unlock()
		if n == 0 {
			t.Fatal("no candidates exchanged at all")
		}
	}
}

func TestRelayForcedOneSide(t *testing.T) {
	// Only the dialer is relay-only: it ignores the acceptor's host
	// candidates and the path still works through the relay.
	srv := startService(t)
	a := newPeer(t, srv, Config{RelayOnly: true})
	b := newPeer(t, srv, Config{IncludeLoopback: true})
	ca, cb, _ := connectPair(t, a, b)
	exchange(t, ca, cb)
	if p := ca.Path(); !p.Relayed || p.RemoteAddr.IsValid() {
		t.Fatalf("path %+v", p)
	}
	if a.tr.Load().Stats().CandidatesIgnored == 0 {
		t.Fatal("relay-only side did not ignore the peer's host candidates")
	}
}

func TestRejectEndsDial(t *testing.T) {
	srv := startService(t)
	a := newPeer(t, srv, Config{IncludeLoopback: true})
	b := newPeer(t, srv, Config{IncludeLoopback: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := a.tr.Load().Dial(ctx, b.sess.Identity, DialParams{ToVirtualPort: 99})
		errc <- err
	}()
	in, err := b.tr.Load().Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in.Reject(4003, "bad cert")
	err = <-errc
	if EndReason(err) != 4003 {
		t.Fatalf("dial err %v, want end reason 4003", err)
	}
	if _, err := in.Accept(ctx, AcceptParams{}); !errors.Is(err, ErrAlreadyAnswered) {
		t.Fatalf("accept after reject: %v", err)
	}
}

func TestDialOfflineIdentityFailsFast(t *testing.T) {
	srv := startService(t)
	a := newPeer(t, srv, Config{IncludeLoopback: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := a.tr.Load().Dial(ctx, "steamid:76561197960265999", DialParams{})
	if EndReason(err) != EndMiscP2PRendezvous {
		t.Fatalf("err %v, want end reason 5008", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("took until the timeout; the no-peer notice was ignored")
	}
}

func TestDialTimeoutWhenPeerNeverAnswers(t *testing.T) {
	srv := startService(t)
	a := newPeer(t, srv, Config{IncludeLoopback: true})
	b := newPeer(t, srv, Config{IncludeLoopback: true}) // never accepts
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err := a.tr.Load().Dial(ctx, b.sess.Identity, DialParams{})
	if EndReason(err) != EndMiscP2PRendezvous {
		t.Fatalf("err %v, want 5008", err)
	}
	// b saw exactly one incoming request despite the retransmissions.
	if n := len(b.tr.Load().Incoming()); n != 1 {
		t.Fatalf("%d incoming requests queued, want 1", n)
	}
}

func TestHostileSignalsCounted(t *testing.T) {
	srv := startService(t)
	a := newPeer(t, srv, Config{IncludeLoopback: true, MaxPendingIncoming: 2})
	tr := a.tr.Load()
	tr.HandleSignal("steamid:76561197960265001", []byte{0xff, 0xff})
	spoof := &sigmsg.Rendezvous{FromIdentity: "steamid:76561197960265002", FromConnectionID: 5, ConnectRequest: &sigmsg.ConnectRequest{}}
	tr.HandleSignal("steamid:76561197960265001", spoof.Marshal())
	stray := &sigmsg.Rendezvous{FromIdentity: "steamid:76561197960265001", FromConnectionID: 5, ToConnectionID: 1234}
	tr.HandleSignal("steamid:76561197960265001", stray.Marshal())
	for i := uint32(1); i <= 5; i++ { // flood of distinct connect requests
		req := &sigmsg.Rendezvous{FromIdentity: "steamid:76561197960265001", FromConnectionID: i, ConnectRequest: &sigmsg.ConnectRequest{}}
		tr.HandleSignal("steamid:76561197960265001", req.Marshal())
	}
	st := tr.Stats()
	if st.Malformed != 1 || st.Spoofed != 1 || st.Unroutable != 1 || st.IncomingDropped != 3 || len(tr.Incoming()) != 2 {
		t.Fatalf("stats %+v, queued %d", st, len(tr.Incoming()))
	}
}

func TestUfragFromConnectionID(t *testing.T) {
	for id, want := range map[uint32]string{0: "AAAAA", 0x3FFFFFFF: "/////", 0xC0000001: "AAAAB", 1 << 24: "BAAAA"} {
		if got := ufrag(id); got != want {
			t.Errorf("ufrag(%08x) = %q, want %q", id, got, want)
		}
	}
}

func TestReliableStreamInOrderWithGaps(t *testing.T) {
	tr := &Transport{cfg: Config{LocalIdentity: "steamid:1"}, done: make(chan struct{}),
		byLocal: map[uint32]*session{}, byRemote: map[remoteKey]*session{}}
	s := newSession(tr, false, "steamid:2")
	cand := func(n string) sigmsg.ReliableMessage {
		return sigmsg.ReliableMessage{ICE: &sigmsg.ICE{HasCandidate: true, Candidate: n}}
	}
	// Messages 2..3 first (gap): ignored. Then 1..3: all three. Then 2..4: only 4 new.
	s.handle(&sigmsg.Rendezvous{FirstReliableMsg: 2, ReliableMessages: []sigmsg.ReliableMessage{cand("b"), cand("c")}})
	if s.lastRecv != 0 {
		t.Fatalf("accepted across a gap: lastRecv %d", s.lastRecv)
	}
	s.handle(&sigmsg.Rendezvous{FirstReliableMsg: 1, ReliableMessages: []sigmsg.ReliableMessage{cand("a"), cand("b"), cand("c")}})
	s.handle(&sigmsg.Rendezvous{FirstReliableMsg: 2, ReliableMessages: []sigmsg.ReliableMessage{cand("b"), cand("c"), cand("d")}})
	if s.lastRecv != 4 || strings.Join(s.pending, "") != "abcd" {
		t.Fatalf("lastRecv %d pending %v", s.lastRecv, s.pending)
	}
	// Our outgoing stream: acks remove delivered messages.
	s.queueReliable(cand("x"))
	s.queueReliable(cand("y"))
	s.handle(&sigmsg.Rendezvous{AckReliableMsg: 1})
	if len(s.unacked) != 1 || s.unacked[0].id != 2 {
		t.Fatalf("unacked %+v", s.unacked)
	}
	m := s.nextSignal(time.Now())
	if m == nil || m.AckReliableMsg != 4 || m.FirstReliableMsg != 2 || len(m.ReliableMessages) != 1 {
		t.Fatalf("signal %+v", m)
	}
}
