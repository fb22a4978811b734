package p2p_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"hash/crc32"
	"net/netip"
	"strings"
	"testing"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
)

// player is one game instance: a node logged in to the service and an
// engine using it.
type player struct {
	node *p2p.Node
	s    *engine.Sockets
	id   engine.Identity
}

func newPlayer(t *testing.T, service string, cfg p2p.Config) *player {
	t.Helper()
	cfg.Service = service
	if cfg.InterfaceFilter == nil {
		cfg.IncludeLoopback = true
		cfg.InterfaceFilter = func(name string) bool { return name == "lo" }
	}
	n := startNode(t, cfg)
	s := engine.NewSockets(engine.Options{AppID: cfg.AppID})
	t.Cleanup(s.Close)
	if err := s.SetP2PBackend(n.EngineBackend()); err != nil {
		t.Fatal(err)
	}
	id := s.Identity()
	if id.Type != engine.IdentitySteamID {
		t.Fatalf("engine identity %v after login, want the node's SteamID", id)
	}
	return &player{node: n, s: s, id: id}
}

// waitState polls events until conn reaches want (accepting incoming
// connections on the way when accept is set). It fails on a terminal state.
func waitState(t *testing.T, p *player, conn engine.Handle, want engine.ConnectionState, accept bool) engine.ConnectionInfo {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, ev := range p.s.PollEvents(nil) {
			if ev, ok := ev.(*engine.ConnectionStatusChanged); ok && accept && ev.Info.State == engine.StateConnecting && ev.Info.ListenSocket != 0 {
				if r := p.s.AcceptConnection(ev.Conn); r != engine.ResultOK {
					t.Fatalf("accept: %v", r)
				}
			}
		}
		info, ok := p.s.ConnectionInfo(conn)
		if ok && info.State == want {
			return info
		}
		if ok && (info.State == engine.StateClosedByPeer || info.State == engine.StateProblemDetectedLocally) && want != info.State {
			t.Fatalf("connection ended: %d %s", info.EndReason, info.EndDebug)
		}
		time.Sleep(5 * time.Millisecond)
	}
	info, _ := p.s.ConnectionInfo(conn)
	t.Fatalf("connection never reached state %d: %+v", want, info)
	return info
}

