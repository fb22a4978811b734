package e2etest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// SteamMultiplayerPeer through the real C ABI: two mini-Godot processes (a
// server game and a client game) each instantiate the class, call its
// methods through call or ptrcall, and drive its virtuals the way Godot's
// SceneMultiplayer does (vcall: get_virtual_call_data once per name, then
// call_virtual_with_data with ptrcall arguments).

// Godot's enum values used below.
const (
	errOK           = 0
	errUnavailable  = 2
	errInvalidParam = 31
	errAlreadyInUse = 22

	statusDisconnected = 0
	statusConnecting   = 1
	statusConnected    = 2

	modeUnreliable        = 0
	modeUnreliableOrdered = 1
	modeReliable          = 2
)

// mpPeer is one SteamMultiplayerPeer object in one host.
type mpPeer struct {
	*Host
	t       *testing.T
	obj     string
	p       Path
	signals []Event
}

func newMPPeer(t *testing.T, h *Host, p Path) *mpPeer {
	t.Helper()
	r := h.Do(map[string]any{"op": "instantiate", "class": "SteamMultiplayerPeer", "keep": true})
	if !r.OK || r.Object == "" {
		t.Fatalf("%s: instantiate SteamMultiplayerPeer: %+v", h.name, r)
	}
	return &mpPeer{Host: h, t: t, obj: r.Object, p: p}
}

func (m *mpPeer) record(evs []Event) {
	for _, e := range evs {
		if e.Event == "signal" {
			if e.Object != m.obj {
				m.t.Fatalf("%s: signal %s emitted on object %s, want the peer %s", m.name, e.Name, e.Object, m.obj)
			}
			m.signals = append(m.signals, e)
		}
	}
}

// call invokes one of the class's own methods through the peer's path.
func (m *mpPeer) call(method string, args ...V) any {
	m.t.Helper()
	r := m.Do(map[string]any{"op": string(m.p), "object": m.obj, "method": method, "args": nonNil(args)})
	if !r.OK || (r.CallError != nil && r.CallError.Error != 0) {
		m.t.Fatalf("%s: %s %s: %+v", m.name, m.p, method, r)
	}
	m.record(r.Events)
	v, err := Decode(r.Ret)
	if err != nil {
		m.t.Fatal(err)
	}
	return v
}

func (m *mpPeer) callInt(method string, args ...V) int64 {
	m.t.Helper()
	n, ok := m.call(method, args...).(int64)
	if !ok {
		m.t.Fatalf("%s: %s did not return an int", m.name, method)
	}
	return n
}

// vcallRaw calls a virtual the way the engine does and returns the response.
func (m *mpPeer) vcallRaw(name string, balance bool, args ...V) Response {
	m.t.Helper()
	req := map[string]any{"op": "vcall", "object": m.obj, "method": name, "args": nonNil(args)}
	if balance {
		req["check_balance"] = true
	}
	r := m.Do(req)
	if !r.OK {
		m.t.Fatalf("%s: vcall %s: %s", m.name, name, r.Err)
	}
	m.record(r.Events)
	return r
}

// v calls an overridden virtual and decodes its return value.
func (m *mpPeer) v(name string, args ...V) any {
	m.t.Helper()
	r := m.vcallRaw(name, false, args...)
	if !r.Overridden {
		m.t.Fatalf("%s: virtual %s is not overridden", m.name, name)
	}
	if r.Lookups != 1 {
		m.t.Fatalf("%s: virtual %s resolved %d times; Godot asks once per object", m.name, name, r.Lookups)
	}
	val, err := Decode(r.Ret)
	if err != nil {
		m.t.Fatal(err)
	}
	return val
}

func (m *mpPeer) vInt(name string, args ...V) int64 {
	m.t.Helper()
	n, ok := m.v(name, args...).(int64)
	if !ok {
		m.t.Fatalf("%s: %s did not return an int", m.name, name)
	}
	return n
}

