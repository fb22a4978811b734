package bindings

import (
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"godotsteam-sockets/engine"
)

func TestConvertConfigOptions(t *testing.T) {
	opts, err := convertConfigOptions(dict(
		int64(4), int64(50), // FAKE_PACKET_LAG_SEND: int → int32
		int64(9), int64(5000),
		int64(2), 12.5, // FAKE_PACKET_LOSS_SEND: float
		int64(40), int64(-7_000_000_000), // CONNECTION_USER_DATA: int64
		int64(29), "iad", // string
		int64(34), true, // bool → int32 1
		int64(23), false, // bool → int32 0
	))
	if err != nil {
		t.Fatal(err)
	}
	want := []engine.ConfigOption{
		engine.Int32Option(4, 50),
		engine.Int32Option(9, 5000),
		engine.FloatOption(2, 12.5),
		engine.Int64Option(40, -7_000_000_000),
		engine.StringOption(29, "iad"),
		engine.Int32Option(34, 1),
		engine.Int32Option(23, 0),
	}
	if !reflect.DeepEqual(opts, want) {
		t.Errorf("got %+v\nwant %+v", opts, want)
	}

	for _, d := range []*Dictionary{nil, NewDictionary()} {
		if opts, err := convertConfigOptions(d); err != nil || len(opts) != 0 {
			t.Errorf("empty options: %v %v", opts, err)
		}
	}

	bad := []struct {
		d    *Dictionary
		want []string
	}{
		{dict("send_buffer", int64(1)), []string{`"send_buffer"`, "String", "keys must be int"}},
		{dict(StringName("k"), int64(1)), []string{"StringName"}},
		{dict(9.0, int64(1)), []string{"9", "float"}},
		{dict(true, int64(1)), []string{"bool"}},
		{dict(int64(1)<<40, int64(1)), []string{"1099511627776", "not a NETWORKING_CONFIG"}},
		{dict(int64(9), nil), []string{"9 (NETWORKING_CONFIG_SEND_BUFFER_SIZE)", "Nil"}},
		{dict(int64(9), []any{}), []string{"NETWORKING_CONFIG_SEND_BUFFER_SIZE", "Array"}},
		{dict(int64(9), NewDictionary()), []string{"Dictionary"}},
		{dict(int64(9), []byte{1}), []string{"PackedByteArray"}},
		{dict(int64(9), StringName("x")), []string{"StringName"}},
		{dict(int64(9), Unsupported{Type: 5}), []string{"Vector2"}},
		{dict(int64(9), int64(math.MaxInt32)+1), []string{"does not fit a 32-bit int"}},
		{dict(int64(9), int64(math.MinInt32)-1), []string{"does not fit"}},
		{dict(int64(2), math.NaN()), []string{"NaN"}},
		{dict(int64(4), int64(1), int64(12345), []any{}), []string{"12345", "Array"}},
	}
	for _, c := range bad {
		opts, err := convertConfigOptions(c.d)
		if err == nil {
			t.Errorf("%v accepted as %+v", c.d, opts)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	}
	// Limits that do fit.
	opts, err = convertConfigOptions(dict(int64(9), int64(math.MaxInt32), int64(10), int64(math.MinInt32), int64(40), int64(math.MinInt64)))
	if err != nil || opts[0].Value.Int != math.MaxInt32 || opts[1].Value.Int != math.MinInt32 || opts[2].Value.Int != math.MinInt64 || opts[2].Value.Type != engine.ConfigInt64 {
		t.Errorf("limits: %+v %v", opts, err)
	}
}

func TestParseIPAddr(t *testing.T) {
	good := []struct {
		in      string
		want    string
		ignored string
	}{
		{"1.2.3.4", "1.2.3.4:0", ""},
		{"127.0.0.1:27015", "127.0.0.1:27015", ""},
		{"0.0.0.0:27015", "0.0.0.0:27015", ""},
		{"::1", "[::1]:0", ""},
		{"[::1]:27015", "[::1]:27015", ""},
		{"[::]:27015", "[::]:27015", ""},
		{"::", "[::]:0", ""},
		{"[::1]", "[::1]:0", ""},
		{"[::ffff:1.2.3.4]:5", "[::ffff:1.2.3.4]:5", ""},
		{"2001:db8::1", "[2001:db8::1]:0", ""},
		// The library's leniencies (sscanf for IPv4, RFC 5952 §6 for IPv6).
		{" 1.2.3.4", "1.2.3.4:0", ""},
		{"01.002.3.4: 80", "1.2.3.4:80", ""},
		{"1.2.3.4:27015 ", "1.2.3.4:27015", ""},
		{"1.2.3.4:", "1.2.3.4:0", ":"},
		{"1.2.3.4:garbage", "1.2.3.4:0", ":garbage"},
		{"1.2.3.4:80:90", "1.2.3.4:80", ":90"},
		{"1.2.3.4.5", "1.2.3.4:0", ".5"},
		{"  [ ::1 ]:9", "[::1]:9", ""},
		{"[::1]#9", "[::1]:9", ""},
		{"[::1]p9", "[::1]:9", ""},
		{"[::1] port 9", "[::1]:9", ""},
		{"::1 ", "[::1]:0", ""},
		{"fe80::1%2", "[fe80::1]:0", ""},
		{"[fe80::1%2]:5", "[fe80::1]:5", ""},
		{"1:2:3:4:5:6:7:8:80", "[1:2:3:4:5:6:7:8]:80", ""},
		{"::1:80", "[::1:80]:0", ""}, // ambiguous: always a group
	}
	for _, c := range good {
		got, ok, ignored := parseIPAddr(c.in)
		if !ok || got != netip.MustParseAddrPort(c.want) || ignored != c.ignored {
			t.Errorf("parse %q: %v %v ignored %q, want %v ignored %q", c.in, got, ok, ignored, c.want, c.ignored)
		}
	}
	for _, in := range []string{"", ":27015", "localhost", "localhost:27015", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3", "[1.2.3.4]:5",
		"fe80::1%eth0", "[fe80::1%eth0]:5", "[::1]:", "[::1", "1.2.3.256", "-1.2.3.4", "1.2.3.4:99999999999", "99999999999.1.1.1",
		"::1::2", "[::1]x", "[::1]:65536", "[::1]:9x", "12345::", "1:2:3:4:5:6:7:8:9:10", "gg::1"} {
		if got, ok, _ := parseIPAddr(in); ok {
			t.Errorf("parse %q accepted as %v", in, got)
		}
	}
}

func TestFormatIPAddr(t *testing.T) {
	cases := []struct {
		in           netip.AddrPort
		noPort, port string
	}{
		{netip.MustParseAddrPort("1.2.3.4:27015"), "1.2.3.4", "1.2.3.4:27015"},
		{netip.MustParseAddrPort("[::ffff:1.2.3.4]:80"), "1.2.3.4", "1.2.3.4:80"},
		{netip.MustParseAddrPort("[::1]:27015"), "::1", "[::1]:27015"},
		{netip.MustParseAddrPort("[::]:0"), "::", "[::]:0"},
		{netip.MustParseAddrPort("0.0.0.0:5"), "0.0.0.0", "0.0.0.0:5"},
		{netip.MustParseAddrPort("[2001:0db8:0:0:0:0:0:1]:9"), "2001:db8::1", "[2001:db8::1]:9"},
		{netip.MustParseAddrPort("[fe80::1%eth0]:9"), "fe80::1", "[fe80::1]:9"},
		{netip.AddrPort{}, "::", "[::]:0"},
	}
	for _, c := range cases {
		if got := formatIPAddr(c.in, false); got != c.noPort {
			t.Errorf("format %v without port: %q, want %q", c.in, got, c.noPort)
		}
		if got := formatIPAddr(c.in, true); got != c.port {
			t.Errorf("format %v with port: %q, want %q", c.in, got, c.port)
		}
	}
	if formatIPv4(0) != "" || formatIPv4(0xA9FE0102) != "169.254.1.2" || formatIPv4(0xFFFFFFFF) != "255.255.255.255" {
		t.Error("formatIPv4")
	}
}

func TestTruncateUTF8(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 3, "hel"},
		{"héllo", 2, "h"}, // é is two bytes
		{"héllo", 3, "hé"},
		{"日本", 5, "日"},
		{"\xff\xfeabc", 3, "\xff\xfea"}, // invalid bytes are not characters to protect
		{"", 0, ""},
	} {
		if got := truncateUTF8(c.in, c.n); got != c.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

var sampleInfo = engine.ConnectionInfo{
	Identity:     engine.Identity{Type: engine.IdentitySteamID, SteamID: 76561198000000001},
	UserData:     -1,
	ListenSocket: 0xdeadbeef,
	RemoteAddr:   netip.MustParseAddrPort("[::ffff:127.0.0.1]:27015"),
	RemotePOP:    7,
	RelayPOP:     9,
	State:        engine.StateClosedByPeer,
	EndReason:    1234,
	EndDebug:     "bye",
	Description:  "#12 ip:127.0.0.1:27015",
	Flags:        engine.InfoFlagUnauthenticated | engine.InfoFlagFast,
}

func TestConnectionInfoDict(t *testing.T) {
	d := connectionInfoDict(&sampleInfo, true)
	want := dict(
		"identity", int64(76561198000000001),
		"user_data", int64(-1),
		"listen_socket", int64(0xdeadbeef),
		"remote_address", "127.0.0.1",
		"remote_pop", int64(7),
		"pop_relay", int64(9),
		"connection_state", int64(4),
		"end_reason", int64(1234),
		"end_debug", "bye",
		"debug_description", "#12 ip:127.0.0.1:27015",
		"info_flags", int64(9),
	)
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got %v\nwant %v", d, want)
	}
	sig := connectionInfoDict(&sampleInfo, false)
	if !reflect.DeepEqual(keysOf(sig), keysOf(want)[:10]) {
		t.Errorf("signal variant keys %v", keysOf(sig))
	}

	// Non-SteamID identities read as 0; unknown addresses as "::";
	// internal states as NONE; long texts are cut.
	info := sampleInfo
	info.Identity = engine.Identity{Type: engine.IdentityIPAddress, Addr: netip.MustParseAddrPort("1.2.3.4:5")}
	info.RemoteAddr = netip.AddrPort{}
	info.State = engine.StateLinger
	info.EndDebug = strings.Repeat("x", 300)
	info.Description = strings.Repeat("y", 300)
	d = connectionInfoDict(&info, true)
	if get(t, d, "identity") != int64(0) || get(t, d, "remote_address") != "::" || get(t, d, "connection_state") != int64(0) ||
		len(get(t, d, "end_debug").(string)) != 127 || len(get(t, d, "debug_description").(string)) != 127 {
		t.Errorf("edge info: %v", d)
	}
}

