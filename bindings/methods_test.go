package bindings

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"godotsteam-sockets/engine"
)

// Invalid handles: every handle-taking method returns its documented
// failure value (api.md §3) and does not crash, for 0, unknown, negative and
// out-of-range handles.
func TestInvalidHandles(t *testing.T) {
	s, h := newSteam(t)
	for _, bad := range []int64{0, 0x7fff1234, -1, math.MaxUint32 + 1, math.MinInt64} {
		checks := []struct {
			method string
			args   []any
			want   any
		}{
			{"acceptConnection", []any{bad}, int64(8)},
			{"closeConnection", []any{bad, int64(0), "", false}, false},
			{"closeListenSocket", []any{bad}, false},
			{"destroyPollGroup", []any{bad}, false},
			{"flushMessagesOnConnection", []any{bad}, int64(8)},
			{"getConnectionInfo", []any{bad}, NewDictionary()},
			{"getConnectionName", []any{bad}, ""},
			{"getConnectionRealTimeStatus", []any{bad, int64(0)}, dict("response", int64(3))},
			{"getConnectionRealTimeStatus", []any{bad, int64(1), false}, dict("response", int64(3))},
			{"getConnectionUserData", []any{bad}, int64(-1)},
			{"getDetailedConnectionStatus", []any{bad}, dict("success", int64(-1), "status", "", "buffer", "")},
			{"getListenSocketAddress", []any{bad}, ""},
			{"getListenSocketAddress", []any{bad, false}, ""},
			{"getRemoteFakeIPForConnection", []any{bad}, dict("result", int64(8), "ip_address", "", "port", int64(0), "ip_type", int64(0))},
			{"receiveMessagesOnConnection", []any{bad, int64(16)}, []any{}},
			{"receiveMessagesOnPollGroup", []any{bad, int64(16)}, []any{}},
			{"sendMessageToConnection", []any{bad, []byte("x"), int64(8)}, dict("result", int64(8), "message_number", int64(-1))},
			{"sendMessages", []any{[]any{[]byte("a"), "b"}, bad, int64(8)}, []any{int64(-8), int64(-8)}},
			{"setConnectionPollGroup", []any{bad, int64(0)}, false},
			{"setConnectionPollGroup", []any{bad, bad}, false},
			{"setConnectionName", []any{bad, "n"}, nil},
			{"configureConnectionLanes", []any{bad, int64(1), []any{int64(0)}, []any{int64(1)}}, int64(3)},
		}
		for _, c := range checks {
			got := call(t, s, c.method, c.args...)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s%v = %#v, want %#v", c.method, c.args, got, c.want)
			}
		}
	}
	// Invalid handles are ordinary failures, not engine errors.
	if e := h.takeErrors(); len(e) != 0 {
		t.Errorf("invalid handles printed errors: %q", e)
	}
}

func TestConfigureConnectionLanesArguments(t *testing.T) {
	s, h := newSteam(t)
	cases := []struct {
		lanes      int64
		prio, wght []any
		errText    string
	}{
		{2, []any{int64(0)}, []any{int64(1), int64(1)}, "at least lanes = 2"},
		{2, []any{int64(0), int64(0)}, []any{int64(1)}, "at least lanes = 2"},
		{1 << 40, []any{}, []any{}, "at least lanes"},
		{1, []any{"high"}, []any{int64(1)}, "priorities[0]"},
		{1, []any{1.5}, []any{int64(1)}, "priorities[0]"},
		{1, []any{int64(math.MaxInt32) + 1}, []any{int64(1)}, "priorities[0]"},
		{1, []any{int64(0)}, []any{int64(0)}, "weights[0]"},
		{1, []any{int64(0)}, []any{int64(65536)}, "weights[0]"},
		{1, []any{int64(0)}, []any{nil}, "weights[0]"},
	}
	for _, c := range cases {
		got := call(t, s, "configureConnectionLanes", int64(1), c.lanes, c.prio, c.wght)
		if got != int64(engine.ResultInvalidParam) {
			t.Errorf("lanes %d %v %v: %v, want RESULT_INVALID_PARAM", c.lanes, c.prio, c.wght, got)
		}
		if !containsAll(h.takeErrors(), "configureConnectionLanes", c.errText) {
			t.Errorf("lanes %d %v %v: no error mentioning %q", c.lanes, c.prio, c.wght, c.errText)
		}
	}
	// Integral floats and bools are numbers; the bad handle then decides.
	got := call(t, s, "configureConnectionLanes", int64(0), int64(2), []any{2.0, true}, []any{int64(3), 65535.0})
	if got != int64(engine.ResultNoConnection) {
		t.Errorf("valid lane arrays on a bad handle: %v, want RESULT_NO_CONNECTION", got)
	}
	// lanes < 1 goes to the engine, which rejects it (bad handle or bad count).
	got = call(t, s, "configureConnectionLanes", int64(0), int64(0), []any{}, []any{})
	if got != int64(engine.ResultNoConnection) && got != int64(engine.ResultInvalidParam) {
		t.Errorf("lanes 0: %v", got)
	}
}