// acceptedConn waits for the listener's side of a connection from `from`.
func acceptedConn(t *testing.T, p *player, ls engine.Handle, from engine.Identity) engine.Handle {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, ev := range p.s.PollEvents(nil) {
			ev, ok := ev.(*engine.ConnectionStatusChanged)
			if !ok || ev.Info.ListenSocket == 0 || (ls != 0 && ev.Info.ListenSocket != ls) {
				continue
			}
			if ev.Info.State == engine.StateConnecting {
				if from.Type != engine.IdentityInvalid && ev.Info.Identity != from {
					t.Fatalf("incoming connection from %v, want %v", ev.Info.Identity, from)
				}
				if r := p.s.AcceptConnection(ev.Conn); r != engine.ResultOK {
					t.Fatalf("accept: %v", r)
				}
				return ev.Conn
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no incoming P2P connection")
	return 0
}

func startService(t *testing.T, cfg rendezvous.Config) *rendezvous.Server {
	t.Helper()
	cfg.Dev = true
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	srv, err := rendezvous.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// connectPair connects client→server P2P on virtual port 7 and returns
// both connection handles, connected.
func connectPair(t *testing.T, server, client *player, opts []engine.ConfigOption) (srvConn, cliConn engine.Handle) {
	t.Helper()
	ls, err := server.s.CreateListenSocketP2P(7, opts)
	if err != nil {
		t.Fatal(err)
	}
	cliConn, err = client.s.ConnectP2P(server.id, 7, opts)
	if err != nil {
		t.Fatal(err)
	}
	srvConn = acceptedConn(t, server, ls, client.id)
	waitState(t, client, cliConn, engine.StateConnected, false)
	waitState(t, server, srvConn, engine.StateConnected, false)
	return srvConn, cliConn
}

// transfer sends n reliable messages on two lanes and checks that all
// arrive intact and in order per lane.
func transfer(t *testing.T, from, to *player, fromConn, toConn engine.Handle, n int) {
	t.Helper()
	if r := from.s.ConfigureConnectionLanes(fromConn, 2, []int{0, 0}, []int{1, 1}); r != engine.ResultOK {
		t.Fatalf("lanes: %v", r)
	}
	payload := func(lane, i int) []byte {
		b := bytes.Repeat([]byte(fmt.Sprintf("lane%d-msg%05d|", lane, i)), 1+i%300) // up to ~5 KB: segmented
		return binary(b)
	}
	for i := 0; i < n; i++ {
		for lane := 0; lane < 2; lane++ {
			for {
				_, r := from.s.SendMessageOnLane(fromConn, payload(lane, i), engine.SendReliable, lane)
				if r == engine.ResultOK {
					break
				}
				if r != engine.ResultLimitExceeded {
					t.Fatalf("send: %v", r)
				}
				time.Sleep(time.Millisecond)
			}
		}
	}
	next := [2]int{}
	deadline := time.Now().Add(60 * time.Second)
	for next[0] < n || next[1] < n {
		if time.Now().After(deadline) {
			t.Fatalf("received %v of %d per lane", next, n)
		}
		msgs := to.s.ReceiveMessagesOnConnection(toConn, 64)
		if len(msgs) == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		for _, m := range msgs {
			want := payload(m.Lane, next[m.Lane])
			if !bytes.Equal(m.Data, want) {
				t.Fatalf("lane %d message %d corrupted or out of order", m.Lane, next[m.Lane])
			}
			if m.Identity != from.id {
				t.Fatalf("message identity %v, want %v", m.Identity, from.id)
			}
			next[m.Lane]++
		}
	}
}

// binary appends a CRC so corruption anywhere is visible.
func binary(b []byte) []byte {
	c := crc32.ChecksumIEEE(b)
	return append(b, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
}

func TestEngineP2PLoopbackDirect(t *testing.T) {
	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})
	aConn, bConn := connectPair(t, a, b, nil)

	infoB, _ := b.s.ConnectionInfo(bConn)
	if infoB.Identity != a.id {
		t.Fatalf("client sees identity %v, want %v", infoB.Identity, a.id)
	}
	if !infoB.RemoteAddr.IsValid() || !infoB.RemoteAddr.Addr().IsLoopback() {
		t.Fatalf("direct path should show the peer's address, got %v", infoB.RemoteAddr)
	}
	if infoB.Flags&(engine.InfoFlagRelayed|engine.InfoFlagUnauthenticated) != 0 {
		t.Fatalf("flags %#x: want neither relayed nor unauthenticated", infoB.Flags)
	}
	infoA, _ := a.s.ConnectionInfo(aConn)
	if infoA.Identity != b.id || infoA.ListenSocket == 0 {
		t.Fatalf("server info %+v", infoA)
	}
	transfer(t, b, a, bConn, aConn, 200)
	transfer(t, a, b, aConn, bConn, 50)

	// Close from the client: the server sees ClosedByPeer with our reason.
	b.s.CloseConnection(bConn, 1042, "bye", false)
	info := waitState(t, a, aConn, engine.StateClosedByPeer, false)
	if info.EndReason != 1042 {
		t.Fatalf("end reason %d %q, want 1042", info.EndReason, info.EndDebug)
	}
}

func TestEngineP2PRelayOnlyHidesAddresses(t *testing.T) {
	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})
	relay := []engine.ConfigOption{engine.Int32Option(engine.ConfigP2PTransportICEEnable, 1)}
	aConn, bConn := connectPair(t, a, b, relay)
	for _, side := range []struct {
		p *player
		c engine.Handle
	}{{a, aConn}, {b, bConn}} {
		info, _ := side.p.s.ConnectionInfo(side.c)
		if info.RemoteAddr.IsValid() {
			t.Fatalf("relay-only connection exposes address %v", info.RemoteAddr)
		}
		if info.Flags&engine.InfoFlagRelayed == 0 {
			t.Fatalf("flags %#x lack InfoFlagRelayed", info.Flags)
		}
		if want := "P2P steamid:"; !strings.Contains(info.Description, want) {
			t.Fatalf("description %q lacks %q", info.Description, want)
		}
	}
	transfer(t, b, a, bConn, aConn, 50)
}