func TestMessageDict(t *testing.T) {
	m := &engine.Message{
		Data: []byte("hi"), Conn: 77,
		Identity:     engine.Identity{Type: engine.IdentitySteamID, SteamID: 5},
		ConnUserData: 42, TimeReceived: 123456789, MessageNumber: 3, Lane: 2,
		Flags: engine.SendReliable | engine.SendNoNagle, Channel: -1, UserData: 0,
	}
	d := messageDict(m)
	want := dict(
		"payload", []byte("hi"), "size", int64(2), "connection", int64(77), "identity", int64(5),
		"receiver_user_data", int64(42), "time_received", int64(123456789), "message_number", int64(3),
		"channel", int64(-1), "flags", int64(8), "sender_user_data", int64(0),
	)
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got %v\nwant %v", d, want)
	}
	d = messageDict(&engine.Message{Flags: engine.SendNoNagle, Channel: 5})
	if p := get(t, d, "payload"); p == nil || len(p.([]byte)) != 0 {
		t.Errorf("empty payload must be an empty PackedByteArray, got %#v", p)
	}
	if get(t, d, "flags") != int64(0) || get(t, d, "channel") != int64(-1) || get(t, d, "size") != int64(0) {
		t.Errorf("unreliable message: %v", d)
	}
}

func TestSignalFor(t *testing.T) {
	name, a, ok := signalFor(&engine.ConnectionStatusChanged{Conn: 99, Info: sampleInfo, OldState: engine.StateConnected})
	if !ok || name != "network_connection_status_changed" || len(a) != 3 || a[0] != int64(99) || a[2] != int64(3) {
		t.Fatalf("status changed: %s %v %v", name, a, ok)
	}
	if !reflect.DeepEqual(a[1], connectionInfoDict(&sampleInfo, false)) {
		t.Errorf("status changed connection: %v", a[1])
	}
	name, a, ok = signalFor(&engine.AuthenticationStatus{Available: 100, Debug: strings.Repeat("z", 400)})
	if !ok || name != "network_authentication_status" || a[0] != int64(100) || len(a[1].(string)) != 255 {
		t.Errorf("auth: %s %v", name, a)
	}
	name, a, ok = signalFor(&engine.FakeIPResult{
		Result: engine.ResultOK, Identity: engine.Identity{Type: engine.IdentitySteamID, SteamID: 8},
		IP: 0xA9FE0001, Ports: [8]uint16{27015, 27016},
	})
	wantPorts := []any{int64(27015), int64(27016), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0)}
	if !ok || name != "fake_ip_result" || !reflect.DeepEqual(a, []any{int64(1), int64(8), "169.254.0.1", wantPorts}) {
		t.Errorf("fake ip: %s %v", name, a)
	}
	_, a, _ = signalFor(&engine.FakeIPResult{Result: engine.ResultBusy})
	if a[2] != "" || a[1] != int64(0) || len(a[3].([]any)) != 8 {
		t.Errorf("empty fake ip: %v", a)
	}
	for _, ev := range []engine.Event{nil, (*engine.ConnectionStatusChanged)(nil), (*engine.AuthenticationStatus)(nil), (*engine.FakeIPResult)(nil)} {
		if _, _, ok := signalFor(ev); ok {
			t.Errorf("signalFor(%#v) accepted", ev)
		}
	}
	// The argument types match the declared signal arguments.
	for _, ev := range []engine.Event{&engine.ConnectionStatusChanged{}, &engine.AuthenticationStatus{}, &engine.FakeIPResult{}} {
		name, a, _ := signalFor(ev)
		for _, sig := range signalTable {
			if sig.Name != name {
				continue
			}
			for i, arg := range sig.Args {
				if TypeOf(a[i]) != arg.Type {
					t.Errorf("%s arg %s is a %T, declared %s", name, arg.Name, a[i], TypeName(arg.Type))
				}
			}
		}
	}
}

func TestTypeName(t *testing.T) {
	if TypeName(TypeInt) != "int" || TypeName(TypePackedByteArray) != "PackedByteArray" || TypeName(99) != "type 99" {
		t.Error("TypeName")
	}
}