func TestSteamBackendFeaturesFailAndSayWhy(t *testing.T) {
	noServiceEnv(t)
	t.Setenv("SDR_LISTEN_PORT", "")
	s, h := newSteam(t)
	opts := dict(int64(9), int64(5000))
	invalid := dict("result", int64(8), "ip_address", "", "port", int64(0), "ip_type", int64(0))
	cases := []struct {
		method string
		args   []any
		want   any
		quiet  bool // no error expected
	}{
		// Without a rendezvous service (fakeip.go): the documented failure values.
		{"beginAsyncRequestFakeIP", []any{int64(1)}, false, false},
		{"connectToHostedDedicatedServer", []any{int64(76561198000000000), int64(0), opts}, int64(0), false},
		{"createFakeUDPPort", []any{int64(0)}, nil, false},
		{"createHostedDedicatedServerListenSocket", []any{int64(0), opts}, int64(0), false},
		{"createListenSocketP2PFakeIP", []any{int64(0), opts}, int64(0), false},
		{"getFakeIP", nil, dict("result", int64(80), "identity_type", int64(0), "ip", "", "ports", make([]int32, 8)), false},
		{"getFakeIP", []any{int64(3)}, dict("result", int64(8), "identity_type", int64(0), "ip", "", "ports", make([]int32, 8)), false},
		{"getRemoteFakeIPForConnection", []any{int64(12345)}, invalid, true},
		{"findRelayAuthTicketForServer", []any{int64(76561198000000000), int64(0)}, int64(0), false},
		{"getGameCoordinatorServerLogin", nil, int64(2), false},
		{"getHostedDedicatedServerAddress", nil, int64(11), false},
		{"receivedRelayAuthTicket", nil, NewDictionary(), false},
		// Our fake UDP port extras.
		{"createFakeUDPPortHandle", []any{int64(-1)}, int64(0), false},
		{"createFakeUDPPortHandle", []any{int64(7)}, int64(0), false},
		{"sendMessageToFakeIP", []any{int64(99), "169.254.1.1:2000", []byte("x"), int64(0)}, int64(8), false},
		{"receiveMessagesOnFakeUDPPort", []any{int64(99), int64(4)}, []any{}, false},
		{"scheduleFakeUDPPortCleanup", []any{int64(99), "169.254.1.1:2000"}, nil, false},
		{"destroyFakeUDPPort", []any{int64(99)}, false, true},
	}
	for _, c := range cases {
		got := call(t, s, c.method, c.args...)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s%v = %#v, want %#v", c.method, c.args, got, c.want)
		}
		errs := h.takeErrors()
		if c.quiet && len(errs) != 0 {
			t.Errorf("%s: unexpected errors %q", c.method, errs)
		}
		if !c.quiet && (len(errs) != 1 || !strings.Contains(errs[0], "Steam."+c.method)) {
			t.Errorf("%s: want one error naming the method, got %q", c.method, errs)
		}
	}
	// createFakeUDPPort(-1) would make a port nobody can use: a warning.
	if got := call(t, s, "createFakeUDPPort", int64(-1)); got != nil || len(h.takeWarnings()) != 1 || len(h.takeErrors()) != 0 {
		t.Errorf("createFakeUDPPort(-1) = %v, want nothing and one warning", got)
	}
	if got := call(t, s, "getHostedDedicatedServerPOPId"); got != int64(0) {
		t.Errorf("getHostedDedicatedServerPOPId = %v", got)
	}
	if got := call(t, s, "getHostedDedicatedServerPort"); got != int64(0) {
		t.Errorf("getHostedDedicatedServerPort without SDR_LISTEN_PORT = %v", got)
	}
	if e := h.takeErrors(); len(e) != 0 {
		t.Errorf("unset SDR_LISTEN_PORT is not an error: %q", e)
	}
	t.Setenv("SDR_LISTEN_PORT", "27020")
	if got := call(t, s, "getHostedDedicatedServerPort"); got != int64(27020) {
		t.Errorf("getHostedDedicatedServerPort = %v, want 27020", got)
	}
	if got := call(t, s, "getHostedDedicatedServerPOPId"); got != int64(0) || len(h.takeErrors()) != 1 {
		t.Errorf("getHostedDedicatedServerPOPId with SDR_LISTEN_PORT but no service = %v, want 0 and an error", got)
	}
	if got := call(t, s, "getHostedDedicatedServerAddress"); got != int64(22) {
		t.Errorf("getHostedDedicatedServerAddress with SDR_LISTEN_PORT, not registered = %v, want RESULT_PENDING", got)
	}
	t.Setenv("SDR_LISTEN_PORT", "70000")
	if got := call(t, s, "getHostedDedicatedServerPort"); got != int64(0) || len(h.takeWarnings()) != 1 {
		t.Errorf("bad SDR_LISTEN_PORT: %v, want 0 and a warning", got)
	}
}