func TestEngineP2PNoListenerAndOffline(t *testing.T) {
	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})
	// a has no listen socket on port 9.
	h, err := b.s.ConnectP2P(a.id, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	info := waitState(t, b, h, engine.StateProblemDetectedLocally, false)
	if info.EndReason == 0 {
		t.Fatal("no end reason")
	}
	// Nobody logged in as this identity: no answer through signaling.
	h2, err := b.s.ConnectP2P(engine.SteamIDIdentity(a.id.SteamID+12345), 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	info = waitState(t, b, h2, engine.StateProblemDetectedLocally, false)
	if info.EndReason != engine.EndMiscP2PRendezvous {
		t.Fatalf("offline peer: end reason %d %q, want 5008", info.EndReason, info.EndDebug)
	}
}

// forgedBackend presents another certificate than the node's own.
type forgedBackend struct {
	engine.P2PBackend
	cert []byte
}

func (f forgedBackend) Credentials() ([]byte, ed25519.PrivateKey, bool) {
	_, key, ok := f.P2PBackend.Credentials()
	return f.cert, key, ok
}

func TestEngineP2PBadCertificatesRefused(t *testing.T) {
	authority, _ := ca.GenerateAuthority()
	srv := startService(t, rendezvous.Config{CA: authority})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})
	_, bKey, _ := b.node.Credentials()
	rogue, _ := ca.GenerateAuthority()
	pub := bKey.Public().(ed25519.PublicKey)
	foreign, _ := rogue.Issue(ca.IssueParams{SteamID: b.id.SteamID, PublicKey: pub, AppIDs: []uint32{0}, Lifetime: time.Hour})
	expired, _ := authority.Issue(ca.IssueParams{SteamID: b.id.SteamID, PublicKey: pub, AppIDs: []uint32{0},
		NotBefore: time.Now().Add(-2 * time.Hour), Lifetime: time.Hour})
	aCert, _, _ := a.node.Credentials()
	if _, err := a.s.CreateListenSocketP2P(7, nil); err != nil {
		t.Fatal(err)
	}
	for name, cert := range map[string][]byte{"foreign CA": foreign, "expired": expired, "someone else's": aCert} {
		t.Run("dialer presents "+name, func(t *testing.T) {
			if err := b.s.SetP2PBackend(forgedBackend{b.node.EngineBackend(), cert}); err != nil {
				t.Fatal(err)
			}
			h, err := b.s.ConnectP2P(a.id, 7, nil)
			if err != nil {
				t.Fatal(err)
			}
			info := waitState(t, b, h, engine.StateProblemDetectedLocally, false)
			if info.EndReason != engine.EndRemoteBadCert {
				t.Fatalf("end reason %d %q, want 4003", info.EndReason, info.EndDebug)
			}
			b.s.CloseConnection(h, 0, "", false)
		})
	}
	if err := b.s.SetP2PBackend(b.node.EngineBackend()); err != nil {
		t.Fatal(err)
	}
	// The acceptor presents a bad certificate: the dialer refuses it after
	// the path works and tells the acceptor, which sees ClosedByPeer 4003.
	if err := a.s.SetP2PBackend(forgedBackend{a.node.EngineBackend(), expired}); err != nil {
		t.Fatal(err)
	}
	h, err := b.s.ConnectP2P(a.id, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	aConn := acceptedConn(t, a, 0, b.id)
	info := waitState(t, b, h, engine.StateProblemDetectedLocally, false)
	if info.EndReason != engine.EndRemoteBadCert {
		t.Fatalf("acceptor's bad cert: end reason %d %q, want 4003", info.EndReason, info.EndDebug)
	}
	info = waitState(t, a, aConn, engine.StateClosedByPeer, false)
	if info.EndReason != engine.EndRemoteBadCert {
		t.Fatalf("acceptor told: end reason %d %q, want 4003", info.EndReason, info.EndDebug)
	}
}