func (m *mpPeer) vBool(name string) bool {
	m.t.Helper()
	b, ok := m.v(name).(bool)
	if !ok {
		m.t.Fatalf("%s: %s did not return a bool", m.name, name)
	}
	return b
}

// takeSignals returns "name(id)" for each signal since the last call.
func (m *mpPeer) takeSignals() []string {
	m.t.Helper()
	var out []string
	for _, e := range m.signals {
		if len(e.Args) != 1 || e.Malformed {
			m.t.Fatalf("%s: malformed signal %+v", m.name, e)
		}
		id, err := Decode(e.Args[0])
		if err != nil {
			m.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s(%v)", e.Name, id))
	}
	m.signals = nil
	return out
}

func (m *mpPeer) free() {
	m.t.Helper()
	if r := m.Do(map[string]any{"op": "free", "object": m.obj}); !r.OK {
		m.t.Fatalf("%s: free: %s", m.name, r.Err)
	}
}

// pollUntil polls every peer (SceneMultiplayer.poll calls _poll each
// frame) until cond holds.
func pollUntil(t *testing.T, what string, cond func() bool, peers ...*mpPeer) {
	t.Helper()
	waitFor(t, what, 20*time.Second, func() {
		for _, p := range peers {
			p.v("_poll")
		}
	}, cond)
}

func TestSteamMultiplayerPeerTwoGames(t *testing.T) {
	for _, v := range []string{"4.3", "4.4", "4.6", "4.7"} {
		for _, p := range []Path{CallPath, PtrPath} {
			if v != "4.3" && v != "4.7" && p == PtrPath {
				continue
			}
			t.Run(v+"/"+string(p), func(t *testing.T) { mpTwoGames(t, v, p) })
		}
	}
}

func mpTwoGames(t *testing.T, version string, p Path) {
	lib := requireLib(t)
	sh := StartHost(t, "server", HostOpts{Lib: lib, Godot: version})
	ch := StartHost(t, "client", HostOpts{Lib: lib, Godot: version})
	srv := newMPPeer(t, sh, p)
	cli := newMPPeer(t, ch, p)

	// A fresh peer is disconnected; the raw-pointer virtuals are left to
	// Godot's fallback (_get_packet_script / _put_packet_script).
	if st := srv.vInt("_get_connection_status"); st != statusDisconnected {
		t.Fatalf("new peer status %d", st)
	}
	for _, raw := range []string{"_get_packet", "_put_packet"} {
		if r := srv.vcallRaw(raw, false); r.Overridden {
			t.Fatalf("%s is overridden; Godot must fall back to the _script variant", raw)
		}
	}

	if rc := srv.callInt("create_host_ip", Int(0), Dict()); rc != errOK {
		t.Fatalf("create_host_ip: %d", rc)
	}
	port := srv.callInt("get_listen_port")
	if port <= 0 || port > 65535 {
		t.Fatalf("get_listen_port %d", port)
	}
	if !srv.vBool("_is_server") || srv.vInt("_get_unique_id") != 1 || srv.vInt("_get_connection_status") != statusConnected ||
		!srv.vBool("_is_server_relay_supported") {
		t.Fatal("server state after create_host_ip")
	}
	if rc := srv.callInt("create_host_ip", Int(0), Dict()); rc != errAlreadyInUse {
		t.Fatalf("second create_host_ip without close: %d", rc)
	}
	if rc := cli.callInt("create_client_ip", Str("127.0.0.1"), Int(port), Dict()); rc != errOK {
		t.Fatalf("create_client_ip: %d", rc)
	}
	if cli.vBool("_is_server") || cli.vInt("_get_unique_id") != 0 || cli.vInt("_get_connection_status") != statusConnecting {
		t.Fatal("client state while connecting")
	}

	pollUntil(t, "client connected", func() bool {
		return cli.vInt("_get_connection_status") == statusConnected && len(srv.signals) > 0
	}, srv, cli)
	cid := cli.vInt("_get_unique_id")
	if cid < 2 || cid > 1<<31-1 {
		t.Fatalf("client unique id %d: want a 31-bit id >= 2", cid)
	}
	if s := srv.takeSignals(); len(s) != 1 || s[0] != fmt.Sprintf("peer_connected(%d)", cid) {
		t.Fatalf("server signals %v", s)
	}
	if s := cli.takeSignals(); len(s) != 1 || s[0] != "peer_connected(1)" {
		t.Fatalf("client signals %v", s)
	}
	if max := srv.vInt("_get_max_packet_size"); max < 500_000 {
		t.Fatalf("_get_max_packet_size %d", max)
	}

	// Every transfer mode on several channels, client -> server, with
	// SceneMultiplayer's read order: peer, channel, mode, then the packet.
	seq := 0
	for _, mode := range []int64{modeReliable, modeUnreliable, modeUnreliableOrdered} {
		for _, channel := range []int64{0, 3, 15} {
			seq++
			data := []byte(fmt.Sprintf("mode %d channel %d #%d", mode, channel, seq))
			cli.v("_set_transfer_mode", Int(mode))
			cli.v("_set_transfer_channel", Int(channel))
			cli.v("_set_target_peer", Int(1))
			if cli.vInt("_get_transfer_mode") != mode || cli.vInt("_get_transfer_channel") != channel {
				t.Fatal("transfer mode/channel not reflected")
			}
			if rc := cli.vInt("_put_packet_script", Bytes(data)); rc != errOK {
				t.Fatalf("put_packet mode %d channel %d: %d", mode, channel, rc)
			}
			pollUntil(t, "packet at the server", func() bool { return srv.vInt("_get_available_packet_count") > 0 }, srv, cli)
			if from, ch, md := srv.vInt("_get_packet_peer"), srv.vInt("_get_packet_channel"), srv.vInt("_get_packet_mode"); from != cid || ch != channel || md != mode {
				t.Fatalf("packet info peer %d channel %d mode %d; want %d %d %d", from, ch, md, cid, channel, mode)
			}
			got, _ := srv.v("_get_packet_script").([]byte)
			if !bytes.Equal(got, data) {
				t.Fatalf("got %q, want %q", got, data)
			}
		}
	}

	// Server broadcast (target 0) of a payload the engine must fragment.
	big := payload(200<<10, 7)
	srv.v("_set_transfer_mode", Int(modeReliable))
	srv.v("_set_transfer_channel", Int(1))
	srv.v("_set_target_peer", Int(0))
	if rc := srv.vInt("_put_packet_script", Bytes(big)); rc != errOK {
		t.Fatalf("broadcast put_packet: %d", rc)
	}
	pollUntil(t, "big packet at the client", func() bool { return cli.vInt("_get_available_packet_count") > 0 }, srv, cli)
	if cli.vInt("_get_packet_peer") != 1 || cli.vInt("_get_packet_channel") != 1 || cli.vInt("_get_packet_mode") != modeReliable {
		t.Fatal("big packet info")
	}
	if got, _ := cli.v("_get_packet_script").([]byte); !bytes.Equal(got, big) {
		t.Fatalf("big packet: got %d bytes", len(got))
	}
	// A client cannot address another client directly (server relay).
	cli.v("_set_target_peer", Int(cid+1))
	if rc := cli.vInt("_put_packet_script", Bytes([]byte("x"))); rc != errInvalidParam {
		t.Fatalf("put to an unknown peer: %d", rc)
	}
	if ev := cli.Logs; len(ev) == 0 || !strings.Contains(ev[len(ev)-1].Text, "SteamMultiplayerPeer: put_packet") {
		t.Fatalf("a failing put_packet must print why; logs %+v", ev)
	}

	// Variant accounting stays balanced across the virtuals that move
	// values (second call checked, the first warms caches).
	for _, name := range []string{"_poll", "_get_packet_script", "_get_available_packet_count", "_is_server"} {
		srv.vcallRaw(name, false)
		if r := srv.vcallRaw(name, true); len(r.Leaks) != 0 {
			t.Errorf("vcall %s: reference deltas %v", name, r.Leaks)
		}
	}
	srv.v("_set_target_peer", Int(cid))
	srv.vcallRaw("_put_packet_script", false, Bytes([]byte("warm")))
	if r := srv.vcallRaw("_put_packet_script", true, Bytes([]byte("balanced"))); len(r.Leaks) != 0 {
		t.Errorf("vcall _put_packet_script: reference deltas %v", r.Leaks)
	}

	// disconnect_peer, twice: one peer_disconnected on each side.
	srv.v("_disconnect_peer", Int(cid), Bool(false))
	srv.v("_disconnect_peer", Int(cid), Bool(false))
	pollUntil(t, "client sees the kick", func() bool {
		return cli.vInt("_get_connection_status") == statusDisconnected
	}, srv, cli)
	srv.v("_poll")
	if s := srv.takeSignals(); len(s) != 1 || s[0] != fmt.Sprintf("peer_disconnected(%d)", cid) {
		t.Fatalf("server signals after disconnect_peer: %v", s)
	}
	if s := cli.takeSignals(); len(s) != 1 || s[0] != "peer_disconnected(1)" {
		t.Fatalf("client signals after the kick: %v", s)
	}

	// close() twice on both, then host again and reconnect the same objects.
	for _, m := range []*mpPeer{srv, cli} {
		m.v("_close")
		m.v("_close")
		if m.vInt("_get_connection_status") != statusDisconnected {
			t.Fatalf("%s: status after close", m.name)
		}
	}
	if s := append(srv.takeSignals(), cli.takeSignals()...); len(s) != 0 {
		t.Fatalf("close() emitted %v; Godot's close emits nothing", s)
	}
	if rc := srv.callInt("create_host_ip", Int(0), Dict()); rc != errOK {
		t.Fatalf("host again: %d", rc)
	}
	port = srv.callInt("get_listen_port")
	if rc := cli.callInt("create_client_ip", Str("127.0.0.1"), Int(port), Dict()); rc != errOK {
		t.Fatalf("connect again: %d", rc)
	}
	pollUntil(t, "reconnected", func() bool {
		return cli.vInt("_get_connection_status") == statusConnected && len(srv.signals) > 0
	}, srv, cli)
	if s := cli.takeSignals(); len(s) != 1 || s[0] != "peer_connected(1)" {
		t.Fatalf("client signals after reconnect: %v", s)
	}
	srv.takeSignals()

	// The client leaves with close(): the server sees one peer_disconnected.
	cid = cli.vInt("_get_unique_id")
	cli.v("_close")
	pollUntil(t, "server sees the close", func() bool { return len(srv.signals) > 0 }, srv)
	if s := srv.takeSignals(); len(s) != 1 || s[0] != fmt.Sprintf("peer_disconnected(%d)", cid) {
		t.Fatalf("server signals after the client's close: %v", s)
	}

	srv.free()
	cli.free()
	sh.Quit()
	ch.Quit()
}

// Method argument errors, P2P creation without P2P, and misuse of a peer
// object: clear call errors or Error codes, never a crash.
func TestSteamMultiplayerPeerMisuse(t *testing.T) {
	lib := requireLib(t)
	h := StartHost(t, "game", HostOpts{Lib: lib, Godot: "4.6"})
	m := newMPPeer(t, h, CallPath)

	r := h.Do(map[string]any{"op": "call", "object": m.obj, "method": "create_host_ip", "args": []V{Str("7777")}})
	if !r.OK || r.CallError == nil || r.CallError.Error != 2 || r.CallError.Argument != 0 || r.CallError.Expected != 2 {
		t.Fatalf("create_host_ip(\"7777\"): %+v", r)
	}
	r = h.Do(map[string]any{"op": "call", "object": m.obj, "method": "create_client_ip", "args": []V{}})
	if !r.OK || r.CallError == nil || r.CallError.Error != 4 {
		t.Fatalf("create_client_ip(): %+v", r)
	}
	for _, c := range []struct {
		method string
		args   []V
		want   int64
		log    string
	}{
		{"create_host", []V{Int(0), Dict()}, errUnavailable, "P2P is not available"},
		{"create_client", []V{Int(76561198000000000), Int(0), Dict()}, errUnavailable, "P2P is not available"},
		{"create_client_ip", []V{Str("not an address"), Int(1), Dict()}, errInvalidParam, "not an IP address"},
		{"create_host_ip", []V{Int(-1), Dict()}, errInvalidParam, "out of range"},
		{"create_host_ip", []V{Int(0), Dict(Str("k"), Int(1))}, errInvalidParam, "config_options key"},
	} {
		before := len(h.Logs)
		if got := m.callInt(c.method, c.args...); got != c.want {
			t.Errorf("%s: returned %d, want %d", c.method, got, c.want)
		}
		if len(h.Logs) != before+1 || !strings.Contains(h.Logs[before].Text, c.log) {
			t.Errorf("%s: want one error containing %q, logs %+v", c.method, c.log, h.Logs[before:])
		}
	}
	// Virtuals on a peer that was never connected, and a kick of nobody.
	m.v("_poll")
	m.v("_disconnect_peer", Int(12345), Bool(true))
	if got, _ := m.v("_get_packet_script").([]byte); len(got) != 0 {
		t.Fatalf("empty queue gave %d bytes", len(got))
	}
	if m.vInt("_put_packet_script", Bytes([]byte("x"))) == errOK {
		t.Fatal("put_packet while disconnected succeeded")
	}
	// Wrong argument shapes are refused by the host before the extension.
	if r := h.Do(map[string]any{"op": "vcall", "object": m.obj, "method": "_set_target_peer", "args": []V{Str("1")}}); r.OK {
		t.Fatal("host accepted a String for an int virtual argument")
	}
	// A Steam method does not exist on the peer, and the peer's methods
	// are not on Steam.
	if r := h.Do(map[string]any{"op": "call", "object": m.obj, "method": "steamInit", "args": []V{}}); r.CallError == nil || r.CallError.Error != 1 {
		t.Fatalf("steamInit on the peer: %+v", r)
	}
	if r := h.Do(map[string]any{"op": "call", "method": "create_host_ip", "args": []V{Int(0)}}); r.CallError == nil || r.CallError.Error != 1 {
		t.Fatalf("create_host_ip on Steam: %+v", r)
	}
	m.free()
	h.Quit()
}

// The class as Godot's ClassDB sees it after registration.
func TestSteamMultiplayerPeerDescribe(t *testing.T) {
	lib := requireLib(t)
	for _, v := range []string{"4.3", "4.7"} {
		out, stderr, err := Describe(t, HostOpts{Lib: lib, Godot: v})
		if err != nil {
			t.Fatalf("%s: describe: %v\n%s", v, err, stderr)
		}
		var d struct {
			Extra []struct {
				Class    string `json:"class"`
				Inherits string `json:"inherits"`
				Methods  []struct {
					Name string `json:"name"`
					Args []struct {
						Name    string `json:"name"`
						Type    string `json:"type"`
						Default any    `json:"default"`
					} `json:"args"`
					Return string `json:"return"`
				} `json:"methods"`
			} `json:"extra_classes"`
		}
		if err := json.Unmarshal(out, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Extra) != 1 || d.Extra[0].Class != "SteamMultiplayerPeer" || d.Extra[0].Inherits != "MultiplayerPeerExtension" {
			t.Fatalf("%s: extra classes %+v", v, d.Extra)
		}
		sig := map[string]string{}
		for _, m := range d.Extra[0].Methods {
			var parts []string
			for _, a := range m.Args {
				s := a.Name + ":" + a.Type
				if a.Default != nil {
					s += "=" + fmt.Sprint(a.Default)
				}
				parts = append(parts, s)
			}
			sig[m.Name] = strings.Join(parts, ",") + "->" + m.Return
		}
		want := map[string]string{
			"create_host_ip":   "port:int,options:Dictionary=map[]->int",
			"create_client_ip": "address:String,port:int,options:Dictionary=map[]->int",
			"create_host":      "virtual_port:int,options:Dictionary=map[]->int",
			"create_client":    "identity:int,virtual_port:int,options:Dictionary=map[]->int",
			"get_listen_port":  "->int",
		}
		for k, w := range want {
			if sig[k] != w {
				t.Errorf("%s: %s is %q, want %q", v, k, sig[k], w)
			}
		}
		if len(sig) != len(want) {
			t.Errorf("%s: methods %v", v, sig)
		}
	}
}

// create_host / create_client by virtual port and identity: two games, the
// host running the rendezvous service inside itself, through the real ABI.
func TestSteamMultiplayerPeerP2P(t *testing.T) {
	host := newGame(t, "host", "4.6", CallPath)
	joiner := newGame(t, "joiner", "4.6", CallPath)
	host.init()
	joiner.init()
	addr := host.str("startRendezvousService", Str("127.0.0.1:0"), Dict())
	if !joiner.bool("setRendezvousService", Str(addr), Dict()) {
		t.Fatal("setRendezvousService returned false")
	}
	srv := newMPPeer(t, host.Host, CallPath)
	cli := newMPPeer(t, joiner.Host, CallPath)
	if rc := srv.callInt("create_host", Int(3), Dict()); rc != errOK {
		t.Fatalf("create_host(3): %d", rc)
	}
	waitAuthenticated(t, host)
	hostID := host.int("getSteamID")
	if rc := cli.callInt("create_client", Int(hostID), Int(3), Dict()); rc != errOK {
		t.Fatalf("create_client(%d, 3): %d", hostID, rc)
	}
	pollUntil(t, "P2P client connected", func() bool {
		host.pump()
		joiner.pump()
		return cli.vInt("_get_connection_status") == statusConnected && len(srv.signals) > 0
	}, srv, cli)
	cid := cli.vInt("_get_unique_id")
	if s := srv.takeSignals(); len(s) != 1 || s[0] != fmt.Sprintf("peer_connected(%d)", cid) {
		t.Fatalf("server signals %v", s)
	}
	if s := cli.takeSignals(); len(s) != 1 || s[0] != "peer_connected(1)" {
		t.Fatalf("client signals %v", s)
	}
	// The peer's connections are its own: no Steam status signal for them.
	for _, g := range []*game{host, joiner} {
		for _, ev := range g.TakeSignals() {
			if ev.Name == "network_connection_status_changed" {
				t.Fatalf("%s: the peer's connection reached the Steam singleton's signals", g.name)
			}
		}
	}
	data := payload(70<<10, 3)
	cli.v("_set_transfer_mode", Int(modeReliable))
	cli.v("_set_transfer_channel", Int(6))
	cli.v("_set_target_peer", Int(1))
	if rc := cli.vInt("_put_packet_script", Bytes(data)); rc != errOK {
		t.Fatalf("put_packet: %d", rc)
	}
	pollUntil(t, "P2P packet", func() bool { return srv.vInt("_get_available_packet_count") > 0 }, srv, cli)
	if srv.vInt("_get_packet_peer") != cid || srv.vInt("_get_packet_channel") != 6 {
		t.Fatal("P2P packet info")
	}
	if got, _ := srv.v("_get_packet_script").([]byte); !bytes.Equal(got, data) {
		t.Fatalf("P2P packet: %d bytes", len(got))
	}
	cli.v("_close")
	pollUntil(t, "host sees the leave", func() bool { return len(srv.signals) > 0 }, srv)
	if s := srv.takeSignals(); len(s) != 1 || s[0] != fmt.Sprintf("peer_disconnected(%d)", cid) {
		t.Fatalf("server signals after leave %v", s)
	}
	srv.v("_close")
	srv.free()
	cli.free()
	host.Quit()
	joiner.Quit()
}
