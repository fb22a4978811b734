package ca

import (
	"bytes"
	"testing"
)

func FuzzUnmarshalRequest(f *testing.F) {
	f.Add((&Request{Cert: []byte{0x0a, 0x02, 0x01, 0x02}}).Marshal())
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}) // length far past the end
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalRequest(b)
		if err != nil {
			return
		}
		again, err := UnmarshalRequest(r.Marshal())
		if err != nil || !bytes.Equal(again.Cert, r.Cert) {
			t.Fatalf("re-encoded request changed: %v", err)
		}
	})
}

func FuzzDecodePEM(f *testing.F) {
	a, _ := GenerateAuthority()
	f.Add(EncodeCertPEM([]byte{1, 2, 3}))
	f.Add(a.EncodeKeyPEM())
	f.Add([]byte("-----BEGIN STEAMDATAGRAM CERT-----\n!!!\n-----END STEAMDATAGRAM CERT-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if signed, err := DecodeCertPEM(b); err == nil {
			if _, err := DecodeCertPEM(EncodeCertPEM(signed)); err != nil {
				t.Fatalf("re-encoded cert PEM does not decode: %v", err)
			}
		}
		if auth, err := DecodeAuthorityPEM(b); err == nil {
			if len(auth.PublicKey()) != 32 {
				t.Fatal("decoded authority without a 32-byte public key")
			}
		}
	})
}

func FuzzParseSteamIdentity(f *testing.F) {
	f.Add(IdentityString(alice))
	f.Add("steamid:")
	f.Add("steamid:18446744073709551616")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseSteamIdentity(s)
		if err != nil {
			return
		}
		if back, err := ParseSteamIdentity(IdentityString(id)); err != nil || back != id {
			t.Fatalf("%q -> %d does not round-trip (%v)", s, id, err)
		}
	})
}