// With a P2P backend, IP connections carry the CA-signed certificate:
// between two logged-in players they are authenticated (identity from the
// certificate), a listen socket may refuse unauthenticated peers
// (IP_AllowWithoutAuth = 0), and everyone else stays governed by
// IP_AllowWithoutAuth as before.
func TestEngineIPConnectionsAuthenticatedByTheCA(t *testing.T) {
	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})
	strict := []engine.ConfigOption{
		engine.Int32Option(engine.ConfigIPAllowWithoutAuth, 0),
		engine.Int32Option(engine.ConfigIPLocalHostAllowWithoutAuth, 0),
		engine.Int32Option(engine.ConfigTimeoutInitial, 2000),
	}
	ls, err := a.s.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), strict)
	if err != nil {
		t.Fatalf("a listen socket refusing unauthenticated peers needs a CA, and we have one: %v", err)
	}
	addr, _ := a.s.ListenSocketAddress(ls)
	h, err := b.s.ConnectByIPAddress(addr, strict)
	if err != nil {
		t.Fatal(err)
	}
	srvConn := acceptedConn(t, a, ls, b.id)
	info := waitState(t, b, h, engine.StateConnected, false)
	if info.Identity != a.id || info.Flags&engine.InfoFlagUnauthenticated != 0 {
		t.Fatalf("client's info %+v: want the server's SteamID, authenticated", info)
	}
	sinfo := waitState(t, a, srvConn, engine.StateConnected, false)
	if sinfo.Flags&engine.InfoFlagUnauthenticated != 0 {
		t.Fatalf("server's info flags %#x: want authenticated", sinfo.Flags)
	}
	transfer(t, b, a, h, srvConn, 20)

	// A peer without a certificate from our CA is refused by the strict
	// listen socket (silently, as GNS: the client times out)...
	plain := engine.NewSockets(engine.Options{})
	defer plain.Close()
	ph, err := plain.ConnectByIPAddress(addr, []engine.ConfigOption{engine.Int32Option(engine.ConfigTimeoutInitial, 1500)})
	if err != nil {
		t.Fatal(err)
	}
	pp := &player{s: plain}
	pinfo := waitState(t, pp, ph, engine.StateProblemDetectedLocally, false)
	if pinfo.EndReason != engine.EndMiscTimeout {
		t.Fatalf("unauthenticated client: end reason %d %q, want a timeout", pinfo.EndReason, pinfo.EndDebug)
	}
	// ...and accepted, unauthenticated, by a default one (IP_AllowWithoutAuth 2).
	ls2, err := a.s.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	addr2, _ := a.s.ListenSocketAddress(ls2)
	ph2, err := plain.ConnectByIPAddress(addr2, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := acceptedConn(t, a, ls2, engine.Identity{})
	// The plain client trusts no CA: the server's certificate is unsigned for it.
	if info2 := waitState(t, pp, ph2, engine.StateConnected, false); info2.Flags&engine.InfoFlagUnauthenticated == 0 {
		t.Fatalf("plain client sees flags %#x: it has no CA, the server cannot be authenticated", info2.Flags)
	}
	ainfo, _ := a.s.ConnectionInfo(in)
	if ainfo.Flags&engine.InfoFlagUnauthenticated == 0 || ainfo.Identity.Type != engine.IdentityIPAddress {
		t.Fatalf("server sees the plain client as %+v: want unauthenticated, identified by its address", ainfo)
	}
}

