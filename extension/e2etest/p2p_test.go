package e2etest

import (
	"strings"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/rendezvous"
)

// Two games (two mini-Godot processes) connect P2P by Steam ID through a
// rendezvous service that the first one runs inside itself
// (startRendezvousService), through the real ABI: identities, the
// authentication signal, createListenSocketP2P, connectP2P, status signals
// and messages both ways.
func TestTwoGamesP2PThroughEmbeddedService(t *testing.T) {
	for _, p := range []Path{CallPath, PtrPath} {
		t.Run(string(p), func(t *testing.T) { twoGamesP2P(t, p) })
	}
}

// waitAuthenticated pumps until g emitted network_authentication_status
// with NETWORKING_AVAILABILITY_CURRENT (100).
func waitAuthenticated(t *testing.T, g *game) {
	t.Helper()
	waitFor(t, g.name+" logged in (network_authentication_status 100)", 20*time.Second, g.pump, func() bool {
		for _, ev := range g.TakeSignals() {
			if ev.Name != "network_authentication_status" || len(ev.Args) != 2 {
				continue
			}
			av, _ := Decode(ev.Args[0])
			msg, _ := Decode(ev.Args[1])
			if _, ok := msg.(string); !ok {
				t.Fatalf("debug_message is %T", msg)
			}
			if av == int64(100) {
				return true
			}
		}
		return false
	})
}

func twoGamesP2P(t *testing.T, p Path) {
	host := newGame(t, "host", "4.6", p)
	joiner := newGame(t, "joiner", "4.6", p)
	host.init()
	joiner.init()

	addr := host.str("startRendezvousService", Str("127.0.0.1:0"), Dict())
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("startRendezvousService = %q", addr)
	}
	if !joiner.bool("setRendezvousService", Str(addr), Dict()) {
		t.Fatal("setRendezvousService returned false")
	}
	if av := joiner.int("getAuthenticationStatus"); av != 1 {
		t.Errorf("getAuthenticationStatus before login = %d, want NEVER_TRIED (1)", av)
	}
	ls := host.int("createListenSocketP2P", Int(0), Dict())
	if ls == 0 {
		t.Fatal("createListenSocketP2P returned 0")
	}
	waitAuthenticated(t, host)
	if av := joiner.int("initAuthentication"); av != 3 && av != 100 {
		t.Errorf("initAuthentication = %d, want ATTEMPTING (3)", av)
	}
	waitAuthenticated(t, joiner)
	hostID, joinerID := host.int("getSteamID"), joiner.int("getSteamID")
	if hostID == 0 || joinerID == 0 || hostID == joinerID {
		t.Fatalf("getSteamID: host %d, joiner %d: want two distinct identities", hostID, joinerID)
	}

	cconn := joiner.int("connectP2P", Int(hostID), Int(0), Dict())
	if cconn == 0 {
		t.Fatal("connectP2P returned 0")
	}
	seen := waitStatus(t, host, joiner, "incoming P2P connection", func(c statusChange) bool { return c.state == 1 })
	in := seen[len(seen)-1]
	if in.listenSocket != ls || getInt(t, in.info, "identity") != joinerID {
		t.Fatalf("incoming connection %+v: want listen socket %d and identity %d", in, ls, joinerID)
	}
	sconn := in.handle
	if r := host.int("acceptConnection", Int(sconn)); r != 1 {
		t.Fatalf("acceptConnection = %d", r)
	}
	waitStatus(t, host, joiner, "host connected", func(c statusChange) bool { return c.handle == sconn && c.state == 3 })
	var trans []int64
	for _, c := range waitStatus(t, joiner, host, "joiner connected", func(c statusChange) bool { return c.handle == cconn && c.state == 3 }) {
		if c.handle == cconn {
			trans = append(trans, c.state)
		}
		if c.state > 3 {
			t.Fatalf("joiner's connection ended: %d %s", c.endReason, c.endDebug)
		}
	}
	if len(trans) < 2 || trans[0] != 1 || trans[len(trans)-1] != 3 {
		t.Errorf("joiner states %v, want connecting (1), maybe finding route (2), then connected (3)", trans)
	}
	info := joiner.dict("getConnectionInfo", Int(cconn))
	if getInt(t, info, "identity") != hostID || !strings.Contains(getStr(t, info, "debug_description"), "P2P") {
		t.Errorf("joiner's connection info %v", info.Vals)
	}

	big := payload(200<<10, 7)
	r := joiner.dict("sendMessageToConnection", Int(cconn), Bytes(big), Int(8))
	if getInt(t, r, "result") != 1 {
		t.Fatalf("sendMessageToConnection = %v", r.Vals)
	}
	got := receiveAll(t, host, joiner, "receiveMessagesOnConnection", sconn, 1)
	checkMessage(t, got[0], sent{data: big, reliable: true}, sconn)
	if getInt(t, got[0], "identity") != joinerID {
		t.Errorf("message identity %d, want %d", getInt(t, got[0], "identity"), joinerID)
	}
	r = host.dict("sendMessageToConnection", Int(sconn), Bytes([]byte("welcome")), Int(8))
	if getInt(t, r, "result") != 1 {
		t.Fatalf("host send = %v", r.Vals)
	}
	got = receiveAll(t, joiner, host, "receiveMessagesOnConnection", cconn, 1)
	checkMessage(t, got[0], sent{data: []byte("welcome"), reliable: true}, cconn)

	if !joiner.bool("closeConnection", Int(cconn), Int(1001), Str("bye"), Bool(false)) {
		t.Error("closeConnection returned false")
	}
	closed := waitStatus(t, host, joiner, "host sees the close", func(c statusChange) bool { return c.handle == sconn && c.state == 4 })
	if c := closed[len(closed)-1]; c.endReason != 1001 || c.endDebug != "bye" {
		t.Errorf("closed by peer with %d %q, want 1001 \"bye\"", c.endReason, c.endDebug)
	}
}

