package p2p_test

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/rendezvous"
)

// waitFakeIPResult polls p's events for the FakeIP result.
func waitFakeIPResult(t *testing.T, p *player) engine.FakeIPResult {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, ev := range p.s.PollEvents(nil) {
			if r, ok := ev.(*engine.FakeIPResult); ok {
				return *r
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no FakeIPResult event")
	return engine.FakeIPResult{}
}

// waitEnded waits for a connection to fail (closed by peer or problem).
func waitEnded(t *testing.T, p *player, conn engine.Handle) engine.ConnectionInfo {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		p.s.PollEvents(nil)
		info, ok := p.s.ConnectionInfo(conn)
		if !ok {
			t.Fatal("connection handle vanished")
		}
		if info.State == engine.StateClosedByPeer || info.State == engine.StateProblemDetectedLocally {
			return info
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("connection never ended")
	return engine.ConnectionInfo{}
}

func fakeAddr(r engine.FakeIPResult, idx int) netip.AddrPort {
	return netip.AddrPortFrom(fakeip.FromUint32(r.IP), r.Ports[idx])
}

func requestFakeIP(t *testing.T, p *player, n int) engine.FakeIPResult {
	t.Helper()
	if !p.s.BeginAsyncRequestFakeIP(n) {
		t.Fatal("BeginAsyncRequestFakeIP refused")
	}
	r := waitFakeIPResult(t, p)
	if r.Result != engine.ResultOK {
		t.Fatalf("FakeIP result %v", r.Result)
	}
	return r
}

func TestEngineFakeIPRequestListenConnect(t *testing.T) {
	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})

	if r := a.s.GetFakeIP(0); r.Result != engine.ResultNoMatch || r.Identity != a.id {
		t.Fatalf("GetFakeIP before any request: %+v", r)
	}
	if _, err := a.s.CreateListenSocketP2PFakeIP(0, nil); err == nil {
		t.Fatal("FakeIP listen socket before BeginAsyncRequestFakeIP")
	}
	ra := requestFakeIP(t, a, 2)
	if fakeip.ClassifyUint32(ra.IP) != fakeip.TypeGlobal || ra.Identity != a.id || ra.Ports[0] == 0 || ra.Ports[1] == 0 || ra.Ports[2] != 0 {
		t.Fatalf("result %+v", ra)
	}
	if g := a.s.GetFakeIP(0); g != ra {
		t.Fatalf("GetFakeIP %+v, event %+v", g, ra)
	}
	if g := a.s.GetFakeIP(1); g.Result != engine.ResultInvalidParam {
		t.Fatalf("GetFakeIP(1): %+v", g)
	}
	if _, err := a.s.CreateListenSocketP2PFakeIP(2, nil); err == nil {
		t.Fatal("listen socket on fake port index 2 of 2")
	}
	ls, err := a.s.CreateListenSocketP2PFakeIP(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.s.CreateListenSocketP2PFakeIP(1, nil); err == nil {
		t.Fatal("second listen socket on the same fake port")
	}

	// b (no FakeIP of its own) connects to a's FakeIP:port[1].
	target := fakeAddr(ra, 1)
	bConn, err := b.s.ConnectByIPAddress(target, nil)
	if err != nil {
		t.Fatal(err)
	}
	aConn := acceptedConn(t, a, ls, b.id)
	infoB := waitState(t, b, bConn, engine.StateConnected, false)
	waitState(t, a, aConn, engine.StateConnected, false)
	if infoB.Identity != a.id {
		t.Fatalf("after resolution the identity is %v, want the owner %v", infoB.Identity, a.id)
	}
	transfer(t, b, a, bConn, aConn, 50)
	transfer(t, a, b, aConn, bConn, 50)

	if ap, typ, res := b.s.RemoteFakeIP(bConn); res != engine.ResultOK || typ != fakeip.TypeGlobal || ap != target {
		t.Fatalf("dialer's RemoteFakeIP %v %v %v, want %v global", ap, typ, res, target)
	}
	la, typ, res := a.s.RemoteFakeIP(aConn)
	if res != engine.ResultOK || typ != fakeip.TypeLocal || fakeip.Classify(la.Addr()) != fakeip.TypeLocal {
		t.Fatalf("acceptor's RemoteFakeIP for a peer without FakeIP: %v %v %v", la, typ, res)
	}
	if again, _, _ := a.s.RemoteFakeIP(aConn); again != la {
		t.Fatalf("local FakeIP not consistent: %v then %v", la, again)
	}

	// Once b has a global FakeIP, a new connection reports it on a's side
	// (b's claim checked with the service).
	rb := requestFakeIP(t, b, 1)
	bConn2, err := b.s.ConnectByIPAddress(target, nil)
	if err != nil {
		t.Fatal(err)
	}
	aConn2 := acceptedConn(t, a, ls, b.id)
	waitState(t, b, bConn2, engine.StateConnected, false)
	if ap, typ, res := a.s.RemoteFakeIP(aConn2); res != engine.ResultOK || typ != fakeip.TypeGlobal || ap != fakeAddr(rb, 0) {
		t.Fatalf("acceptor's RemoteFakeIP for a peer with FakeIP: %v %v %v, want %v", ap, typ, res, fakeAddr(rb, 0))
	}

	// A P2P connection not made through FakeIP, and a bad handle.
	pls, err := a.s.CreateListenSocketP2P(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := b.s.ConnectP2P(a.id, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	acceptedConn(t, a, pls, b.id)
	waitState(t, b, plain, engine.StateConnected, false)
	if _, _, res := b.s.RemoteFakeIP(plain); res != engine.ResultIPNotFound {
		t.Fatalf("plain P2P connection: %v", res)
	}
	if _, _, res := b.s.RemoteFakeIP(12345); res != engine.ResultInvalidParam {
		t.Fatalf("bad handle: %v", res)
	}
}

// slowFakeIP holds FakeIP requests until release is closed.
type slowFakeIP struct {
	engine.P2PBackend
	fb      engine.FakeIPBackend
	release chan struct{}
}

func (s slowFakeIP) RequestFakeIP(ctx context.Context, n int) (uint32, []uint16, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	}
	return s.fb.RequestFakeIP(ctx, n)
}

func (s slowFakeIP) LookupFakeIP(ctx context.Context, a netip.AddrPort) (engine.Identity, int, error) {
	return s.fb.LookupFakeIP(ctx, a)
}

func TestEngineFakeIPFailurePaths(t *testing.T) {
	// No backend at all.
	bare := engine.NewSockets(engine.Options{})
	defer bare.Close()
	if bare.BeginAsyncRequestFakeIP(1) {
		t.Fatal("BeginAsyncRequestFakeIP without a service")
	}
	if r := bare.GetFakeIP(0); r.Result != engine.ResultDisabled {
		t.Fatalf("GetFakeIP without a service: %v", r.Result)
	}
	// Without a service, the FakeIP range is just link-local addresses
	// (some LANs use them): an ordinary UDP connection.
	if h, err := bare.ConnectByIPAddress(netip.MustParseAddrPort("169.254.3.4:2000"), nil); err != nil || h == engine.InvalidHandle {
		t.Fatalf("connect to a link-local address without a service: %v", err)
	} else if _, _, res := bare.RemoteFakeIP(h); res != engine.ResultIPNotFound {
		t.Fatalf("plain UDP connection to 169.254.3.4 reports %v", res)
	}
	if _, err := bare.CreateFakeUDPPort(-1); err == nil {
		t.Fatal("fake UDP port without a service")
	}

	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})

	// Bad port counts: accepted, answered at once with INVALID_PARAM.
	for _, n := range []int{0, 5, -1} {
		if !a.s.BeginAsyncRequestFakeIP(n) {
			t.Fatalf("BeginAsyncRequestFakeIP(%d) refused", n)
		}
		if r := waitFakeIPResult(t, a); r.Result != engine.ResultInvalidParam || r.IP != 0 {
			t.Fatalf("n=%d: %+v", n, r)
		}
	}

	// A request in progress: the second call is refused and GetFakeIP says busy.
	slow := slowFakeIP{P2PBackend: a.node.EngineBackend(), fb: a.node.EngineBackend().(engine.FakeIPBackend), release: make(chan struct{})}
	if err := a.s.SetP2PBackend(slow); err != nil {
		t.Fatal(err)
	}
	if !a.s.BeginAsyncRequestFakeIP(1) {
		t.Fatal("first request refused")
	}
	if a.s.BeginAsyncRequestFakeIP(1) {
		t.Fatal("second request accepted while the first is pending")
	}
	if r := a.s.GetFakeIP(0); r.Result != engine.ResultBusy {
		t.Fatalf("pending GetFakeIP: %v", r.Result)
	}
	close(slow.release)
	if r := waitFakeIPResult(t, a); r.Result != engine.ResultOK {
		t.Fatalf("released request: %v", r.Result)
	}

	// A FakeIP nobody owns: the connection fails with P2P_RENDEZVOUS.
	h, err := b.s.ConnectByIPAddress(netip.MustParseAddrPort("169.254.77.77:4000"), nil)
	if err != nil {
		t.Fatal(err)
	}
	info := waitEnded(t, b, h)
	if info.EndReason != engine.EndMiscP2PRendezvous {
		t.Fatalf("end reason %d (%s)", info.EndReason, info.EndDebug)
	}

	// A service without FakeIP.
	off := startService(t, rendezvous.Config{FakeIP: rendezvous.FakeIPConfig{Disabled: true}})
	c := newPlayer(t, off.Addr().String(), p2p.Config{})
	if !c.s.BeginAsyncRequestFakeIP(1) {
		t.Fatal("request refused")
	}
	if r := waitFakeIPResult(t, c); r.Result != engine.ResultDisabled {
		t.Fatalf("disabled service: %v", r.Result)
	}
}

func TestEngineFakeUDPPorts(t *testing.T) {
	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	b := newPlayer(t, srv.Addr().String(), p2p.Config{})
	if _, err := a.s.CreateFakeUDPPort(0); err == nil {
		t.Fatal("server port before BeginAsyncRequestFakeIP")
	}
	ra := requestFakeIP(t, a, 1)
	server, err := a.s.CreateFakeUDPPort(0)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := a.s.CreateFakeUDPPort(0); again != server {
		t.Fatal("CreateFakeUDPPort(0) twice gave two objects")
	}
	for _, bad := range []int{1, -2} {
		if _, err := a.s.CreateFakeUDPPort(bad); err == nil {
			t.Fatalf("CreateFakeUDPPort(%d) accepted", bad)
		}
	}
	client, err := b.s.CreateFakeUDPPort(-1)
	if err != nil {
		t.Fatal(err)
	}
	if r := client.SendTo(netip.MustParseAddrPort("10.0.0.1:5"), []byte("x"), 0); r != engine.ResultInvalidParam {
		t.Fatalf("send to a real address: %v", r)
	}
	if r := client.SendTo(netip.MustParseAddrPort("169.254.200.1:2000"), []byte("x"), 0); r != engine.ResultNoConnection {
		t.Fatalf("send to an unknown local FakeIP: %v", r)
	}

	// Client → server: the first datagrams open the hidden connection;
	// resend until one arrives (unreliable).
	to := fakeAddr(ra, 0)
	var got engine.FakeUDPMessage
	deadline := time.Now().Add(30 * time.Second)
	for got.Data == nil {
		if time.Now().After(deadline) {
			t.Fatal("no datagram reached the server port")
		}
		if r := client.SendTo(to, []byte("ping"), 0); r != engine.ResultOK {
			t.Fatalf("send: %v", r)
		}
		time.Sleep(20 * time.Millisecond)
		if msgs := server.Receive(8); len(msgs) > 0 {
			got = msgs[0]
		}
	}
	if string(got.Data) != "ping" || fakeip.Classify(got.From.Addr()) != fakeip.TypeLocal {
		t.Fatalf("server got %q from %v", got.Data, got.From)
	}
	// Server → client, reliably, to the from-address.
	if r := server.SendTo(got.From, []byte("pong"), engine.SendReliable); r != engine.ResultOK {
		t.Fatalf("reply: %v", r)
	}
	var reply []engine.FakeUDPMessage
	for len(reply) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no reply")
		}
		time.Sleep(5 * time.Millisecond)
		for _, m := range client.Receive(8) {
			if string(m.Data) == "pong" {
				reply = append(reply, m)
			}
		}
	}
	if reply[0].From != to {
		t.Fatalf("reply from %v, want %v", reply[0].From, to)
	}
	// Hidden connections post no events.
	for _, p := range []*player{a, b} {
		for _, ev := range p.s.PollEvents(nil) {
			if _, ok := ev.(*engine.ConnectionStatusChanged); ok {
				t.Fatalf("fake UDP port connection posted %+v", ev)
			}
		}
	}
	client.Close()
	server.Close()
	if r := client.SendTo(to, []byte("late"), 0); r != engine.ResultInvalidState {
		t.Fatalf("send on a closed port: %v", r)
	}
	if p, err := a.s.CreateFakeUDPPort(0); err != nil || p == server {
		t.Fatalf("re-create after close: %v (same object %v)", err, p == server)
	}
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func TestEngineHostedDedicatedServer(t *testing.T) {
	srv := startService(t, rendezvous.Config{Hosted: rendezvous.HostedConfig{POP: "iad"}})
	port := freeUDPPort(t)
	t.Setenv(engine.EnvSDRListenPort, strconv.Itoa(port))
	server := newPlayer(t, srv.Addr().String(), p2p.Config{ListenPort: port})
	client := newPlayer(t, srv.Addr().String(), p2p.Config{})
	other := newPlayer(t, srv.Addr().String(), p2p.Config{ListenPort: freeUDPPort(t)})
	wantPOP, _ := rendezvous.POPID("iad")

	if got, ok := engine.HostedDedicatedServerPort(); !ok || int(got) != port {
		t.Fatalf("HostedDedicatedServerPort %d %v", got, ok)
	}
	// The server's P2P transport holds SDR_LISTEN_PORT.
	if c, err := net.ListenPacket("udp4", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
		c.Close()
		t.Fatalf("UDP port %d (SDR_LISTEN_PORT) is not bound by the server's transport", port)
	}
	if pop := server.s.HostedDedicatedServerPOPID(); pop != wantPOP {
		t.Fatalf("POP %#x, want %#x", pop, wantPOP)
	}
	if _, _, res := server.s.HostedDedicatedServerAddress(); res != engine.ResultPending {
		t.Fatalf("address before listening: %v", res)
	}
	if _, err := other.s.CreateHostedDedicatedServerListenSocket(5, nil); err == nil {
		t.Fatal("hosted listen socket on a backend bound to another port")
	}
	ls, err := server.s.CreateHostedDedicatedServerListenSocket(5, nil)
	if err != nil {
		t.Fatal(err)
	}
	var addr netip.AddrPort
	deadline := time.Now().Add(20 * time.Second)
	for {
		a, pop, res := server.s.HostedDedicatedServerAddress()
		if res == engine.ResultOK {
			if pop != wantPOP || int(a.Port()) != port {
				t.Fatalf("registered %v pop %#x", a, pop)
			}
			addr = a
			break
		}
		if res != engine.ResultPending || time.Now().After(deadline) {
			t.Fatalf("registration: %v", res)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Without a ticket (plain ConnectP2P) the server refuses.
	plain, err := client.s.ConnectP2P(server.id, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info := waitEnded(t, client, plain); info.EndReason != engine.EndRemoteBadCert {
		t.Fatalf("ticketless connect ended with %d (%s)", info.EndReason, info.EndDebug)
	}

	// FindRelayAuthTicketForServer starts a fetch; later calls see it.
	if s := client.s.FindRelayAuthTicketForServer(server.id, 5); s != 0 {
		t.Fatalf("ticket before any fetch: %d s", s)
	}
	for client.s.FindRelayAuthTicketForServer(server.id, 5) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("ticket never fetched")
		}
		time.Sleep(5 * time.Millisecond)
	}
	tk, ok := client.s.LastRelayTicket()
	if !ok || tk.Server != server.id || tk.Client != client.id || tk.VirtualPort != 5 || tk.Routing != addr || tk.POP != wantPOP {
		t.Fatalf("ticket %+v", tk)
	}

	h, err := client.s.ConnectToHostedDedicatedServer(server.id, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	sConn := acceptedConn(t, server, ls, client.id)
	info := waitState(t, client, h, engine.StateConnected, false)
	waitState(t, server, sConn, engine.StateConnected, false)
	if info.Flags&engine.InfoFlagRelayed == 0 || info.RemoteAddr.IsValid() {
		t.Fatalf("hosted connection not relayed: flags %#x remote %v", info.Flags, info.RemoteAddr)
	}
	transfer(t, client, server, h, sConn, 30)

	// No server on that virtual port: no ticket, the connection fails.
	h2, err := client.s.ConnectToHostedDedicatedServer(server.id, 6, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info := waitEnded(t, client, h2); info.EndReason != engine.EndMiscP2PRendezvous {
		t.Fatalf("unregistered port ended with %d (%s)", info.EndReason, info.EndDebug)
	}

	// Closing the listen socket withdraws the registration.
	server.s.CloseListenSocket(ls)
	for {
		if _, _, res := server.s.HostedDedicatedServerAddress(); res == engine.ResultPending {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("registration not withdrawn")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for srv.ExtraStats().HostedPorts != 0 {
		if time.Now().After(deadline) {
			t.Fatal("service still lists the server")
		}
		time.Sleep(5 * time.Millisecond)
	}

	// SDR_LISTEN_PORT unset.
	t.Setenv(engine.EnvSDRListenPort, "")
	if _, err := server.s.CreateHostedDedicatedServerListenSocket(5, nil); err == nil {
		t.Fatal("hosted listen socket without SDR_LISTEN_PORT")
	}
	if server.s.HostedDedicatedServerPOPID() != 0 {
		t.Fatal("POP id without SDR_LISTEN_PORT")
	}
	if _, _, res := server.s.HostedDedicatedServerAddress(); res != engine.ResultInvalidState {
		t.Fatalf("address without SDR_LISTEN_PORT: %v", res)
	}
}

func TestEngineResetIdentityForgetsFakeIP(t *testing.T) {
	srv := startService(t, rendezvous.Config{})
	a := newPlayer(t, srv.Addr().String(), p2p.Config{})
	requestFakeIP(t, a, 1)
	port, err := a.s.CreateFakeUDPPort(0)
	if err != nil {
		t.Fatal(err)
	}
	a.s.ResetIdentity(engine.SteamIDIdentity(76561197960265999))
	if r := a.s.GetFakeIP(0); r.Result != engine.ResultNoMatch || r.Identity != engine.SteamIDIdentity(76561197960265999) {
		t.Fatalf("after ResetIdentity: %+v", r)
	}
	if r := port.SendTo(netip.MustParseAddrPort("169.254.1.1:2000"), []byte("x"), 0); r != engine.ResultInvalidState {
		t.Fatalf("server port survived ResetIdentity: %v", r)
	}
	if _, err := a.s.CreateListenSocketP2PFakeIP(0, nil); err == nil {
		t.Fatal("FakeIP listen socket after ResetIdentity without a new request")
	}
}

func TestEngineFakeIPRenewedAfterServiceRestart(t *testing.T) {
	authority, _ := ca.GenerateAuthority()
	srv := startService(t, rendezvous.Config{CA: authority, TURN: rendezvous.TURNConfig{Disabled: true}})
	addr := srv.Addr().String()
	a := newPlayer(t, addr, p2p.Config{})
	first := requestFakeIP(t, a, 2)

	srv.Close()
	srv2, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: addr, CA: authority, TURN: rendezvous.TURNConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	b := newPlayer(t, addr, p2p.Config{})
	// a logs in again by itself and renews its FakeIP: the new service
	// resolves a's current address (a new one, announced by a new
	// FakeIPResult, unless the new service happened to pick the same).
	deadline := time.Now().Add(30 * time.Second)
	var cur engine.FakeIPResult
	for {
		for _, ev := range a.s.PollEvents(nil) {
			if r, ok := ev.(*engine.FakeIPResult); ok {
				if r.Result != engine.ResultOK || r.IP == first.IP {
					t.Fatalf("renewal event %+v", r)
				}
			}
		}
		cur = a.s.GetFakeIP(0)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		owner, _, err := b.node.LookupFakeIP(ctx, fakeAddr(cur, 1))
		cancel()
		if err == nil && owner == ca.IdentityString(a.id.SteamID) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a's FakeIP %v never resolved on the restarted service: %v", fakeAddr(cur, 1), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if cur.Result != engine.ResultOK || cur.Ports[0] == 0 || cur.Ports[1] == 0 {
		t.Fatalf("GetFakeIP after renewal: %+v", cur)
	}
}
