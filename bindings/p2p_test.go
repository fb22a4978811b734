package bindings

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/p2ptest"
	"godotsteam-sockets/engine/p2p/rendezvous"
)

// noServiceEnv makes sure no rendezvous service is configured from outside.
func noServiceEnv(t *testing.T) {
	for _, k := range []string{EnvRendezvous, EnvRendezvousToken, EnvRelayOnly, EnvCAKey} {
		t.Setenv(k, "")
	}
}

func TestP2PWithoutServiceSaysHowToConfigureIt(t *testing.T) {
	noServiceEnv(t)
	s, h := newSteam(t)
	for _, c := range []struct {
		method string
		args   []any
		want   any
	}{
		{"connectP2P", []any{int64(76561198000000000), int64(0), NewDictionary()}, int64(0)},
		{"createListenSocketP2P", []any{int64(0), NewDictionary()}, int64(0)},
		{"initAuthentication", nil, int64(-102)},
	} {
		if got := call(t, s, c.method, c.args...); got != c.want {
			t.Errorf("%s = %v, want %v", c.method, got, c.want)
		}
		if errs := h.takeErrors(); len(errs) != 1 || !containsAll(errs, "Steam."+c.method, "setRendezvousService", EnvRendezvous) {
			t.Errorf("%s: want one error explaining how to configure the service, got %q", c.method, errs)
		}
	}
	// A status query is not an error: it just says authentication cannot be tried.
	if got := call(t, s, "getAuthenticationStatus"); got != int64(-102) {
		t.Errorf("getAuthenticationStatus = %v, want CANNOT_TRY", got)
	}
	if errs := h.takeErrors(); len(errs) != 0 {
		t.Errorf("getAuthenticationStatus printed %q", errs)
	}
	// Bad arguments fail before anything else.
	if got := call(t, s, "connectP2P", int64(5), int64(0), NewDictionary()); got != int64(0) {
		t.Errorf("connectP2P to an invalid Steam ID = %v", got)
	}
	if errs := h.takeErrors(); !containsAll(errs, "not a valid Steam ID") {
		t.Errorf("errors %q", errs)
	}
	if got := call(t, s, "createListenSocketP2P", int64(70000), NewDictionary()); got != int64(0) {
		t.Errorf("createListenSocketP2P(70000) = %v", got)
	}
	if errs := h.takeErrors(); !containsAll(errs, "out of range") {
		t.Errorf("errors %q", errs)
	}
	// Certificate request works offline; setCertificate needs a matching cert.
	d := mustDict(t, call(t, s, "getCertificateRequest"))
	req := get(t, d, "certificate").([]byte)
	if len(req) == 0 || get(t, d, "cert_size") != int64(len(req)) || get(t, d, "error_message") != "" {
		t.Errorf("getCertificateRequest = %v", d)
	}
	if _, err := ca.UnmarshalRequest(req); err != nil {
		t.Errorf("request does not decode: %v", err)
	}
	if got := call(t, s, "setCertificate", []byte{1, 2, 3}); mustDict(t, got).Len() != 0 {
		t.Errorf("setCertificate(garbage) = %v", got)
	}
	if errs := h.takeErrors(); len(errs) != 1 || !strings.Contains(errs[0], "Steam.setCertificate") {
		t.Errorf("setCertificate errors %q", errs)
	}
	// Bad options are refused with a reason.
	for _, opts := range []*Dictionary{dict("token", int64(5)), dict("relay_only", "yes"), dict("bogus", true), dict("ca_public_key", "abc")} {
		if got := call(t, s, "setRendezvousService", "127.0.0.1:1", opts); got != false {
			t.Errorf("setRendezvousService(%v) = %v", opts, got)
		}
		if errs := h.takeErrors(); len(errs) != 1 || !strings.Contains(errs[0], "option") {
			t.Errorf("setRendezvousService(%v) errors %q", opts, errs)
		}
	}
	if got := call(t, s, "startRendezvousService", "127.0.0.1:0", dict("token_secret", "short")); got != "" {
		t.Errorf("startRendezvousService with a short secret = %v", got)
	}
	if errs := h.takeErrors(); len(errs) != 1 || !strings.Contains(errs[0], "token_secret") {
		t.Errorf("errors %q", errs)
	}
}

// goPeer is the other player: the engine used directly from Go.
type goPeer struct {
	node *p2p.Node
	s    *engine.Sockets
	id   uint64
}

func newGoPeer(t *testing.T, service string) *goPeer {
	t.Helper()
	s, n := p2ptest.Engine(t, p2p.Config{Service: service, IncludeLoopback: true})
	id, _, _ := n.Identity()
	return &goPeer{node: n, s: s, id: id}
}

