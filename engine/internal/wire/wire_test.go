package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "|", "", "\n", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Appendix A: ChallengeRequest, client ID 0x11223344, version 13.
func TestChallengeRequestAppendixA(t *testing.T) {
	m := ChallengeRequest{ConnectionID: 0x11223344, MyTimestamp: 0x0807060504030201, ProtocolVersion: 13}
	got := AppendPadded(nil, MsgChallengeRequest, m.Append(nil))
	wantHead := unhex(t, "20 1000 | 0D 44332211 | 19 0102030405060708 | 20 0D")
	if len(got) != 512 {
		t.Fatalf("len = %d, want 512", len(got))
	}
	if !bytes.Equal(got[:len(wantHead)], wantHead) {
		t.Fatalf("head = % x\nwant   % x", got[:len(wantHead)], wantHead)
	}
	for i, b := range got[len(wantHead):] {
		if b != 0 {
			t.Fatalf("padding byte %d = %#x", i, b)
		}
	}
	if Classify(got) != KindChallengeRequest {
		t.Fatal("classify")
	}
	body, err := Padded(got)
	if err != nil {
		t.Fatal(err)
	}
	var back ChallengeRequest
	if err := back.Unmarshal(body); err != nil || back != m {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

func TestPaddedChecks(t *testing.T) {
	ok := AppendPadded(nil, MsgConnectionClosed, []byte{0x18, 0x01})
	cases := []struct {
		name string
		p    []byte
		ok   bool
	}{
		{"ok", ok, true},
		{"short", ok[:511], false},
		{"zero length", append([]byte{36, 0, 0}, make([]byte, 509)...), false},
		{"length beyond end", append([]byte{36, 0xFE, 0x01}, make([]byte, 509)...), false},
		{"length exactly to end", append([]byte{36, 0xFD, 0x01}, make([]byte, 509)...), true},
	}
	for _, c := range cases {
		_, err := Padded(c.p)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error does not wrap ErrMalformed", c.name)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		p    string
		want Kind
	}{
		{"80 00000000 00", KindData},
		{"FF 00000000 00", KindData},
		{"FFFFFFFF 00", KindSourceEngine},
		{"20 00000000", KindChallengeRequest},
		{"21 00000000", KindChallengeReply},
		{"22 00000000", KindConnectRequest},
		{"23 00000000", KindConnectOK},
		{"24 00000000", KindConnectionClosed},
		{"25 00000000", KindNoConnection},
		{"26 00000000", KindInvalid},
		{"00 00000000", KindInvalid},
		{"20 000000", KindInvalid}, // too short
	}
	for _, c := range cases {
		if got := Classify(unhex(t, c.p)); got != c.want {
			t.Errorf("%s: %v want %v", c.p, got, c.want)
		}
	}
}

func TestDataHeaderVectors(t *testing.T) {
	// Plain header: recipient 0x04030201, packet number 2.
	p := AppendDataHeader(nil, 0x04030201, 2, 0)
	if want := unhex(t, "80 01020304 0200"); !bytes.Equal(p, want) {
		t.Fatalf("plain: % x want % x", p, want)
	}
	// With stats flags 6 (E2E | immediate): blob = 18 06, length 2.
	p = AppendDataHeader(nil, 0x04030201, 0xABCD, 6)
	if want := unhex(t, "81 01020304 CDAB 02 1806"); !bytes.Equal(p, want) {
		t.Fatalf("stats: % x want % x", p, want)
	}
	p = append(p, 0xAA, 0xBB)
	var h DataHeader
	payload, err := ParseData(p, &h)
	if err != nil {
		t.Fatal(err)
	}
	if h.ConnID != 0x04030201 || h.PktNum != 0xABCD || !h.HasStats || h.Stats.Flags != 6 || h.HasTimeSincePrev {
		t.Fatalf("header %+v", h)
	}
	if !bytes.Equal(payload, []byte{0xAA, 0xBB}) {
		t.Fatalf("payload % x", payload)
	}
	// Both optional fields, with a quality sub-message in the stats blob
	// (which implies an E2E ack request).
	p = unhex(t, "83 01000000 0500 04 0A00 1804 3412 CC")
	payload, err = ParseData(p, &h)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Stats.HasQuality || h.Stats.ImpliedFlags() != 6 || h.TimeSincePrev != 0x1234 || !bytes.Equal(payload, []byte{0xCC}) {
		t.Fatalf("header %+v payload % x", h, payload)
	}
}

func TestDataHeaderBad(t *testing.T) {
	for _, s := range []string{
		"80 010000",                // short
		"84 01000000 0000",         // unknown flag
		"81 01000000 0000 05 1802", // blob longer than packet
		"81 01000000 0000 FF",      // truncated varint length
		"82 01000000 0000 01",      // truncated time field
		"81 01000000 0000 01 FF",   // bad protobuf in blob
		"00 01000000 0000",         // not data
	} {
		var h DataHeader
		if _, err := ParseData(unhex(t, s), &h); err == nil {
			t.Errorf("%s: no error", s)
		}
	}
}

func TestConnectionClosedVector(t *testing.T) {
	m := ConnectionClosed{ToConnectionID: 0x01020304, FromConnectionID: 0x0A0B0C0D, Debug: "bye", ReasonCode: 1000}
	want := unhex(t, "12 03 627965 | 18 E807 | 25 04030201 | 2D 0D0C0B0A")
	got := m.Append(nil)
	if !bytes.Equal(got, want) {
		t.Fatalf("% x\nwant % x", got, want)
	}
	var back ConnectionClosed
	if err := back.Unmarshal(got); err != nil || back != m {
		t.Fatalf("%+v %v", back, err)
	}
}

func TestNoConnectionVector(t *testing.T) {
	m := NoConnection{FromConnectionID: 1, ToConnectionID: 2}
	want := unhex(t, "15 01000000 1D 02000000")
	if got := m.Append(nil); !bytes.Equal(got, want) {
		t.Fatalf("% x", got)
	}
	var back NoConnection
	if err := back.Unmarshal(want); err != nil || back != m {
		t.Fatal(back, err)
	}
}

func TestCryptInfoPackedAndUnpacked(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	m := CryptInfo{KeyType: 1, KeyData: key, Nonce: 0x1122334455667788, ProtocolVersion: 13, Ciphers: []uint32{2, 1}}
	got := m.Append(nil)
	want := unhex(t, "08 01 | 12 20"+strings.Repeat("07", 32)+"| 19 8877665544332211 | 20 0D | 28 02 | 28 01")
	if !bytes.Equal(got, want) {
		t.Fatalf("% x\nwant % x", got, want)
	}
	var back CryptInfo
	if err := back.Unmarshal(got); err != nil || !reflect.DeepEqual(back, m) {
		t.Fatalf("%+v %v", back, err)
	}
	// Packed form of the same cipher list.
	packed := unhex(t, "2A 02 0201")
	if err := back.Unmarshal(packed); err != nil || !reflect.DeepEqual(back.Ciphers, []uint32{2, 1}) {
		t.Fatalf("packed: %+v %v", back, err)
	}
}

func TestCertRoundTrip(t *testing.T) {
	lb := (&IdentityLegacyBinary{HasIPv6AndPort: true, IPv6AndPort: append(make([]byte, 15), 1, 0, 0)}).Append(nil)
	m := Cert{
		KeyType: 1, KeyData: bytes.Repeat([]byte{9}, 32),
		HasLegacyIdentityBinary: true, LegacyIdentityBinary: lb,
		HasIdentityString: true, IdentityString: "ip:::1",
		AppIDs: []uint32{0},
	}
	b := m.Append(nil)
	var back Cert
	if err := back.Unmarshal(b); err != nil || !reflect.DeepEqual(back, m) {
		t.Fatalf("%+v %v", back, err)
	}
	var id IdentityLegacyBinary
	if err := id.Unmarshal(back.LegacyIdentityBinary); err != nil || !id.HasIPv6AndPort || len(id.IPv6AndPort) != 18 {
		t.Fatalf("%+v %v", id, err)
	}
}

func TestConnectRequestOKRoundTrip(t *testing.T) {
	cert := &CertSigned{Cert: []byte{8, 1}}
	crypt := &CryptInfoSigned{Info: []byte{8, 1}, Signature: bytes.Repeat([]byte{1}, 64)}
	req := ConnectRequest{
		ClientConnectionID: 5, Challenge: 77, MyTimestamp: 99, PingEstMS: 12, HasPingEst: true,
		Cert: cert, Crypt: crypt, HasLegacyClientSteamID: true, LegacyClientSteamID: 76561197960287930,
		HasIdentityString: true, IdentityString: "steamid:76561197960287930",
	}
	var req2 ConnectRequest
	if err := req2.Unmarshal(req.Append(nil)); err != nil || !reflect.DeepEqual(req, req2) {
		t.Fatalf("%+v %v", req2, err)
	}
	ok := ConnectOK{ClientConnectionID: 5, ServerConnectionID: 0x10001, HasYourTimestamp: true, YourTimestamp: 99,
		DelayTimeUsec: 10, Cert: cert, Crypt: crypt}
	var ok2 ConnectOK
	if err := ok2.Unmarshal(ok.Append(nil)); err != nil || !reflect.DeepEqual(ok, ok2) {
		t.Fatalf("%+v %v", ok2, err)
	}
	rep := ChallengeReply{ConnectionID: 5, Challenge: 1 << 60, YourTimestamp: 3, HasYourTimestamp: true, ProtocolVersion: 13}
	var rep2 ChallengeReply
	if err := rep2.Unmarshal(rep.Append(nil)); err != nil || rep != rep2 {
		t.Fatalf("%+v %v", rep2, err)
	}
}

func TestUnknownAndMistypedFieldsSkipped(t *testing.T) {
	// field 1 as varint (wrong type, skipped), field 99 bytes (unknown), then field 3 fixed64.
	b := unhex(t, "08 05 | 9A06 02 AABB | 19 0100000000000000")
	var m ChallengeRequest
	if err := m.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if m.ConnectionID != 0 || m.MyTimestamp != 1 {
		t.Fatalf("%+v", m)
	}
	// Truncated input fails.
	if err := m.Unmarshal(b[:len(b)-1]); err == nil {
		t.Fatal("truncated: no error")
	}
}

func BenchmarkParseData(b *testing.B) {
	p := AppendDataHeader(nil, 1, 2, 2)
	p = append(p, make([]byte, 1200)...)
	var h DataHeader
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseData(p, &h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendDataHeader(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	var n uint16
	for b.Loop() {
		n++
		buf = AppendDataHeader(buf[:0], 0x11223344, n, 0)
	}
}
