package engine

import (
	"net/netip"
	"testing"
)

func TestIdentityText(t *testing.T) {
	cases := []struct {
		id   Identity
		text string
	}{
		{SteamIDIdentity(76561197960287930), "steamid:76561197960287930"},
		{SteamIDIdentity(0), "steamid:0"},
		{IPIdentity(netip.MustParseAddrPort("1.2.3.4:27015")), "ip:1.2.3.4:27015"},
		{IPIdentity(netip.MustParseAddrPort("1.2.3.4:0")), "ip:1.2.3.4"},
		{IPIdentity(netip.MustParseAddrPort("[::ffff:1.2.3.4]:5")), "ip:1.2.3.4:5"},
		{LocalHostIdentity(), "ip:::1"},
		{IPIdentity(netip.MustParseAddrPort("[2001:db8::1]:443")), "ip:[2001:db8::1]:443"},
		{Identity{Type: IdentityGenericString, Generic: "player one"}, "str:player one"},
		{Identity{Type: IdentityGenericBytes, Generic: "\x01\xab"}, "gen:01ab"},
		{Identity{Type: IdentityUnknown, Generic: "xboxpwid:ABC"}, "xboxpwid:ABC"},
		{Identity{}, "invalid"},
	}
	for _, c := range cases {
		if got := c.id.String(); got != c.text {
			t.Errorf("String(%+v) = %q want %q", c.id, got, c.text)
		}
		back, err := ParseIdentity(c.text)
		if err != nil || back != c.id {
			t.Errorf("ParseIdentity(%q) = %+v, %v", c.text, back, err)
		}
	}
	for _, bad := range []string{"", "steamid:x", "ip:nope", "str:", "gen:zz", "BAD:x", ":x", "str:" + string(make([]byte, 40))} {
		if _, err := ParseIdentity(bad); err == nil {
			t.Errorf("ParseIdentity(%q) accepted", bad)
		}
	}
	if SteamIDIdentity(5).SteamID64() != 5 || LocalHostIdentity().SteamID64() != 0 {
		t.Error("SteamID64")
	}
	if !LocalHostIdentity().IsLocalHost() || !IPIdentity(netip.MustParseAddrPort("127.0.0.1:9")).IsLocalHost() ||
		IPIdentity(netip.MustParseAddrPort("127.0.0.2:9")).IsLocalHost() {
		t.Error("IsLocalHost")
	}
}

func TestIdentityLegacyBinaryRoundTrip(t *testing.T) {
	for _, id := range []Identity{
		SteamIDIdentity(76561197960287930),
		IPIdentity(netip.MustParseAddrPort("[::1]:0")),
		IPIdentity(netip.MustParseAddrPort("10.0.0.1:27015")),
		{Type: IdentityGenericString, Generic: "abc"},
		{Type: IdentityGenericBytes, Generic: "\x00\x01"},
	} {
		b := id.legacyBinary()
		back, err := identityFromLegacyBinary(b)
		if err != nil || back != id {
			t.Errorf("%v: %+v %v", id, back, err)
		}
	}
	// IPv6 + big-endian port layout.
	b := IPIdentity(netip.MustParseAddrPort("[::1]:258")).legacyBinary()
	want := append([]byte{0x22, 18}, append(make([]byte, 15), 1, 1, 2)...)
	if string(b) != string(want) {
		t.Fatalf("% x", b)
	}
}

func TestParseAddr(t *testing.T) {
	cases := map[string]string{
		"1.2.3.4":         "1.2.3.4:0",
		"1.2.3.4:27015":   "1.2.3.4:27015",
		"::1":             "[::1]:0",
		"[::1]:27015":     "[::1]:27015",
		"[::]":            "[::]:0",
		"::ffff:10.0.0.1": "10.0.0.1:0",
	}
	for in, want := range cases {
		got, ok := ParseAddr(in)
		if !ok || got.String() != want {
			t.Errorf("ParseAddr(%q) = %v %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", ":27015", "1.2.3", "host:1"} {
		if _, ok := ParseAddr(bad); ok {
			t.Errorf("ParseAddr(%q) accepted", bad)
		}
	}
	if FormatAddr(netip.MustParseAddrPort("[::ffff:1.2.3.4]:7"), true) != "1.2.3.4:7" ||
		FormatAddr(netip.MustParseAddrPort("[::1]:7"), false) != "::1" || FormatAddr(netip.AddrPort{}, false) != "::" {
		t.Error("FormatAddr")
	}
}
