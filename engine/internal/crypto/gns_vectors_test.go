package crypto

import (
	"bufio"
	"bytes"
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"godotsteam-sockets/engine/internal/wire"
)

// loadVectors reads testdata/gns_kdf_client.txt: "key = value" lines
// measured from a real GNS connection (client side).
func loadVectors(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/gns_kdf_client.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<16)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		k, val, ok := strings.Cut(line, " = ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		v[k] = val
	}
	return v
}

func hx(t *testing.T, v map[string]string, k string) []byte {
	t.Helper()
	s, ok := v[k]
	if !ok {
		t.Fatalf("vector %s missing", k)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("%s: %v", k, err)
	}
	return b
}

func num(t *testing.T, v map[string]string, k string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(v[k], 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", k, err)
	}
	return n
}

// TestGNSMeasuredKeySchedule checks the whole key schedule and the AEAD
// against values measured from unmodified GNS peers.
func TestGNSMeasuredKeySchedule(t *testing.T) {
	v := loadVectors(t)
	priv, err := ecdh.X25519().NewPrivateKey(hx(t, v, "x25519_private_local"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(priv.PublicKey().Bytes(), hx(t, v, "x25519_public_local")) {
		t.Fatal("public key does not match the private key")
	}
	shared, err := SharedSecret(priv, hx(t, v, "x25519_public_remote"))
	if err != nil {
		t.Fatal(err)
	}
	if pm := sha256.Sum256(shared); !bytes.Equal(pm[:], hx(t, v, "premaster")) {
		t.Fatalf("premaster %x", pm)
	}
	// This dump is from the client: local = client, remote = server.
	in := KDFInput{
		Shared:          shared,
		NonceServer:     num(t, v, "nonce_remote"),
		NonceClient:     num(t, v, "nonce_local"),
		ConnIDClient:    uint32(num(t, v, "conn_id_local")),
		ConnIDServer:    uint32(num(t, v, "conn_id_remote")),
		CertServer:      hx(t, v, "cert_remote"),
		CertClient:      hx(t, v, "cert_local"),
		CryptInfoServer: hx(t, v, "crypt_info_remote"),
		CryptInfoClient: hx(t, v, "crypt_info_local"),
	}
	km, err := DeriveKeys(in)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"c->s key", km.KeyClientToServer[:], hx(t, v, "block1_key_send")},
		{"s->c key", km.KeyServerToClient[:], hx(t, v, "block2_key_recv")},
		{"c->s iv", km.IVClientToServer[:], hx(t, v, "block3_iv_send")[:12]},
		{"s->c iv", km.IVServerToClient[:], hx(t, v, "block4_iv_recv")[:12]},
	}
	for _, c := range checks {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s = %x want %x", c.name, c.got, c.want)
		}
	}
	send, _ := NewDirection(km.KeyClientToServer, km.IVClientToServer, false)
	recv, _ := NewDirection(km.KeyServerToClient, km.IVServerToClient, false)
	for i := 1; ; i++ {
		k := fmt.Sprintf("SEND%d_", i)
		if _, ok := v[k+"pkt_num"]; !ok {
			if i < 3 {
				t.Fatal("too few SEND vectors")
			}
			break
		}
		got := send.Seal(nil, hx(t, v, k+"plaintext"), num(t, v, k+"pkt_num"))
		if !bytes.Equal(got, hx(t, v, k+"ciphertext+tag")) {
			t.Errorf("%s: sealed %x", k, got)
		}
	}
	for i := 1; ; i++ {
		k := fmt.Sprintf("RECV%d_", i)
		if _, ok := v[k+"pkt_num"]; !ok {
			if i < 3 {
				t.Fatal("too few RECV vectors")
			}
			break
		}
		got, err := recv.Open(nil, hx(t, v, k+"ciphertext+tag"), num(t, v, k+"pkt_num"))
		if err != nil || !bytes.Equal(got, hx(t, v, k+"plaintext")) {
			t.Errorf("%s: opened %x %v", k, got, err)
		}
	}
}

// TestGNSCertAndCryptInfoEncoding decodes GNS's own cert and crypt-info
// bytes and re-encodes them byte for byte: our encoder emits the same
// field order, so our certs look like GNS's.
func TestGNSCertAndCryptInfoEncoding(t *testing.T) {
	v := loadVectors(t)
	for _, k := range []string{"cert_local", "cert_remote"} {
		raw := hx(t, v, k)
		var c wire.Cert
		if err := c.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		if c.KeyType != wire.KeyTypeEd25519 || len(c.KeyData) != 32 || c.IdentityString != "ip:::1" ||
			len(c.AppIDs) != 1 || c.AppIDs[0] != 0 || !c.HasLegacyIdentityBinary {
			t.Fatalf("%s: %+v", k, c)
		}
		if re := c.Append(nil); !bytes.Equal(re, raw) {
			t.Errorf("%s re-encoded differently:\n%x\n%x", k, re, raw)
		}
		// Our own localhost cert has the same layout.
		mine, err := NewUnsignedCert(Identity{String: "ip:::1", LegacyBinary: c.LegacyIdentityBinary}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(mine.Signed.Cert) != len(raw) || !bytes.Equal(mine.Signed.Cert[36:], raw[36:]) {
			t.Errorf("our cert %x differs from GNS layout %x", mine.Signed.Cert, raw)
		}
	}
	for _, k := range []string{"crypt_info_local", "crypt_info_remote"} {
		raw := hx(t, v, k)
		var ci wire.CryptInfo
		if err := ci.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		if ci.KeyType != 1 || ci.ProtocolVersion != 13 || len(ci.Ciphers) != 1 || ci.Ciphers[0] != wire.CipherAES256GCM {
			t.Fatalf("%s: %+v", k, ci)
		}
		if re := ci.Append(nil); !bytes.Equal(re, raw) {
			t.Errorf("%s re-encoded differently", k)
		}
	}
}
