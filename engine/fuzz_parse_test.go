package engine

import (
	"math"
	"testing"
)

// FuzzConvertConfig throws any value of any type at any config key: it must
// be refused with an error or land inside the key's documented range, in
// the key's own type.
func FuzzConvertConfig(f *testing.F) {
	f.Add(int32(ConfigSendBufferSize), uint8(ConfigInt32), int64(1<<40), float32(0), "")
	f.Add(int32(ConfigFakePacketLossSend), uint8(ConfigFloat), int64(0), float32(math.NaN()), "")
	f.Add(int32(ConfigTimeoutConnected), uint8(ConfigString), int64(0), float32(0), " 1e30 ")
	f.Add(int32(-1), uint8(ConfigInt64), int64(-5), float32(0), "")
	f.Fuzz(func(t *testing.T, key int32, typ uint8, i int64, fl float32, s string) {
		in := ConfigValue{Type: ConfigDataType(typ), Int: i, Float: fl, String: s}
		out, err := convertConfig(ConfigKey(key), in)
		if err != nil {
			return
		}
		d, ok := DescribeConfig(ConfigKey(key))
		if !ok {
			t.Fatalf("key %d is unknown but %v was accepted", key, in)
		}
		if out.Type != d.Type {
			t.Fatalf("key %s: converted to type %d, want %d", d.Name, out.Type, d.Type)
		}
		switch out.Type {
		case ConfigInt32, ConfigInt64:
			if float64(out.Int) < d.Min || float64(out.Int) > d.Max {
				t.Fatalf("key %s: %d outside [%v, %v]", d.Name, out.Int, d.Min, d.Max)
			}
		case ConfigFloat:
			if math.IsNaN(float64(out.Float)) || float64(out.Float) < d.Min || float64(out.Float) > d.Max {
				t.Fatalf("key %s: %v outside [%v, %v]", d.Name, out.Float, d.Min, d.Max)
			}
		}
	})
}

// FuzzParseIdentity: whatever parses prints back to text that parses to the
// same identity.
func FuzzParseIdentity(f *testing.F) {
	for _, s := range []string{"steamid:76561197960287930", "ip:[::1]:27015", "ip:1.2.3.4", "str:hello", "gen:00ff", "invalid", "gen:", "str:", "steamid:-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIdentity(s)
		if err != nil {
			return
		}
		again, err := ParseIdentity(id.String())
		if err != nil || again != id {
			t.Fatalf("%q -> %q does not round-trip: %+v vs %+v (%v)", s, id.String(), id, again, err)
		}
	})
}

// FuzzParseAddr: a parsed address formats to text that parses back to it.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"1.2.3.4:5", "[::1]:27015", "::ffff:1.2.3.4", "[fe80::1%eth0]:1", "1.2.3.4:99999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := ParseAddr(s)
		if !ok {
			return
		}
		back, ok := ParseAddr(FormatAddr(a, true))
		if !ok || back != a {
			t.Fatalf("%q -> %v -> %q does not round-trip (%v)", s, a, FormatAddr(a, true), back)
		}
	})
}
