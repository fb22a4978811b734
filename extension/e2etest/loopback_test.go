package e2etest

import (
	"crypto/sha256"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// Two mini-Godot processes, a server and a client (two Godot games), talking
// over loopback through the real ABI.

// game is one host plus the path every method is invoked through.
type game struct {
	*Host
	p   Path
	api *apiSpec
}

func newGame(t *testing.T, name, version string, p Path) *game {
	t.Helper()
	lib := requireLib(t)
	return &game{Host: StartHost(t, name, HostOpts{Lib: lib, Godot: version}), p: p, api: loadAPI(t)}
}

// call invokes with the game's path; callers always pass every argument so
// that both paths are possible.
func (g *game) call(method string, args ...V) any {
	g.t.Helper()
	return g.MustCall(g.p, method, args...)
}

func (g *game) int(method string, args ...V) int64 {
	g.t.Helper()
	v := g.call(method, args...)
	n, ok := v.(int64)
	if !ok {
		g.t.Fatalf("%s: %s returned %T %v, want int", g.name, method, v, v)
	}
	return n
}

func (g *game) bool(method string, args ...V) bool {
	g.t.Helper()
	v := g.call(method, args...)
	b, ok := v.(bool)
	if !ok {
		g.t.Fatalf("%s: %s returned %T %v, want bool", g.name, method, v, v)
	}
	return b
}

func (g *game) str(method string, args ...V) string {
	g.t.Helper()
	v := g.call(method, args...)
	s, ok := v.(string)
	if !ok {
		g.t.Fatalf("%s: %s returned %T %v, want String", g.name, method, v, v)
	}
	return s
}

func (g *game) dict(method string, args ...V) *Dictionary {
	g.t.Helper()
	v := g.call(method, args...)
	d, ok := v.(*Dictionary)
	if !ok {
		g.t.Fatalf("%s: %s returned %T %v, want Dictionary", g.name, method, v, v)
	}
	return d
}

func (g *game) array(method string, args ...V) []any {
	g.t.Helper()
	v := g.call(method, args...)
	a, ok := v.([]any)
	if !ok {
		g.t.Fatalf("%s: %s returned %T %v, want Array", g.name, method, v, v)
	}
	return a
}

func (g *game) init() {
	g.t.Helper()
	d := g.dict("steamInit", Bool(true), Int(0), Bool(false))
	if st, _ := d.Get("status"); st != int64(1) {
		g.t.Fatalf("%s: steamInit: %v", g.name, d)
	}
}

func (g *game) pump() { g.Pump(g.p) }

func getInt(t testing.TB, d *Dictionary, k string) int64 {
	t.Helper()
	v, ok := d.Get(k)
	if !ok {
		t.Fatalf("dictionary has no %q: keys %v", k, d.Keys)
	}
	n, ok := v.(int64)
	if !ok {
		t.Fatalf("%q is %T %v, want int", k, v, v)
	}
	return n
}

func getStr(t testing.TB, d *Dictionary, k string) string {
	t.Helper()
	v, ok := d.Get(k)
	if !ok {
		t.Fatalf("dictionary has no %q: keys %v", k, d.Keys)
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%q is %T %v, want String", k, v, v)
	}
	return s
}

func keysOf(d *Dictionary) []string {
	var ks []string
	for _, k := range d.Keys {
		ks = append(ks, fmt.Sprint(k))
	}
	return ks
}

// statusChange is one network_connection_status_changed emission.
type statusChange struct {
	handle, old, state, endReason, listenSocket int64
	endDebug                                    string
	info                                        *Dictionary
}

var statusKeys = []string{"identity", "user_data", "listen_socket", "remote_address", "remote_pop", "pop_relay", "connection_state", "end_reason", "end_debug", "debug_description"}

// statusChanges decodes and consumes the status signals collected so far.
func (g *game) statusChanges() []statusChange {
	g.t.Helper()
	var out []statusChange
	for _, ev := range g.TakeSignals() {
		if ev.Name != "network_connection_status_changed" {
			continue
		}
		if ev.Object != "Steam" || len(ev.Args) != 3 {
			g.t.Fatalf("%s: malformed status signal %+v", g.name, ev)
		}
		h, _ := Decode(ev.Args[0])
		dv, _ := Decode(ev.Args[1])
		old, _ := Decode(ev.Args[2])
		d, ok := dv.(*Dictionary)
		hh, ok2 := h.(int64)
		oo, ok3 := old.(int64)
		if !ok || !ok2 || !ok3 {
			g.t.Fatalf("%s: status signal argument types %T %T %T", g.name, h, dv, old)
		}
		if strings.Join(keysOf(d), ",") != strings.Join(statusKeys, ",") {
			g.t.Errorf("%s: status dictionary keys %v, want %v", g.name, keysOf(d), statusKeys)
		}
		out = append(out, statusChange{
			handle: hh, old: oo, info: d,
			state:        getInt(g.t, d, "connection_state"),
			endReason:    getInt(g.t, d, "end_reason"),
			listenSocket: getInt(g.t, d, "listen_socket"),
			endDebug:     getStr(g.t, d, "end_debug"),
		})
	}
	return out
}

// waitStatus pumps both games until pred holds for a status change of g,
// returning every change of g seen meanwhile (in order).
func waitStatus(t *testing.T, g *game, other *game, what string, pred func(statusChange) bool) []statusChange {
	t.Helper()
	var seen []statusChange
	found := false
	waitFor(t, what, 20*time.Second, func() {
		g.pump()
		if other != nil {
			other.pump()
		}
	}, func() bool {
		for _, c := range g.statusChanges() {
			seen = append(seen, c)
			if pred(c) {
				found = true
			}
		}
		return found
	})
	return seen
}

func payload(size int, seed int64) []byte {
	b := make([]byte, size)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// fastOptions lifts the send-rate limits so that 512 KiB messages cross quickly.
func (g *game) fastOptions() V {
	return Dict(
		Int(g.api.constant(g.t, "NETWORKING_CONFIG_SEND_RATE_MIN")), Int(64<<20),
		Int(g.api.constant(g.t, "NETWORKING_CONFIG_SEND_RATE_MAX")), Int(64<<20),
	)
}

// connectPair makes the client connect to the server's listen socket and
// checks the status signals on both sides: 0→1 on both, accept, 1→3 on both.
func connectPair(t *testing.T, srv, cli *game, ls int64, addr string) (sconn, cconn int64) {
	t.Helper()
	cconn = cli.int("connectByIPAddress", Str(addr), cli.fastOptions())
	if cconn == 0 {
		t.Fatalf("connectByIPAddress(%q) returned 0", addr)
	}
	seen := dropOwnCloses(waitStatus(t, srv, cli, "the incoming connection on the server", func(c statusChange) bool { return c.old == 0 && c.state == 1 }), 0)
	in := seen[len(seen)-1]
	if len(seen) != 1 || in.listenSocket != ls || in.handle == 0 {
		t.Fatalf("server status changes before accept: %+v (want exactly one 0→1 on listen socket %d)", seen, ls)
	}
	if ra := getStr(t, in.info, "remote_address"); ra != "127.0.0.1" {
		t.Errorf("incoming remote_address %q, want 127.0.0.1", ra)
	}
	sconn = in.handle
	if res := srv.int("acceptConnection", Int(sconn)); res != 1 {
		t.Fatalf("acceptConnection: %d, want RESULT_OK", res)
	}
	if res := srv.int("acceptConnection", Int(sconn)); res != 11 {
		t.Errorf("second acceptConnection: %d, want RESULT_INVALID_STATE (11)", res)
	}
	srvSeen := dropOwnCloses(waitStatus(t, srv, cli, "server connected", func(c statusChange) bool { return c.handle == sconn && c.state == 3 }), sconn)
	if len(srvSeen) != 1 || srvSeen[0].old != 1 {
		t.Errorf("server status after accept: %+v, want exactly 1→3", srvSeen)
	}
	cliSeen := dropOwnCloses(waitStatus(t, cli, srv, "client connected", func(c statusChange) bool { return c.handle == cconn && c.state == 3 }), cconn)
	var trans []string
	for _, c := range cliSeen {
		if c.handle != cconn {
			t.Errorf("client status change for unexpected handle %d", c.handle)
		}
		trans = append(trans, fmt.Sprintf("%d→%d", c.old, c.state))
	}
	if strings.Join(trans, ",") != "0→1,1→3" {
		t.Errorf("client status changes %v, want [0→1 1→3]", trans)
	}
	return sconn, cconn
}

// dropOwnCloses removes the →NONE notifications that closing an older
// connection ourselves may post (api.md §3.3); they are not part of a handshake.
func dropOwnCloses(cs []statusChange, h int64) []statusChange {
	var out []statusChange
	for _, c := range cs {
		if c.handle == h || c.state != 0 {
			out = append(out, c)
		}
	}
	return out
}

type sent struct {
	data     []byte
	reliable bool
	inProc   bool // an in-process socket pair: messages bypass SNP
}

// GNS sends unreliable messages above 16 500 bytes reliably (gns_wire_notes
// "Unreliable → reliable conversion"), and the receiver sees the reliable flag.
const unreliableConversionLimit = 16500

func (s sent) arrivesReliable() bool {
	return s.reliable || (!s.inProc && len(s.data) > unreliableConversionLimit)
}

// receiveAll reads messages on conn (or a poll group) until n arrived.
func receiveAll(t *testing.T, g, other *game, method string, handle int64, n int) []*Dictionary {
	t.Helper()
	var got []*Dictionary
	waitFor(t, fmt.Sprintf("%d messages via %s", n, method), 30*time.Second, func() {
		other.pump()
		g.pump()
	}, func() bool {
		for _, m := range g.array(method, Int(handle), Int(64)) {
			got = append(got, m.(*Dictionary))
		}
		return len(got) >= n
	})
	if len(got) != n {
		t.Fatalf("received %d messages, want %d", len(got), n)
	}
	return got
}

var messageKeys = []string{"payload", "size", "connection", "identity", "receiver_user_data", "time_received", "message_number", "channel", "flags", "sender_user_data"}

func checkMessage(t *testing.T, m *Dictionary, want sent, conn int64) {
	t.Helper()
	ks := keysOf(m)
	for _, k := range messageKeys {
		if _, ok := m.Get(k); !ok {
			t.Fatalf("message dictionary lacks %q: %v", k, ks)
		}
	}
	p, ok := func() ([]byte, bool) { v, _ := m.Get("payload"); b, ok := v.([]byte); return b, ok }()
	if !ok {
		t.Fatalf("payload is not a PackedByteArray")
	}
	if sha256.Sum256(p) != sha256.Sum256(want.data) || len(p) != len(want.data) {
		t.Fatalf("payload of %d bytes differs from the %d bytes sent", len(p), len(want.data))
	}
	if getInt(t, m, "size") != int64(len(want.data)) || getInt(t, m, "connection") != conn || getInt(t, m, "channel") != -1 {
		t.Errorf("message size %d connection %d channel %d; want %d %d -1", getInt(t, m, "size"), getInt(t, m, "connection"), getInt(t, m, "channel"), len(want.data), conn)
	}
	wantFlags := int64(0)
	if want.arrivesReliable() {
		wantFlags = 8
	}
	if f := getInt(t, m, "flags"); f != wantFlags {
		t.Errorf("message flags %d, want %d", f, wantFlags)
	}
	if getInt(t, m, "message_number") <= 0 {
		t.Errorf("message_number %d", getInt(t, m, "message_number"))
	}
}

var payloadSizes = []int{0, 1, 1024, 64 << 10, 512 << 10}

func TestTwoGamesOverLoopback(t *testing.T) {
	for _, v := range []string{"4.3", "4.7"} {
		for _, p := range []Path{CallPath, PtrPath} {
			t.Run(v+"/"+string(p), func(t *testing.T) { twoGames(t, v, p) })
		}
	}
}

func twoGames(t *testing.T, version string, p Path) {
	srv := newGame(t, "server", version, p)
	cli := newGame(t, "client", version, p)
	srv.init()
	cli.init()

	ls := srv.int("createListenSocketIP", Str("127.0.0.1:0"), srv.fastOptions())
	if ls == 0 {
		t.Fatal("createListenSocketIP returned 0")
	}
	addr := srv.str("getListenSocketAddress", Int(ls), Bool(true))
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("getListenSocketAddress = %q, want 127.0.0.1:<ephemeral port>", addr)
	}
	if a := srv.str("getListenSocketAddress", Int(ls), Bool(false)); a != "127.0.0.1" {
		t.Errorf("getListenSocketAddress without port = %q", a)
	}
	sconn, cconn := connectPair(t, srv, cli, ls, addr)

	t.Run("payloads", func(t *testing.T) {
		var msgs []sent
		for i, size := range payloadSizes {
			for _, rel := range []bool{true, false} {
				m := sent{data: payload(size, int64(i*2+btoi(rel))), reliable: rel}
				flags := int64(0)
				if rel {
					flags = 8
				}
				r := cli.dict("sendMessageToConnection", Int(cconn), Bytes(m.data), Int(flags))
				if getInt(t, r, "result") != 1 || getInt(t, r, "message_number") <= 0 {
					t.Fatalf("sendMessageToConnection(%d B, flags %d) = %v", size, flags, r.Vals)
				}
				msgs = append(msgs, m)
			}
		}
		got := receiveAll(t, srv, cli, "receiveMessagesOnConnection", sconn, len(msgs))
		// reliable messages arrive in order; unreliable ones may interleave
		var rel, unrel []*Dictionary
		for _, m := range got {
			if getInt(t, m, "flags") == 8 {
				rel = append(rel, m)
			} else {
				unrel = append(unrel, m)
			}
		}
		var wantRel, wantUnrel []sent
		for _, m := range msgs {
			if m.arrivesReliable() {
				wantRel = append(wantRel, m)
			} else {
				wantUnrel = append(wantUnrel, m)
			}
		}
		if len(rel) != len(wantRel) || len(unrel) != len(wantUnrel) {
			for _, m := range got {
				t.Logf("received size %d flags %d number %d", getInt(t, m, "size"), getInt(t, m, "flags"), getInt(t, m, "message_number"))
			}
			t.Fatalf("%d reliable + %d unreliable received, want %d + %d", len(rel), len(unrel), len(wantRel), len(wantUnrel))
		}
		for i := range rel {
			checkMessage(t, rel[i], wantRel[i], sconn)
		}
		for _, m := range unrel {
			size := getInt(t, m, "size")
			for _, w := range wantUnrel {
				if int64(len(w.data)) == size {
					checkMessage(t, m, w, sconn)
				}
			}
		}
		// the other direction, and sendMessages
		back := payload(64<<10, 99)
		nums := cli.call("sendMessages", Arr(Bytes([]byte("a")), Bytes(back)), Int(cconn), Int(8)).([]any)
		if len(nums) != 2 || nums[0].(int64) <= 0 || nums[1].(int64) != nums[0].(int64)+1 {
			t.Errorf("sendMessages returned %v, want two consecutive message numbers", nums)
		}
		got = receiveAll(t, srv, cli, "receiveMessagesOnConnection", sconn, 2)
		checkMessage(t, got[0], sent{data: []byte("a"), reliable: true}, sconn)
		checkMessage(t, got[1], sent{data: back, reliable: true}, sconn)
		r := srv.dict("sendMessageToConnection", Int(sconn), Bytes(back), Int(8))
		if getInt(t, r, "result") != 1 {
			t.Fatalf("server send: %v", r.Vals)
		}
		got = receiveAll(t, cli, srv, "receiveMessagesOnConnection", cconn, 1)
		checkMessage(t, got[0], sent{data: back, reliable: true}, cconn)
		if res := cli.int("flushMessagesOnConnection", Int(cconn)); res != 1 {
			t.Errorf("flushMessagesOnConnection = %d", res)
		}

		// steady state: a full round (send, pump, receive, status, info) leaves
		// every live Variant count of both games where it was
		round := func() {
			for _, rel := range []int64{8, 0} {
				cli.call("sendMessageToConnection", Int(cconn), Bytes(payload(2048, rel)), Int(rel))
			}
			receiveAll(t, srv, cli, "receiveMessagesOnConnection", sconn, 2)
			cli.call("getConnectionInfo", Int(cconn))
			cli.call("getConnectionRealTimeStatus", Int(cconn), Int(1), Bool(true))
			srv.call("getDetailedConnectionStatus", Int(sconn))
		}
		round()
		s0, c0 := srv.Refs(), cli.Refs()
		round()
		if s1, c1 := srv.Refs(), cli.Refs(); fmt.Sprint(s0) != fmt.Sprint(s1) || fmt.Sprint(c0) != fmt.Sprint(c1) {
			t.Errorf("live Variant counts changed across a steady-state round:\nserver %v -> %v\nclient %v -> %v", s0, s1, c0, c1)
		}
	})

	t.Run("poll groups", func(t *testing.T) {
		pg := srv.int("createPollGroup")
		if pg == 0 {
			t.Fatal("createPollGroup returned 0")
		}
		if !srv.bool("setConnectionPollGroup", Int(sconn), Int(pg)) {
			t.Fatal("setConnectionPollGroup failed")
		}
		if srv.bool("setConnectionPollGroup", Int(123456789), Int(pg)) {
			t.Error("setConnectionPollGroup accepted an invalid connection")
		}
		if srv.bool("setConnectionPollGroup", Int(sconn), Int(987654321)) {
			t.Error("setConnectionPollGroup accepted an invalid poll group")
		}
		data := payload(4096, 7)
		cli.call("sendMessageToConnection", Int(cconn), Bytes(data), Int(8))
		got := receiveAll(t, srv, cli, "receiveMessagesOnPollGroup", pg, 1)
		checkMessage(t, got[0], sent{data: data, reliable: true}, sconn)
		if !srv.bool("destroyPollGroup", Int(pg)) {
			t.Error("destroyPollGroup failed")
		}
		if srv.bool("destroyPollGroup", Int(pg)) {
			t.Error("destroying a poll group twice succeeded")
		}
		if a := srv.array("receiveMessagesOnPollGroup", Int(pg), Int(8)); len(a) != 0 {
			t.Errorf("receive on a destroyed poll group: %v", a)
		}
		// the connection left the destroyed group and still receives directly
		cli.call("sendMessageToConnection", Int(cconn), Bytes(data), Int(8))
		got = receiveAll(t, srv, cli, "receiveMessagesOnConnection", sconn, 1)
		checkMessage(t, got[0], sent{data: data, reliable: true}, sconn)
	})

	t.Run("lanes and status", func(t *testing.T) {
		if res := cli.int("configureConnectionLanes", Int(cconn), Int(2), Arr(Int(0), Int(10)), Arr(Int(1), Int(1))); res != 1 {
			t.Fatalf("configureConnectionLanes = %d, want RESULT_OK", res)
		}
		if res := cli.int("configureConnectionLanes", Int(cconn), Int(0), Arr(), Arr()); res != 8 {
			t.Errorf("configureConnectionLanes with 0 lanes = %d, want RESULT_INVALID_PARAM", res)
		}
		if res := cli.int("configureConnectionLanes", Int(999999), Int(1), Arr(Int(0)), Arr(Int(1))); res != 3 {
			t.Errorf("configureConnectionLanes on a bad handle = %d, want RESULT_NO_CONNECTION", res)
		}
		rt := cli.dict("getConnectionRealTimeStatus", Int(cconn), Int(2), Bool(true))
		if getInt(t, rt, "response") != 1 {
			t.Fatalf("getConnectionRealTimeStatus: %v", rt.Vals)
		}
		cs, _ := rt.Get("connection_status")
		csd, ok := cs.(*Dictionary)
		if !ok || getInt(t, csd, "state") != 3 {
			t.Errorf("connection_status %v", cs)
		}
		for _, k := range []string{"ping", "local_quality", "remote_quality", "packets_out_per_second", "bytes_out_per_second", "packets_in_per_second", "bytes_in_per_second", "send_rate", "pending_unreliable", "pending_reliable", "queue_time"} {
			if _, ok := csd.Get(k); !ok {
				t.Errorf("connection_status lacks %q: %v", k, keysOf(csd))
			}
		}
		lanes, _ := rt.Get("lanes_status")
		if la, ok := lanes.([]any); !ok || len(la) != 2 {
			t.Errorf("lanes_status %v, want 2 entries", lanes)
		}
		rt = cli.dict("getConnectionRealTimeStatus", Int(cconn), Int(3), Bool(true))
		if getInt(t, rt, "response") != 8 {
			t.Errorf("getConnectionRealTimeStatus with too many lanes: %v", rt.Vals)
		}
		rt = cli.dict("getConnectionRealTimeStatus", Int(cconn), Int(0), Bool(false))
		if getInt(t, rt, "response") != 1 {
			t.Errorf("getConnectionRealTimeStatus(get_status=false): %v", rt.Vals)
		}
		rt = cli.dict("getConnectionRealTimeStatus", Int(4242), Int(0), Bool(true))
		if getInt(t, rt, "response") != 3 {
			t.Errorf("getConnectionRealTimeStatus on a bad handle: %v", rt.Vals)
		}

		for _, side := range []struct {
			g    *game
			h    int64
			ls   int64
			name string
		}{{srv, sconn, ls, "server"}, {cli, cconn, 0, "client"}} {
			info := side.g.dict("getConnectionInfo", Int(side.h))
			want := append(append([]string{}, statusKeys...), "info_flags")
			for _, k := range want {
				if _, ok := info.Get(k); !ok {
					t.Errorf("%s getConnectionInfo lacks %q", side.name, k)
				}
			}
			if getInt(t, info, "connection_state") != 3 || getInt(t, info, "listen_socket") != side.ls ||
				getStr(t, info, "remote_address") != "127.0.0.1" || getInt(t, info, "identity") != 0 || getInt(t, info, "user_data") != -1 {
				t.Errorf("%s getConnectionInfo %v %v", side.name, keysOf(info), info.Vals)
			}
			det := side.g.dict("getDetailedConnectionStatus", Int(side.h))
			if getInt(t, det, "success") != 0 || getStr(t, det, "status") == "" {
				t.Errorf("%s getDetailedConnectionStatus %v", side.name, det.Vals)
			}
			if ud := side.g.int("getConnectionUserData", Int(side.h)); ud != -1 {
				t.Errorf("%s getConnectionUserData = %d, want -1", side.name, ud)
			}
		}
		cli.call("setConnectionName", Int(cconn), Str("client → server ✓"))
		if n := cli.str("getConnectionName", Int(cconn)); n != "client → server ✓" {
			t.Errorf("getConnectionName = %q", n)
		}
	})

	t.Run("close with reason", func(t *testing.T) {
		if !cli.bool("closeConnection", Int(cconn), Int(1234), Str("bye now"), Bool(false)) {
			t.Fatal("closeConnection returned false")
		}
		seen := waitStatus(t, srv, cli, "CLOSED_BY_PEER on the server", func(c statusChange) bool { return c.handle == sconn && c.state == 4 })
		last := seen[len(seen)-1]
		if last.old != 3 || last.endReason != 1234 || last.endDebug != "bye now" {
			t.Errorf("server saw %d→%d end_reason %d end_debug %q, want 3→4 1234 \"bye now\"", last.old, last.state, last.endReason, last.endDebug)
		}
		if !srv.bool("closeConnection", Int(sconn), Int(0), Str(""), Bool(false)) {
			t.Error("server closeConnection after CLOSED_BY_PEER returned false")
		}
		// handles are invalid after close
		if cli.bool("closeConnection", Int(cconn), Int(0), Str(""), Bool(false)) {
			t.Error("double closeConnection returned true")
		}
		r := cli.dict("sendMessageToConnection", Int(cconn), Bytes([]byte("x")), Int(8))
		if getInt(t, r, "result") != 8 || getInt(t, r, "message_number") != -1 {
			t.Errorf("send on a closed connection: %v", r.Vals)
		}
		if info := cli.dict("getConnectionInfo", Int(cconn)); len(info.Keys) != 0 {
			t.Errorf("getConnectionInfo on a closed handle: %v", info.Keys)
		}
	})

	t.Run("linger flushes reliable data", func(t *testing.T) {
		sconn2, cconn2 := connectPair(t, srv, cli, ls, addr)
		big := payload(512<<10, 2024)
		r := cli.dict("sendMessageToConnection", Int(cconn2), Bytes(big), Int(8))
		if getInt(t, r, "result") != 1 {
			t.Fatalf("send: %v", r.Vals)
		}
		if !cli.bool("closeConnection", Int(cconn2), Int(1001), Str("lingering"), Bool(true)) {
			t.Fatal("closeConnection(linger) returned false")
		}
		got := receiveAll(t, srv, cli, "receiveMessagesOnConnection", sconn2, 1)
		checkMessage(t, got[0], sent{data: big, reliable: true}, sconn2)
		seen := waitStatus(t, srv, cli, "CLOSED_BY_PEER after linger", func(c statusChange) bool { return c.handle == sconn2 && c.state == 4 })
		if last := seen[len(seen)-1]; last.endReason != 1001 || last.endDebug != "lingering" {
			t.Errorf("after linger: end_reason %d end_debug %q", last.endReason, last.endDebug)
		}
		srv.call("closeConnection", Int(sconn2), Int(0), Str(""), Bool(false))
	})

	if !srv.bool("closeListenSocket", Int(ls)) {
		t.Error("closeListenSocket returned false")
	}
	if srv.bool("closeListenSocket", Int(ls)) {
		t.Error("closing a listen socket twice returned true")
	}
	if a := srv.str("getListenSocketAddress", Int(ls), Bool(true)); a != "" {
		t.Errorf("address of a closed listen socket: %q", a)
	}
	cli.Quit()
	srv.Quit()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSocketPairs(t *testing.T) {
	for _, v := range []string{"4.3", "4.7"} {
		for _, p := range []Path{CallPath, PtrPath} {
			for _, loop := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/loopback=%v", v, p, loop), func(t *testing.T) {
					g := newGame(t, "pair", v, p)
					g.init()
					const id1, id2 = 76561198000000001, 76561198000000002
					d := g.dict("createSocketPair", Bool(loop), Int(id1), Int(id2))
					ok, _ := d.Get("success")
					c1, c2 := getInt(t, d, "connection1"), getInt(t, d, "connection2")
					if ok != true || c1 == 0 || c2 == 0 || c1 == c2 {
						t.Fatalf("createSocketPair: %v %v", d.Keys, d.Vals)
					}
					g.pump()
					if s := g.statusChanges(); len(s) != 0 {
						t.Errorf("createSocketPair posted status changes: %+v", s)
					}
					for _, c := range []struct{ h, id int64 }{{c1, id1}, {c2, id2}} {
						info := g.dict("getConnectionInfo", Int(c.h))
						if getInt(t, info, "connection_state") != 3 || getInt(t, info, "identity") != c.id {
							t.Errorf("pair connection %d: state %d identity %d, want 3 %d", c.h, getInt(t, info, "connection_state"), getInt(t, info, "identity"), c.id)
						}
					}
					var msgs []sent
					for i, size := range []int{0, 1, 1024, 64 << 10} {
						for _, rel := range []bool{true, false} {
							m := sent{data: payload(size, int64(100+i)), reliable: rel, inProc: !loop}
							flags := int64(0)
							if rel {
								flags = 8
							}
							if r := g.dict("sendMessageToConnection", Int(c1), Bytes(m.data), Int(flags)); getInt(t, r, "result") != 1 {
								t.Fatalf("pair send: %v", r.Vals)
							}
							msgs = append(msgs, m)
						}
					}
					got := receiveAll(t, g, g, "receiveMessagesOnConnection", c2, len(msgs))
					for i, m := range got {
						if !loop { // in-process pairs keep the send order exactly
							checkMessage(t, m, msgs[i], c2)
						} else {
							for _, w := range msgs {
								if int64(len(w.data)) == getInt(t, m, "size") && (getInt(t, m, "flags") == 8) == w.arrivesReliable() {
									checkMessage(t, m, w, c2)
								}
							}
						}
					}
					if !g.bool("closeConnection", Int(c1), Int(1500), Str("pair done"), Bool(false)) {
						t.Fatal("closeConnection on a pair returned false")
					}
					seen := waitStatus(t, g, nil, "CLOSED_BY_PEER on the other end of the pair", func(c statusChange) bool { return c.handle == c2 && c.state == 4 })
					if last := seen[len(seen)-1]; last.endReason != 1500 || last.endDebug != "pair done" {
						t.Errorf("pair close: end_reason %d end_debug %q", last.endReason, last.endDebug)
					}
					if !g.bool("closeConnection", Int(c2), Int(0), Str(""), Bool(false)) {
						t.Error("closing the second end returned false")
					}
					g.Quit()
				})
			}
		}
	}
}