func TestIdentity(t *testing.T) {
	t.Setenv("STEAM_ID", "")
	s, h := newSteam(t)
	if call(t, s, "getSteamID") != int64(0) || call(t, s, "getIdentity") != "" {
		t.Error("no identity: want 0 and \"\"")
	}
	const id = int64(76561198000000123)
	call(t, s, "resetIdentity", id)
	if got := call(t, s, "getSteamID"); got != id {
		t.Errorf("getSteamID after resetIdentity = %v", got)
	}
	if got := call(t, s, "getIdentity"); got != "steamid:76561198000000123" {
		t.Errorf("getIdentity = %q", got)
	}
	// IDs above 2^63 travel as their int64 bit pattern.
	call(t, s, "resetIdentity", int64(-2))
	if call(t, s, "getSteamID") != int64(-2) || call(t, s, "getIdentity") != "steamid:18446744073709551614" {
		t.Error("uint64 Steam ID round trip")
	}
	call(t, s, "resetIdentity", int64(0))
	if call(t, s, "getSteamID") != int64(0) || call(t, s, "getIdentity") != "" {
		t.Error("resetIdentity(0) should clear the identity")
	}
	if e := h.takeErrors(); len(e) != 0 {
		t.Errorf("errors: %q", e)
	}
}

func TestIdentityFromEnvironment(t *testing.T) {
	t.Setenv("STEAM_ID", "76561198000000777")
	s, _ := newSteam(t)
	if got := call(t, s, "getSteamID"); got != int64(76561198000000777) {
		t.Errorf("getSteamID with STEAM_ID set = %v", got)
	}
	s.Close()

	t.Setenv("STEAM_ID", "not-a-number")
	s2, h := newSteam(t)
	if got := call(t, s2, "getSteamID"); got != int64(0) {
		t.Errorf("getSteamID with a bad STEAM_ID = %v", got)
	}
	if !containsAll(h.takeWarnings(), "STEAM_ID") {
		t.Error("a bad STEAM_ID should be warned about")
	}
}

func TestInitAndShutdown(t *testing.T) {
	h := &embeddingHost{}
	s := New(h)
	defer s.Close()
	if call(t, s, "isSteamRunning") != false {
		t.Error("isSteamRunning before init")
	}
	got := call(t, s, "steamInit")
	if !reflect.DeepEqual(got, dict("status", int64(1), "verbal", "Steamworks active.")) {
		t.Errorf("steamInit() = %v", got)
	}
	if call(t, s, "isSteamRunning") != true {
		t.Error("isSteamRunning after init")
	}
	got = call(t, s, "steamInitEx", false, int64(480), true)
	if !reflect.DeepEqual(got, dict("status", int64(0), "verbal", "")) {
		t.Errorf("steamInitEx() = %v", got)
	}
	if !reflect.DeepEqual(h.enabled, []bool{true}) {
		t.Errorf("embed_callbacks=true not passed to the host: %v", h.enabled)
	}
	call(t, s, "steamShutdown")
	if call(t, s, "isSteamRunning") != false {
		t.Error("isSteamRunning after shutdown")
	}
	if !reflect.DeepEqual(h.enabled, []bool{true, false}) {
		t.Errorf("steamShutdown did not stop embedded callbacks: %v", h.enabled)
	}
	// A plain host cannot embed: warn and tell the game what to do.
	s2, h2 := newSteam(t)
	call(t, s2, "steamInit", true, int64(0), true)
	if !containsAll(h2.takeWarnings(), "embed_callbacks", "run_callbacks") {
		t.Error("no warning for embed_callbacks on a host without it")
	}
	call(t, s2, "steamInit", true, int64(-5))
	if !containsAll(h2.takeWarnings(), "app_id") {
		t.Error("no warning for a bad app_id")
	}
	if len(h.takeErrors())+len(h2.takeErrors()) != 0 {
		t.Error("init printed errors")
	}
}

