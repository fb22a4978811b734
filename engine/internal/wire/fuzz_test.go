package wire

import (
	"bytes"
	"testing"
)

// Every decoder must reject or accept arbitrary input without panicking,
// and whatever it accepts must re-encode to something it accepts again.

func FuzzParseData(f *testing.F) {
	f.Add([]byte{0x80, 1, 0, 0, 0, 2, 0})
	f.Add(AppendDataHeader(nil, 7, 9, 6))
	f.Add([]byte{0x83, 1, 0, 0, 0, 5, 0, 4, 0x0A, 0, 0x18, 4, 0x34, 0x12, 0xCC})
	f.Fuzz(func(t *testing.T, p []byte) {
		var h DataHeader
		payload, err := ParseData(p, &h)
		if err != nil {
			return
		}
		if len(payload) > len(p) {
			t.Fatal("payload longer than packet")
		}
	})
}

func FuzzPadded(f *testing.F) {
	f.Add(AppendPadded(nil, MsgConnectionClosed, []byte{0x18, 1}))
	f.Add(make([]byte, 512))
	f.Fuzz(func(t *testing.T, p []byte) {
		body, err := Padded(p)
		if err == nil && (len(body) == 0 || len(body)+3 > len(p)) {
			t.Fatal("bad body bounds")
		}
	})
}

func roundTrip[T any, PT interface {
	*T
	Unmarshal([]byte) error
	Append([]byte) []byte
}](t *testing.T, b []byte) {
	var m T
	if err := PT(&m).Unmarshal(b); err != nil {
		return
	}
	enc := PT(&m).Append(nil)
	var m2 T
	if err := PT(&m2).Unmarshal(enc); err != nil {
		t.Fatalf("re-decode failed: %v", err)
	}
	if enc2 := PT(&m2).Append(nil); !bytes.Equal(enc, enc2) {
		t.Fatalf("re-encode differs:\n% x\n% x", enc, enc2)
	}
}

func FuzzChallengeRequest(f *testing.F) {
	f.Add((&ChallengeRequest{ConnectionID: 1, MyTimestamp: 2, ProtocolVersion: 13}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[ChallengeRequest](t, b) })
}

func FuzzChallengeReply(f *testing.F) {
	f.Add((&ChallengeReply{ConnectionID: 1, Challenge: 2, HasYourTimestamp: true, YourTimestamp: 3, ProtocolVersion: 13}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[ChallengeReply](t, b) })
}

func FuzzConnectRequest(f *testing.F) {
	f.Add((&ConnectRequest{ClientConnectionID: 1, Challenge: 2, Cert: &CertSigned{Cert: []byte{8, 1}},
		Crypt: &CryptInfoSigned{Info: []byte{8, 1}, Signature: []byte{1}}, HasIdentityString: true, IdentityString: "str:x"}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[ConnectRequest](t, b) })
}

func FuzzConnectOK(f *testing.F) {
	f.Add((&ConnectOK{ClientConnectionID: 1, ServerConnectionID: 0x10001, Cert: &CertSigned{Cert: []byte{8, 1}},
		Crypt: &CryptInfoSigned{Info: []byte{8, 1}, Signature: []byte{1}}}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[ConnectOK](t, b) })
}

func FuzzConnectionClosed(f *testing.F) {
	f.Add((&ConnectionClosed{ToConnectionID: 1, FromConnectionID: 2, Debug: "x", ReasonCode: 1000}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[ConnectionClosed](t, b) })
}

func FuzzNoConnection(f *testing.F) {
	f.Add((&NoConnection{FromConnectionID: 1, ToConnectionID: 2}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[NoConnection](t, b) })
}

func FuzzCert(f *testing.F) {
	f.Add((&Cert{KeyType: 1, KeyData: make([]byte, 32), AppIDs: []uint32{0}, HasIdentityString: true, IdentityString: "ip:::1"}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[Cert](t, b) })
}

func FuzzCryptInfo(f *testing.F) {
	f.Add((&CryptInfo{KeyType: 1, KeyData: make([]byte, 32), Nonce: 5, ProtocolVersion: 13, Ciphers: []uint32{2}}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[CryptInfo](t, b) })
}

func FuzzIdentityLegacyBinary(f *testing.F) {
	f.Add((&IdentityLegacyBinary{HasSteamID: true, SteamID: 76561197960287930}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[IdentityLegacyBinary](t, b) })
}

func FuzzStats(f *testing.F) {
	f.Add([]byte{0x18, 0x06})
	f.Add([]byte{0x0A, 0x00, 0x18, 0x02})
	f.Add([]byte{0x0a, 0x14, 0x0a, 0x12, 0x08, 0xef, 0x03, 0x10, 0xd8, 0x5b, 0x18, 0xe0, 0x03, 0x20, 0xb9, 0x58, 0x28, 0x00, 0x30, 0x03, 0x38, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[Stats](t, b) })
}