// pump runs callbacks and calls f for each signal until done returns true.
func pumpP2P(t *testing.T, s *Steam, h *fakeHost, what string, done func(e emission) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		call(t, s, "run_callbacks")
		for _, e := range h.takeSignals() {
			if done(e) {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (errors %q)", what, h.takeErrors())
}

func statusSignal(e emission) (conn int64, info *Dictionary, ok bool) {
	if e.name != signalConnectionStatusChanged {
		return 0, nil, false
	}
	return e.args[0].(int64), e.args[1].(*Dictionary), true
}

func goWaitConnected(t *testing.T, p *goPeer, accept bool) engine.Handle {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, ev := range p.s.PollEvents(nil) {
			ev, ok := ev.(*engine.ConnectionStatusChanged)
			if !ok {
				continue
			}
			if accept && ev.Info.State == engine.StateConnecting && ev.Info.ListenSocket != 0 {
				p.s.AcceptConnection(ev.Conn)
			}
			if ev.Info.State == engine.StateConnected {
				return ev.Conn
			}
			if ev.Info.State > engine.StateConnected {
				t.Fatalf("Go peer's connection ended: %d %s", ev.Info.EndReason, ev.Info.EndDebug)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("Go peer never connected")
	return 0
}

func TestP2PThroughEmbeddedService(t *testing.T) {
	noServiceEnv(t)
	s, h := newSteam(t)
	addr, _ := call(t, s, "startRendezvousService", "127.0.0.1:0", NewDictionary()).(string)
	if addr == "" {
		t.Fatalf("startRendezvousService failed: %q", h.takeErrors())
	}
	if av := call(t, s, "initAuthentication"); av != int64(3) && av != int64(100) && av != int64(2) {
		t.Errorf("initAuthentication = %v, want ATTEMPTING/WAITING/CURRENT", av)
	}
	pumpP2P(t, s, h, "network_authentication_status CURRENT", func(e emission) bool {
		return e.name == signalAuthenticationStatus && e.args[0] == int64(100)
	})
	if av := call(t, s, "getAuthenticationStatus"); av != int64(100) {
		t.Errorf("getAuthenticationStatus = %v after login", av)
	}
	me := call(t, s, "getSteamID").(int64)
	if !ca.ValidSteamID(uint64(me)) {
		t.Fatalf("getSteamID = %d, want the certified identity", me)
	}

	peer := newGoPeer(t, addr)

	// The Go peer connects to our listen socket.
	ls := call(t, s, "createListenSocketP2P", int64(5), NewDictionary()).(int64)
	if ls == 0 {
		t.Fatalf("createListenSocketP2P: %q", h.takeErrors())
	}
	pc, err := peer.s.ConnectP2P(engine.SteamIDIdentity(uint64(me)), 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	var inConn int64
	pumpP2P(t, s, h, "incoming P2P connection connected", func(e emission) bool {
		c, info, ok := statusSignal(e)
		if !ok {
			return false
		}
		if get(t, info, "connection_state") == int64(1) && get(t, info, "listen_socket") == ls {
			if get(t, info, "identity") != int64(peer.id) {
				t.Fatalf("incoming identity %v, want %d", get(t, info, "identity"), peer.id)
			}
			if r := call(t, s, "acceptConnection", c); r != int64(1) {
				t.Fatalf("acceptConnection = %v", r)
			}
		}
		if get(t, info, "connection_state") == int64(3) {
			inConn = c
			return true
		}
		return false
	})
	goWaitConnected(t, peer, false)
	msg := bytes.Repeat([]byte("from go "), 2000)
	if _, r := peer.s.SendMessageToConnection(pc, msg, engine.SendReliable); r != engine.ResultOK {
		t.Fatalf("send: %v", r)
	}
	got := receiveOne(t, s, inConn)
	if !bytes.Equal(get(t, got, "payload").([]byte), msg) || get(t, got, "identity") != int64(peer.id) {
		t.Fatalf("received %v", got)
	}
	info := mustDict(t, call(t, s, "getConnectionInfo", inConn))
	if get(t, info, "identity") != int64(peer.id) || get(t, info, "remote_address") == "::" {
		t.Errorf("connection info %v: want the peer's identity and (direct path) address", info)
	}

	// We connect to the Go peer's listen socket.
	if _, err := peer.s.CreateListenSocketP2P(6, nil); err != nil {
		t.Fatal(err)
	}
	out := call(t, s, "connectP2P", int64(peer.id), int64(6), NewDictionary()).(int64)
	if out == 0 {
		t.Fatalf("connectP2P: %q", h.takeErrors())
	}
	pc2 := goWaitConnected(t, peer, true)
	pumpP2P(t, s, h, "outgoing P2P connection connected", func(e emission) bool {
		c, info, ok := statusSignal(e)
		return ok && c == out && get(t, info, "connection_state") == int64(3)
	})
	res := mustDict(t, call(t, s, "sendMessageToConnection", out, []byte("hello from godot"), int64(engine.SendReliable)))
	if get(t, res, "result") != int64(1) {
		t.Fatalf("sendMessageToConnection = %v", res)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ms := peer.s.ReceiveMessagesOnConnection(pc2, 1); len(ms) == 1 {
			if string(ms[0].Data) != "hello from godot" || ms[0].Identity.SteamID != uint64(me) {
				t.Fatalf("Go peer received %q from %v", ms[0].Data, ms[0].Identity)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Go peer received nothing")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if errs := h.takeErrors(); len(errs) != 0 {
		t.Errorf("unexpected errors %q", errs)
	}
}

func receiveOne(t *testing.T, s *Steam, conn int64) *Dictionary {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ms := call(t, s, "receiveMessagesOnConnection", conn, int64(1)).([]any); len(ms) == 1 {
			return mustDict(t, ms[0])
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no message received")
	return nil
}

func TestP2PCertificatesAndRelayOnlyThroughAService(t *testing.T) {
	noServiceEnv(t)
	authority, _ := ca.GenerateAuthority()
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0", CA: authority})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s, h := newSteam(t)
	// Pin the CA (only certificates it signed are trusted) and go through the relay.
	opts := dict("relay_only", true, "ca_public_key", []byte(authority.PublicKey()))
	if got := call(t, s, "setRendezvousService", srv.Addr().String(), opts); got != true {
		t.Fatalf("setRendezvousService: %q", h.takeErrors())
	}
	if av := call(t, s, "getAuthenticationStatus"); av != int64(1) {
		t.Errorf("getAuthenticationStatus before login = %v, want NEVER_TRIED", av)
	}
	call(t, s, "initAuthentication")
	pumpP2P(t, s, h, "login", func(e emission) bool {
		return e.name == signalAuthenticationStatus && e.args[0] == int64(100)
	})
	me := uint64(call(t, s, "getSteamID").(int64))

	// setCertificate with a certificate our CA signed for our request.
	req := get(t, mustDict(t, call(t, s, "getCertificateRequest")), "certificate").([]byte)
	cert, err := authority.SignRequest(req, me, []uint32{0}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustDict(t, call(t, s, "setCertificate", cert)); get(t, got, "response") != true || get(t, got, "error") != "" {
		t.Fatalf("setCertificate = %v (errors %q)", got, h.takeErrors())
	}
	// One signed by another CA, or for someone else, is refused.
	rogue, _ := ca.GenerateAuthority()
	req = get(t, mustDict(t, call(t, s, "getCertificateRequest")), "certificate").([]byte)
	for name, c := range map[string][]byte{
		"rogue CA":      must(rogue.SignRequest(req, me, []uint32{0}, time.Hour)),
		"other SteamID": must(authority.SignRequest(req, me+1, []uint32{0}, time.Hour)),
		"expired":       must(authority.Issue(ca.IssueParams{SteamID: me, PublicKey: requestKey(t, req), AppIDs: []uint32{0}, NotBefore: time.Now().Add(-2 * time.Hour), Lifetime: time.Hour})),
	} {
		if got := mustDict(t, call(t, s, "setCertificate", c)); got.Len() != 0 {
			t.Errorf("setCertificate(%s) = %v", name, got)
		}
		if errs := h.takeErrors(); len(errs) != 1 {
			t.Errorf("setCertificate(%s) errors %q", name, errs)
		}
	}

	// A relay-only connection with the certificate we set: the peer
	// verifies it against the same CA; neither side sees an address.
	peer := newGoPeer(t, srv.Addr().String())
	if _, err := peer.s.CreateListenSocketP2P(6, nil); err != nil {
		t.Fatal(err)
	}
	relayOnly := dict(int64(engine.ConfigP2PTransportICEEnable), int64(1))
	out := call(t, s, "connectP2P", int64(peer.id), int64(6), relayOnly).(int64)
	if out == 0 {
		t.Fatalf("connectP2P: %q", h.takeErrors())
	}
	pc := goWaitConnected(t, peer, true)
	pumpP2P(t, s, h, "relayed connection", func(e emission) bool {
		c, info, ok := statusSignal(e)
		return ok && c == out && get(t, info, "connection_state") == int64(3)
	})
	info := mustDict(t, call(t, s, "getConnectionInfo", out))
	if get(t, info, "remote_address") != "::" || get(t, info, "info_flags").(int64)&engine.InfoFlagRelayed == 0 {
		t.Errorf("relay-only connection info %v: want no address and the relayed flag", info)
	}
	if pi, _ := peer.s.ConnectionInfo(pc); pi.RemoteAddr.IsValid() {
		t.Errorf("the peer sees our address %v over a relay-only connection", pi.RemoteAddr)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func requestKey(t *testing.T, req []byte) []byte {
	r, err := ca.UnmarshalRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.UnmarshalCert(r.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return c.KeyData
}
