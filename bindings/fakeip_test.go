package bindings

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/p2ptest"
)

// startEmbedded starts the in-process service (startRendezvousService).
func startEmbedded(t *testing.T, s *Steam, h *fakeHost) string {
	t.Helper()
	addr, _ := call(t, s, "startRendezvousService", "127.0.0.1:0", NewDictionary()).(string)
	if addr == "" {
		t.Fatalf("startRendezvousService failed: %q", h.takeErrors())
	}
	return addr
}

// waitFakeIPSignal pumps run_callbacks until fake_ip_result.
func waitFakeIPSignal(t *testing.T, s *Steam, h *fakeHost) []any {
	t.Helper()
	var args []any
	pumpP2P(t, s, h, "fake_ip_result", func(e emission) bool {
		if e.name == signalFakeIPResult {
			args = e.args
			return true
		}
		return false
	})
	return args
}

func goFakeIP(t *testing.T, p *goPeer, n int) engine.FakeIPResult {
	t.Helper()
	if !p.s.BeginAsyncRequestFakeIP(n) {
		t.Fatal("Go peer's FakeIP request refused")
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, ev := range p.s.PollEvents(nil) {
			if r, ok := ev.(*engine.FakeIPResult); ok {
				if r.Result != engine.ResultOK {
					t.Fatalf("Go peer's FakeIP: %v", r.Result)
				}
				return *r
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("Go peer got no FakeIP")
	return engine.FakeIPResult{}
}

func TestFakeIPThroughEmbeddedService(t *testing.T) {
	noServiceEnv(t)
	t.Setenv("SDR_LISTEN_PORT", "")
	s, h := newSteam(t)
	addr := startEmbedded(t, s, h)

	if d := mustDict(t, call(t, s, "getFakeIP", int64(0))); get(t, d, "result") != int64(42) {
		t.Fatalf("getFakeIP with a service but no request = %v, want RESULT_NO_MATCH", d)
	}
	if got := call(t, s, "beginAsyncRequestFakeIP", int64(2)); got != true {
		t.Fatalf("beginAsyncRequestFakeIP = %v (%q)", got, h.takeErrors())
	}
	args := waitFakeIPSignal(t, s, h)
	me := call(t, s, "getSteamID").(int64)
	ip, _ := args[2].(string)
	ports, _ := args[3].([]any)
	if args[0] != int64(1) || args[1] != me || len(ports) != 8 || ports[0] == int64(0) || ports[1] == int64(0) || ports[2] != int64(0) {
		t.Fatalf("fake_ip_result%v", args)
	}
	if a, err := netip.ParseAddr(ip); err != nil || fakeip.Classify(a) != fakeip.TypeGlobal {
		t.Fatalf("fake_ip %q is not a global FakeIP", ip)
	}
	d := mustDict(t, call(t, s, "getFakeIP", int64(0)))
	gp := get(t, d, "ports").([]int32)
	if get(t, d, "result") != int64(1) || get(t, d, "identity_type") != int64(16) || get(t, d, "ip") != ip || int64(gp[0]) != ports[0] || int64(gp[1]) != ports[1] {
		t.Fatalf("getFakeIP = %v", d)
	}
	port0 := ports[0].(int64)

	// A Go player connects to our FakeIP:port0 with plain connectByIPAddress.
	ls := call(t, s, "createListenSocketP2PFakeIP", int64(0), NewDictionary()).(int64)
	if ls == 0 {
		t.Fatalf("createListenSocketP2PFakeIP: %q", h.takeErrors())
	}
	if got := call(t, s, "createListenSocketP2PFakeIP", int64(2), NewDictionary()); got != int64(0) {
		t.Fatalf("listen on fake port 2 of 2 = %v", got)
	}
	h.takeErrors()
	peer := newGoPeer(t, addr)
	pc, err := peer.s.ConnectByIPAddress(netip.MustParseAddrPort(ip+":"+strconv.FormatInt(port0, 10)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var in int64
	pumpP2P(t, s, h, "connection on the FakeIP listen socket", func(e emission) bool {
		c, info, ok := statusSignal(e)
		if !ok {
			return false
		}
		if get(t, info, "connection_state") == int64(1) && get(t, info, "listen_socket") == ls {
			call(t, s, "acceptConnection", c)
		}
		if get(t, info, "connection_state") == int64(3) {
			in = c
			return true
		}
		return false
	})
	goWaitConnected(t, peer, false)
	if _, r := peer.s.SendMessageToConnection(pc, []byte("via fakeip"), engine.SendReliable); r != engine.ResultOK {
		t.Fatal(r)
	}
	if got := receiveOne(t, s, in); string(get(t, got, "payload").([]byte)) != "via fakeip" {
		t.Fatalf("received %v", got)
	}
	r := mustDict(t, call(t, s, "getRemoteFakeIPForConnection", in))
	la, err := netip.ParseAddr(get(t, r, "ip_address").(string))
	if get(t, r, "result") != int64(1) || get(t, r, "ip_type") != int64(3) || err != nil || fakeip.Classify(la) != fakeip.TypeLocal || get(t, r, "port").(int64) < 1025 {
		t.Fatalf("getRemoteFakeIPForConnection for a peer without FakeIP = %v", r)
	}

	// We connect to the Go player's FakeIP.
	pr := goFakeIP(t, peer, 1)
	if _, err := peer.s.CreateListenSocketP2PFakeIP(0, nil); err != nil {
		t.Fatal(err)
	}
	target := netip.AddrPortFrom(fakeip.FromUint32(pr.IP), pr.Ports[0])
	out := call(t, s, "connectByIPAddress", target.String(), NewDictionary()).(int64)
	if out == 0 {
		t.Fatalf("connectByIPAddress(%s): %q", target, h.takeErrors())
	}
	goWaitConnected(t, peer, true)
	pumpP2P(t, s, h, "connected to the Go player's FakeIP", func(e emission) bool {
		c, info, ok := statusSignal(e)
		return ok && c == out && get(t, info, "connection_state") == int64(3)
	})
	if id := get(t, mustDict(t, call(t, s, "getConnectionInfo", out)), "identity"); id != int64(peer.id) {
		t.Fatalf("identity after resolution %v, want %d", id, peer.id)
	}
	r = mustDict(t, call(t, s, "getRemoteFakeIPForConnection", out))
	if get(t, r, "result") != int64(1) || get(t, r, "ip_address") != target.Addr().String() || get(t, r, "port") != int64(target.Port()) || get(t, r, "ip_type") != int64(2) {
		t.Fatalf("getRemoteFakeIPForConnection = %v, want %s global", r, target)
	}

	// Fake UDP ports: our server port 1, the Go player's client port.
	call(t, s, "createFakeUDPPort", int64(1))
	hp := call(t, s, "createFakeUDPPortHandle", int64(1)).(int64)
	if hp == 0 || call(t, s, "createFakeUDPPortHandle", int64(1)) != hp {
		t.Fatalf("createFakeUDPPortHandle(1) = %d, not stable (%q)", hp, h.takeErrors())
	}
	gport, err := peer.s.CreateFakeUDPPort(-1)
	if err != nil {
		t.Fatal(err)
	}
	ours := netip.MustParseAddrPort(ip + ":" + strconv.FormatInt(ports[1].(int64), 10))
	var from string
	deadline := time.Now().Add(20 * time.Second)
	for from == "" {
		if time.Now().After(deadline) {
			t.Fatal("no datagram on our fake UDP port")
		}
		if res := gport.SendTo(ours, []byte("dgram"), 0); res != engine.ResultOK {
			t.Fatalf("Go SendTo: %v", res)
		}
		time.Sleep(20 * time.Millisecond)
		for _, m := range call(t, s, "receiveMessagesOnFakeUDPPort", hp, int64(8)).([]any) {
			md := m.(*Dictionary)
			if string(get(t, md, "payload").([]byte)) != "dgram" || get(t, md, "size") != int64(5) {
				t.Fatalf("datagram %v", md)
			}
			from = get(t, md, "ip_address").(string) + ":" + strconv.FormatInt(get(t, md, "port").(int64), 10)
		}
	}
	if res := call(t, s, "sendMessageToFakeIP", hp, from, []byte("reply"), int64(engine.SendReliable)); res != int64(1) {
		t.Fatalf("sendMessageToFakeIP(%s) = %v (%q)", from, res, h.takeErrors())
	}
	for {
		if time.Now().After(deadline) {
			t.Fatal("Go peer got no reply")
		}
		if ms := gport.Receive(8); len(ms) > 0 {
			if string(ms[0].Data) != "reply" || ms[0].From != ours {
				t.Fatalf("Go peer got %q from %v", ms[0].Data, ms[0].From)
			}
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	call(t, s, "scheduleFakeUDPPortCleanup", hp, from)
	if call(t, s, "destroyFakeUDPPort", hp) != true || call(t, s, "destroyFakeUDPPort", hp) != false {
		t.Fatal("destroyFakeUDPPort")
	}
	if errs := h.takeErrors(); len(errs) != 0 {
		t.Errorf("unexpected errors %q", errs)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func TestHostedServerThroughEmbeddedService(t *testing.T) {
	noServiceEnv(t)
	port := freePort(t)
	t.Setenv("SDR_LISTEN_PORT", strconv.Itoa(port))
	s, h := newSteam(t)
	addr := startEmbedded(t, s, h)

	if got := call(t, s, "getHostedDedicatedServerPort"); got != int64(port) {
		t.Fatalf("getHostedDedicatedServerPort = %v", got)
	}
	if got := call(t, s, "getHostedDedicatedServerPOPId"); got != int64(0x646576) {
		t.Fatalf("getHostedDedicatedServerPOPId = %v, want k_SteamDatagramPOPID_dev (%q)", got, h.takeErrors())
	}
	ls := call(t, s, "createHostedDedicatedServerListenSocket", int64(0), NewDictionary()).(int64)
	if ls == 0 {
		t.Fatalf("createHostedDedicatedServerListenSocket: %q", h.takeErrors())
	}
	deadline := time.Now().Add(20 * time.Second)
	for call(t, s, "getHostedDedicatedServerAddress") != int64(1) {
		if time.Now().After(deadline) {
			t.Fatal("never registered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	me := call(t, s, "getSteamID").(int64)

	// A Go client reaches the server by Steam ID through the relay.
	t.Setenv("SDR_LISTEN_PORT", "") // the Go client is no hosted server
	peer := newGoPeer(t, addr)
	pc, err := peer.s.ConnectToHostedDedicatedServer(engine.SteamIDIdentity(uint64(me)), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var in int64
	pumpP2P(t, s, h, "hosted connection", func(e emission) bool {
		c, info, ok := statusSignal(e)
		if !ok {
			return false
		}
		if get(t, info, "connection_state") == int64(1) && get(t, info, "listen_socket") == ls {
			if get(t, info, "identity") != int64(peer.id) {
				t.Fatalf("client identity %v", get(t, info, "identity"))
			}
			call(t, s, "acceptConnection", c)
		}
		if get(t, info, "connection_state") == int64(3) {
			in = c
			return true
		}
		return false
	})
	goWaitConnected(t, peer, false)
	info, _ := peer.s.ConnectionInfo(pc)
	if info.Flags&engine.InfoFlagRelayed == 0 || info.RemoteAddr.IsValid() {
		t.Fatalf("hosted connection not relayed: %+v", info)
	}
	if _, r := peer.s.SendMessageToConnection(pc, []byte("to hosted"), engine.SendReliable); r != engine.ResultOK {
		t.Fatal(r)
	}
	if got := receiveOne(t, s, in); string(get(t, got, "payload").([]byte)) != "to hosted" {
		t.Fatalf("received %v", got)
	}
	if errs := h.takeErrors(); len(errs) != 0 {
		t.Errorf("unexpected errors %q", errs)
	}
}

func TestHostedServerTicketsOnTheClientSide(t *testing.T) {
	noServiceEnv(t)
	t.Setenv("SDR_LISTEN_PORT", "")
	s, h := newSteam(t)
	addr := startEmbedded(t, s, h)

	// The hosted server is a Go program with SDR_LISTEN_PORT while it
	// creates its listen socket.
	port := freePort(t)
	srv, n := p2ptest.Engine(t, p2p.Config{Service: addr, IncludeLoopback: true, ListenPort: port})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t.Setenv("SDR_LISTEN_PORT", strconv.Itoa(port))
	if _, err := srv.CreateHostedDedicatedServerListenSocket(3, nil); err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, res := srv.HostedDedicatedServerAddress(); res == engine.ResultOK {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("server never registered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Setenv("SDR_LISTEN_PORT", "")
	sid, _, _ := n.Identity()

	// No ticket yet: 0, and a fetch starts; later calls see it.
	if got := call(t, s, "findRelayAuthTicketForServer", int64(sid), int64(3)); got != int64(0) {
		t.Fatalf("findRelayAuthTicketForServer before a fetch = %v", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := call(t, s, "findRelayAuthTicketForServer", int64(sid), int64(3)).(int64)
		if got > 3000 && got <= 3600 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("findRelayAuthTicketForServer = %d (%q)", got, h.takeErrors())
		}
		time.Sleep(5 * time.Millisecond)
	}
	me := call(t, s, "getSteamID").(int64)
	tk := mustDict(t, call(t, s, "receivedRelayAuthTicket"))
	if get(t, tk, "game_server") != int64(sid) || get(t, tk, "authorized_client") != me || get(t, tk, "restrict_to_v_port") != int64(3) ||
		get(t, tk, "pop") != int64(0x646576) || get(t, tk, "routing") != "127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("receivedRelayAuthTicket = %v", tk)
	}
	out := call(t, s, "connectToHostedDedicatedServer", int64(sid), int64(3), NewDictionary()).(int64)
	if out == 0 {
		t.Fatalf("connectToHostedDedicatedServer: %q", h.takeErrors())
	}
	go func() {
		for ctx.Err() == nil {
			for _, ev := range srv.PollEvents(nil) {
				if ev, ok := ev.(*engine.ConnectionStatusChanged); ok && ev.Info.State == engine.StateConnecting && ev.Info.ListenSocket != 0 {
					srv.AcceptConnection(ev.Conn)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	pumpP2P(t, s, h, "connected to the hosted server", func(e emission) bool {
		c, info, ok := statusSignal(e)
		return ok && c == out && get(t, info, "connection_state") == int64(3)
	})
	info := mustDict(t, call(t, s, "getConnectionInfo", out))
	if get(t, info, "identity") != int64(sid) || get(t, info, "remote_address") != "::" || get(t, info, "info_flags").(int64)&16 == 0 {
		t.Fatalf("hosted connection info %v: want the server's identity, relayed, no address", info)
	}
	// A server that is not registered on that port: the connection fails.
	bad := call(t, s, "connectToHostedDedicatedServer", int64(sid), int64(4), NewDictionary()).(int64)
	pumpP2P(t, s, h, "failed hosted connection", func(e emission) bool {
		c, info, ok := statusSignal(e)
		return ok && c == bad && get(t, info, "connection_state") == int64(5) && get(t, info, "end_reason") == int64(5008)
	})
	cancel()
}

func TestResetIdentityLogsInAgainAsTheNewIdentity(t *testing.T) {
	noServiceEnv(t)
	t.Setenv("SDR_LISTEN_PORT", "")
	t.Setenv("STEAM_ID", "")
	s, h := newSteam(t)
	startEmbedded(t, s, h)
	call(t, s, "initAuthentication")
	pumpP2P(t, s, h, "login", func(e emission) bool {
		return e.name == signalAuthenticationStatus && e.args[0] == int64(100)
	})
	first := call(t, s, "getSteamID").(int64)
	const want = int64(76561198000004242)
	if first == want {
		t.Fatal("the service picked the test's identity")
	}
	call(t, s, "resetIdentity", want)
	if got := call(t, s, "getSteamID"); got != want {
		t.Fatalf("getSteamID after resetIdentity = %v", got)
	}
	if got := call(t, s, "getIdentity"); got != "steamid:"+strconv.FormatInt(want, 10) {
		t.Fatalf("getIdentity = %v", got)
	}
	// The next P2P call logs in again, asking the (development) service for
	// the new identity, which it certifies.
	if ls := call(t, s, "createListenSocketP2P", int64(1), NewDictionary()); ls == int64(0) {
		t.Fatalf("createListenSocketP2P: %q", h.takeErrors())
	}
	pumpP2P(t, s, h, "login as the new identity", func(e emission) bool {
		return e.name == signalAuthenticationStatus && e.args[0] == int64(100)
	})
	if n := runningNode(); n == nil {
		t.Fatal("no node")
	} else if id, _, ok := n.Identity(); !ok || int64(id) != want {
		t.Fatalf("logged in as %d, want %d", id, want)
	}
	if got := call(t, s, "getSteamID"); got != want {
		t.Fatalf("getSteamID after the new login = %v", got)
	}
}

func TestHostedListenSocketAfterAnEarlierLogin(t *testing.T) {
	noServiceEnv(t)
	t.Setenv("SDR_LISTEN_PORT", "")
	s, h := newSteam(t)
	startEmbedded(t, s, h)
	call(t, s, "initAuthentication")
	pumpP2P(t, s, h, "login", func(e emission) bool {
		return e.name == signalAuthenticationStatus && e.args[0] == int64(100)
	})
	// SDR_LISTEN_PORT set only now (e.g. OS.set_environment): the login is
	// redone with the transport on that port.
	port := freePort(t)
	t.Setenv("SDR_LISTEN_PORT", strconv.Itoa(port))
	ls := call(t, s, "createHostedDedicatedServerListenSocket", int64(0), NewDictionary()).(int64)
	if ls == 0 {
		t.Fatalf("createHostedDedicatedServerListenSocket: %q", h.takeErrors())
	}
	if w := h.takeWarnings(); len(w) != 1 || !containsAll(w, "SDR_LISTEN_PORT") {
		t.Errorf("warnings %q", w)
	}
	if n := runningNode(); n == nil || n.ListenPort() != port {
		t.Fatal("the node does not use SDR_LISTEN_PORT")
	}
	deadline := time.Now().Add(20 * time.Second)
	for call(t, s, "getHostedDedicatedServerAddress") != int64(1) {
		if time.Now().After(deadline) {
			t.Fatal("never registered")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