func TestVersions(t *testing.T) {
	s, _ := newSteam(t)
	if got := call(t, s, "get_godotsteam_version"); got != 4.11 {
		t.Errorf("get_godotsteam_version = %v", got)
	}
	saved := Version
	Version = "1.2.3"
	defer func() { Version = saved }()
	if got := call(t, s, OurExtraMethod); got != "1.2.3" {
		t.Errorf("%s = %v", OurExtraMethod, got)
	}
}

func TestReceiveBounds(t *testing.T) {
	s, _ := newSteam(t)
	for _, max := range []int64{0, -1, math.MinInt64, math.MaxInt64} {
		if got := call(t, s, "receiveMessagesOnConnection", int64(1), max); !reflect.DeepEqual(got, []any{}) {
			t.Errorf("receiveMessagesOnConnection(1, %d) = %v", max, got)
		}
		if got := call(t, s, "receiveMessagesOnPollGroup", int64(1), max); !reflect.DeepEqual(got, []any{}) {
			t.Errorf("receiveMessagesOnPollGroup(1, %d) = %v", max, got)
		}
	}
}

func TestSendMessagesElementTypes(t *testing.T) {
	s, h := newSteam(t)
	got := call(t, s, "sendMessages", []any{[]byte("ok"), int64(5), "text", nil}, int64(0), int64(8)).([]any)
	if len(got) != 4 {
		t.Fatalf("sendMessages returned %d results for 4 messages", len(got))
	}
	for i, r := range got {
		if r != int64(-8) {
			t.Errorf("result %d = %v, want -8 (bad handle or bad element)", i, r)
		}
	}
	errs := h.takeErrors()
	if len(errs) != 2 || !strings.Contains(errs[0], "messages[1] is a int") || !strings.Contains(errs[1], "messages[3] is a Nil") {
		t.Errorf("element errors: %q", errs)
	}
	if got := call(t, s, "sendMessages", []any{}, int64(0), int64(8)); !reflect.DeepEqual(got, []any{}) {
		t.Errorf("no messages: %v", got)
	}
}

func TestConfigOptionErrorsFailCreation(t *testing.T) {
	s, h := newSteam(t)
	for _, m := range []string{"createListenSocketIP", "connectByIPAddress"} {
		got := call(t, s, m, "127.0.0.1:0", dict("send_buffer_size", int64(5000)))
		if got != int64(0) {
			t.Errorf("%s with a String key = %v, want 0", m, got)
		}
		if !containsAll(h.takeErrors(), "Steam."+m, `"send_buffer_size"`, "keys must be int") {
			t.Errorf("%s: the error does not name the bad key", m)
		}
		got = call(t, s, m, "127.0.0.1:0", dict(int64(9), []any{int64(1)}))
		if got != int64(0) || !containsAll(h.takeErrors(), "NETWORKING_CONFIG_SEND_BUFFER_SIZE", "Array") {
			t.Errorf("%s with an Array value = %v", m, got)
		}
	}
}

func TestUnparsableAddressWarns(t *testing.T) {
	s, h := newSteam(t)
	got := call(t, s, "createListenSocketIP", "not an address", NewDictionary())
	if !containsAll(h.takeWarnings(), "createListenSocketIP", `"not an address"`, "[::]:0") {
		t.Error("no warning for an unparsable address")
	}
	if h, ok := got.(int64); ok && h != 0 {
		call(t, s, "closeListenSocket", h)
	}
	call(t, s, "createListenSocketIP", "127.0.0.1:0 trailing", NewDictionary())
	if !containsAll(h.takeWarnings(), "ignored", "trailing") {
		t.Error("no warning for ignored text after an address")
	}
}

func TestRealTimeStatusLaneBounds(t *testing.T) {
	s, _ := newSteam(t)
	for _, lanes := range []int64{-1, 1 << 40, math.MinInt64, math.MaxInt64} {
		got := call(t, s, "getConnectionRealTimeStatus", int64(0), lanes)
		if !reflect.DeepEqual(got, dict("response", int64(3))) {
			t.Errorf("bad handle, lanes %d: %v", lanes, got)
		}
	}
}

func TestLinkLocalAddressWithoutServiceIsPlainUDP(t *testing.T) {
	noServiceEnv(t)
	s, h := newSteam(t)
	c := call(t, s, "connectByIPAddress", "169.254.5.5:3000", NewDictionary()).(int64)
	if c == 0 || len(h.takeErrors()) != 0 {
		t.Fatalf("connectByIPAddress to a link-local address without a service = %d", c)
	}
	if r := get(t, mustDict(t, call(t, s, "getRemoteFakeIPForConnection", c)), "result"); r != int64(engine.ResultIPNotFound) {
		t.Errorf("getRemoteFakeIPForConnection = %v, want RESULT_IP_NOT_FOUND", r)
	}
	call(t, s, "closeConnection", c, int64(0), "", false)
}
