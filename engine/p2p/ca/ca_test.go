package ca

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

const alice = SteamIDBase + 1001

func mustCA(t testing.TB) *Authority {
	t.Helper()
	a, err := GenerateAuthority()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestKeyIDIsLittleEndianSHA256Prefix(t *testing.T) {
	pub := ed25519.PublicKey(bytes.Repeat([]byte{7}, 32))
	sum := sha256.Sum256(pub)
	want := binary.LittleEndian.Uint64(sum[:8])
	if got := KeyID(pub); got != want {
		t.Fatalf("KeyID = %016x, want %016x", got, want)
	}
}

func TestIssueEncodesGNSFields(t *testing.T) {
	a := mustCA(t)
	pub, _ := mustKey(t)
	now := time.Unix(1_700_000_000, 0)
	signed, err := a.Issue(IssueParams{SteamID: alice, PublicKey: pub, AppIDs: []uint32{480}, NotBefore: now, Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s, err := UnmarshalSigned(signed)
	if err != nil {
		t.Fatal(err)
	}
	if s.CAKeyID != a.KeyID() || !ed25519.Verify(a.PublicKey(), s.Cert, s.CASignature) || s.PrivateKey != nil {
		t.Fatalf("bad wrapper: %+v", s)
	}
	c, err := UnmarshalCert(s.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyType != 1 || !bytes.Equal(c.KeyData, pub) || c.IdentityString != "steamid:76561197960266729" ||
		c.LegacySteamID != alice || c.TimeCreated != 1_700_000_000 || c.TimeExpiry != 1_700_003_600 ||
		len(c.AppIDs) != 1 || c.AppIDs[0] != 480 {
		t.Fatalf("cert fields: %+v", c)
	}
	// Re-encoding the decoded cert gives the same bytes: our encoder is canonical.
	if !bytes.Equal(c.Marshal(), s.Cert) {
		t.Fatal("cert does not round-trip byte-exactly")
	}
	// Legacy binary identity: field 16 fixed64 = tag 0x81 0x01.
	if c.LegacyIdentityBinary[0] != 0x81 || c.LegacyIdentityBinary[1] != 0x01 ||
		binary.LittleEndian.Uint64(c.LegacyIdentityBinary[2:]) != alice {
		t.Fatalf("legacy identity binary = %x", c.LegacyIdentityBinary)
	}
}

func TestVerify(t *testing.T) {
	a := mustCA(t)
	other := mustCA(t)
	pub, _ := mustKey(t)
	now := time.Unix(1_700_000_000, 0)
	issue := func(ca *Authority, id uint64, apps []uint32, lifetime time.Duration) []byte {
		b, err := ca.Issue(IssueParams{SteamID: id, PublicKey: pub, AppIDs: apps, NotBefore: now, Lifetime: lifetime})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := issue(a, alice, []uint32{0}, time.Hour)

	forgedSig := func() []byte {
		s, _ := UnmarshalSigned(good)
		s.CASignature[5] ^= 1
		return s.Marshal()
	}()
	forgedBody := func() []byte { // identity swapped after signing
		s, _ := UnmarshalSigned(good)
		c, _ := UnmarshalCert(s.Cert)
		c.IdentityString = IdentityString(alice + 1)
		s.Cert = c.Marshal()
		return s.Marshal()
	}()
	selfSigned := func() []byte { // signed by a key claiming the trusted key's ID
		s, _ := UnmarshalSigned(issue(other, alice, []uint32{0}, time.Hour))
		s.CAKeyID = a.KeyID()
		return s.Marshal()
	}()
	unsigned := func() []byte {
		s, _ := UnmarshalSigned(good)
		s.CAKeyID, s.CASignature = 0, nil
		return s.Marshal()
	}()

	store := NewTrustStore(a.PublicKey())
	tests := []struct {
		name   string
		signed []byte
		params VerifyParams
		ok     bool
	}{
		{"good", good, VerifyParams{Now: now}, true},
		{"good with expected identity", good, VerifyParams{Now: now, ExpectSteamID: alice}, true},
		{"identity mismatch", good, VerifyParams{Now: now, ExpectSteamID: alice + 1}, false},
		{"expired", good, VerifyParams{Now: now.Add(2 * time.Hour)}, false},
		{"wrong CA key", issue(other, alice, []uint32{0}, time.Hour), VerifyParams{Now: now}, false},
		{"forged signature", forgedSig, VerifyParams{Now: now}, false},
		{"altered body", forgedBody, VerifyParams{Now: now}, false},
		{"signature by another key under trusted key ID", selfSigned, VerifyParams{Now: now}, false},
		{"unsigned", unsigned, VerifyParams{Now: now}, false},
		{"wrong app", issue(a, alice, []uint32{480}, time.Hour), VerifyParams{Now: now, AppID: 0}, false},
		{"garbage", []byte{0xff, 0xff, 0xff}, VerifyParams{Now: now}, false},
		{"empty", nil, VerifyParams{Now: now}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := store.Verify(tc.signed, tc.params)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if v.SteamID != alice || !v.PublicKey.Equal(pub) || v.Identity != "steamid:76561197960266729" {
					t.Fatalf("verified = %+v", v)
				}
				return
			}
			var ce *CertError
			if !errors.As(err, &ce) || ce.EndReason != EndRemoteBadCert {
				t.Fatalf("err = %v, want *CertError with end reason 4003", err)
			}
		})
	}
}

func TestIssueRefusesBadParams(t *testing.T) {
	a := mustCA(t)
	pub, _ := mustKey(t)
	for name, p := range map[string]IssueParams{
		"zero steamid":  {SteamID: 0, PublicKey: pub, AppIDs: []uint32{0}, Lifetime: time.Hour},
		"zero account":  {SteamID: SteamIDBase, PublicKey: pub, AppIDs: []uint32{0}, Lifetime: time.Hour},
		"short key":     {SteamID: alice, PublicKey: pub[:31], AppIDs: []uint32{0}, Lifetime: time.Hour},
		"no app":        {SteamID: alice, PublicKey: pub, Lifetime: time.Hour},
		"zero lifetime": {SteamID: alice, PublicKey: pub, AppIDs: []uint32{0}},
	} {
		if _, err := a.Issue(p); err == nil {
			t.Errorf("%s: issued", name)
		}
	}
}

func TestRequestSignAndMatchKey(t *testing.T) {
	a := mustCA(t)
	req, priv, err := NewRequest(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := a.SignRequest(req, alice, []uint32{0}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !MatchesKey(signed, priv) {
		t.Fatal("signed cert does not match the requester's key")
	}
	_, otherPriv := mustKey(t)
	if MatchesKey(signed, otherPriv) {
		t.Fatal("signed cert matches an unrelated key")
	}
	v, err := NewTrustStore(a.PublicKey()).Verify(signed, VerifyParams{})
	if err != nil || v.SteamID != alice {
		t.Fatalf("verify: %v %+v", err, v)
	}
	if _, err := a.SignRequest([]byte{0x0a, 0x05, 1}, alice, []uint32{0}, time.Hour); err == nil {
		t.Fatal("signed a malformed request")
	}
}

func TestPEMRoundTrips(t *testing.T) {
	a := mustCA(t)
	b, err := DecodeAuthorityPEM(a.EncodeKeyPEM())
	if err != nil || !b.PublicKey().Equal(a.PublicKey()) {
		t.Fatalf("CA PEM: %v", err)
	}
	pub, _ := mustKey(t)
	signed, _ := a.Issue(IssueParams{SteamID: alice, PublicKey: pub, AppIDs: []uint32{0}, Lifetime: time.Hour})
	got, err := DecodeCertPEM(EncodeCertPEM(signed))
	if err != nil || !bytes.Equal(got, signed) {
		t.Fatalf("cert PEM: %v", err)
	}
	if _, err := DecodeAuthorityPEM([]byte("nope")); err == nil {
		t.Fatal("decoded garbage")
	}
}

func TestParseSteamIdentity(t *testing.T) {
	const gameServer = uint64(1)<<56 | uint64(3)<<52 | 42 // universe 1, type game server, account 42
	for s, ok := range map[string]bool{
		"steamid:76561197960266729": true,
		IdentityString(gameServer):  true,
		"steamid:0":                 false,
		"steamid:76561197960265728": false, // account 0
		"steamid:abc":               false,
		"ip:::1":                    false,
		"steamid:4294967296":        false, // account type 0 (invalid)
	} {
		_, err := ParseSteamIdentity(s)
		if (err == nil) != ok {
			t.Errorf("%s: err=%v want ok=%v", s, err, ok)
		}
	}
}

func FuzzUnmarshalSigned(f *testing.F) {
	a, _ := GenerateAuthority()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	good, _ := a.Issue(IssueParams{SteamID: alice, PublicKey: pub, AppIDs: []uint32{0}, Lifetime: time.Hour})
	f.Add(good)
	f.Add([]byte{})
	store := NewTrustStore(a.PublicKey())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := UnmarshalSigned(b)
		if err == nil {
			_, _ = UnmarshalCert(s.Cert)
		}
		v, err := store.Verify(b, VerifyParams{})
		if err == nil && v.SteamID != alice {
			t.Fatalf("verified a cert for %d that the CA never issued", v.SteamID)
		}
	})
}

func FuzzUnmarshalCert(f *testing.F) {
	c := Cert{KeyType: 1, KeyData: make([]byte, 32), AppIDs: []uint32{1, 2}, IdentityString: "steamid:1", GameserverDatacenterIDs: []uint32{5}}
	f.Add(c.Marshal())
	f.Add([]byte{0x52, 0x02, 0x01, 0x02}) // packed app_ids
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := UnmarshalCert(b)
		if err != nil {
			return
		}
		again, err := UnmarshalCert(c.Marshal())
		if err != nil {
			t.Fatalf("re-encoded cert does not decode: %v", err)
		}
		if !bytes.Equal(again.KeyData, c.KeyData) || again.IdentityString != c.IdentityString || len(again.AppIDs) != len(c.AppIDs) {
			t.Fatal("re-encode changed the cert")
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	a := mustCA(b)
	pub, _ := mustKey(b)
	signed, _ := a.Issue(IssueParams{SteamID: alice, PublicKey: pub, AppIDs: []uint32{0}, Lifetime: time.Hour})
	store := NewTrustStore(a.PublicKey())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := store.Verify(signed, VerifyParams{}); err != nil {
			b.Fatal(err)
		}
	}
}