// The service restarts (the network-namespace test does the same through
// NAT routers): the engine's connection made before keeps carrying
// messages, the players log in again with the same identities, and a new
// connection can be made.
func TestEngineP2PServiceRestartOnLoopback(t *testing.T) {
	authority, _ := ca.GenerateAuthority()
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0", CA: authority})
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr().String()
	defer func() { srv.Close() }()
	a := newPlayer(t, addr, p2p.Config{})
	b := newPlayer(t, addr, p2p.Config{})
	aConn, bConn := connectPair(t, a, b, nil)

	srv.Close()
	waitAvailability(t, a.node, signaling.AvailabilityRetrying)
	transfer(t, b, a, bConn, aConn, 20) // no service needed once connected

	srv, err = rendezvous.Start(rendezvous.Config{Dev: true, Listen: addr, CA: authority})
	if err != nil {
		t.Fatal(err)
	}
	waitAvailability(t, a.node, signaling.AvailabilityCurrent)
	waitAvailability(t, b.node, signaling.AvailabilityCurrent)
	if a.s.Identity() != a.id || b.s.Identity() != b.id {
		t.Fatal("identities changed across the restart")
	}
	h, err := b.s.ConnectP2P(a.id, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := acceptedConn(t, a, 0, b.id)
	waitState(t, b, h, engine.StateConnected, false)
	waitState(t, a, in, engine.StateConnected, false)
	transfer(t, b, a, h, in, 20)
}

func waitAvailability(t *testing.T, n *p2p.Node, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		av, msg := n.Availability()
		if av == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("availability %d (%s), want %d", av, msg, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Over a lossy, reordering P2P path (the fake network options apply to the
// ICE path as to UDP), reliable messages still arrive complete, intact and
// in order on each lane.
func TestEngineP2PReliableUnderLossAndReorder(t *testing.T) {
	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})
	lossy := []engine.ConfigOption{
		engine.FloatOption(engine.ConfigFakePacketLossSend, 10),
		engine.FloatOption(engine.ConfigFakePacketReorderSend, 5),
		engine.FloatOption(engine.ConfigFakePacketReorderTime, 15),
	}
	aConn, bConn := connectPair(t, a, b, lossy)
	before := b.s.Counters().DatagramsSent
	transfer(t, b, a, bConn, aConn, 60)
	transfer(t, a, b, aConn, bConn, 30)
	st, _ := b.s.DetailedStatus(bConn)
	var retransmits int
	if i := strings.Index(st, "retransmits "); i >= 0 {
		fmt.Sscanf(st[i+len("retransmits "):], "%d", &retransmits)
	}
	if retransmits == 0 || b.s.Counters().DatagramsSent == before {
		t.Fatalf("the fake loss did not apply to the P2P path (no retransmits):\n%s", st)
	}
}

// Fake network values set globally after a P2P connection exists apply to
// it too (as to UDP sockets).
func TestEngineP2PGlobalFakeLossAppliesToLivePaths(t *testing.T) {
	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})
	aConn, bConn := connectPair(t, a, b, nil)
	if err := b.s.SetGlobalConfig(engine.FloatOption(engine.ConfigFakePacketLossSend, 20)); err != nil {
		t.Fatal(err)
	}
	transfer(t, b, a, bConn, aConn, 40)
	st, _ := b.s.DetailedStatus(bConn)
	var retransmits int
	if i := strings.Index(st, "retransmits "); i >= 0 {
		fmt.Sscanf(st[i+len("retransmits "):], "%d", &retransmits)
	}
	if retransmits == 0 {
		t.Fatalf("global fake loss did not reach the live P2P path:\n%s", st)
	}
}