// The service address from the project setting (read through the real ABI:
// ProjectSettings.has_setting/get_setting, which mini-Godot models from
// MINIGODOT_PROJECT_SETTINGS) and from the environment variable: neither
// game calls setRendezvousService.
func TestP2PServiceFromProjectSettingAndEnvironment(t *testing.T) {
	lib := requireLib(t)
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := srv.Addr().String()
	api := loadAPI(t)
	host := &game{Host: StartHost(t, "host", HostOpts{Lib: lib, Godot: "4.6",
		Env: []string{"MINIGODOT_PROJECT_SETTINGS=godotsteam_sockets/p2p/rendezvous_service=" + addr}}), p: PtrPath, api: api}
	joiner := &game{Host: StartHost(t, "joiner", HostOpts{Lib: lib, Godot: "4.6",
		Env: []string{"GODOTSTEAM_SOCKETS_RENDEZVOUS=" + addr}}), p: CallPath, api: api}
	for _, g := range []*game{host, joiner} {
		if av := g.int("getAuthenticationStatus"); av != 1 {
			t.Fatalf("%s: getAuthenticationStatus = %d, want NEVER_TRIED (1): the service is configured", g.name, av)
		}
	}
	ls := host.int("createListenSocketP2P", Int(3), Dict())
	if ls == 0 {
		t.Fatal("createListenSocketP2P returned 0")
	}
	waitAuthenticated(t, host)
	hostID := host.int("getSteamID")
	cconn := joiner.int("connectP2P", Int(hostID), Int(3), Dict())
	if cconn == 0 {
		t.Fatal("connectP2P returned 0")
	}
	seen := waitStatus(t, host, joiner, "incoming P2P connection", func(c statusChange) bool { return c.state == 1 })
	sconn := seen[len(seen)-1].handle
	if r := host.int("acceptConnection", Int(sconn)); r != 1 {
		t.Fatalf("acceptConnection = %d", r)
	}
	waitStatus(t, joiner, host, "joiner connected", func(c statusChange) bool { return c.handle == cconn && c.state == 3 })
	r := joiner.dict("sendMessageToConnection", Int(cconn), Bytes([]byte("configured from outside")), Int(8))
	if getInt(t, r, "result") != 1 {
		t.Fatalf("sendMessageToConnection = %v", r.Vals)
	}
	got := receiveAll(t, host, joiner, "receiveMessagesOnConnection", sconn, 1)
	checkMessage(t, got[0], sent{data: []byte("configured from outside"), reliable: true}, sconn)
	if srv.Stats().LoginsOK < 2 {
		t.Errorf("service saw %d logins, want both games", srv.Stats().LoginsOK)
	}
}
