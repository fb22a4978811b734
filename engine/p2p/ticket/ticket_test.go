package ticket

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func key(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sample() Ticket {
	now := time.Unix(1_800_000_000, 0)
	return Ticket{AppID: 480, Server: 76561197960265729, Client: 76561197960265730, VirtualPort: 3, POP: 0x646576,
		Routing: netip.MustParseAddrPort("192.0.2.1:27015"), Issued: now, Expiry: now.Add(time.Hour)}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := key(t)
	in := sample()
	b, err := Sign(in, k)
	if err != nil || len(b) != Size {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	got, err := Verify(b, []ed25519.PublicKey{key(t).Public().(ed25519.PublicKey), k.Public().(ed25519.PublicKey)}, in.Issued)
	if err != nil {
		t.Fatal(err)
	}
	in.KeyID = got.KeyID
	if *got != in {
		t.Fatalf("got %+v, want %+v", got, in)
	}
	if !got.Allows(in.Client, in.Server, 3) || got.Allows(in.Client, in.Server, 4) || got.Allows(in.Server, in.Server, 3) {
		t.Fatal("Allows")
	}
	any := sample()
	any.VirtualPort = -1
	b2, _ := Sign(any, k)
	if got, err := Parse(b2); err != nil || !got.Allows(any.Client, any.Server, 99) {
		t.Fatal("any-port ticket")
	}
	v6 := sample()
	v6.Routing = netip.MustParseAddrPort("[2001:db8::1]:9")
	b3, _ := Sign(v6, k)
	if got, _ := Parse(b3); got.Routing != v6.Routing {
		t.Fatalf("v6 routing %s", got.Routing)
	}
}

func TestVerifyRefuses(t *testing.T) {
	k := key(t)
	pub := k.Public().(ed25519.PublicKey)
	in := sample()
	b, _ := Sign(in, k)
	if _, err := Verify(b, []ed25519.PublicKey{key(t).Public().(ed25519.PublicKey)}, in.Issued); !errors.Is(err, ErrSignature) {
		t.Errorf("untrusted key: %v", err)
	}
	if _, err := Verify(b, []ed25519.PublicKey{pub}, in.Expiry); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: %v", err)
	}
	for i := range Size {
		bad := bytes.Clone(b)
		bad[i] ^= 0x40
		if _, err := Verify(bad, []ed25519.PublicKey{pub}, in.Issued); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	if _, err := Parse(b[:Size-1]); !errors.Is(err, ErrMalformed) {
		t.Errorf("short: %v", err)
	}
	if _, err := Sign(in, ed25519.PrivateKey{1}); err == nil {
		t.Error("bad key accepted")
	}
	in.VirtualPort = -2
	if _, err := Sign(in, k); err == nil {
		t.Error("bad virtual port accepted")
	}
}

// TestSeedCorpusPresent checks the committed fuzz seed corpus exists.
func TestSeedCorpusPresent(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		t.Fatalf("seed corpus missing in %s: %v", dir, err)
	}
}

func FuzzParse(f *testing.F) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	b, _ := Sign(sample(), k)
	f.Add(b)
	f.Add([]byte("GSRT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tk, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses re-encodes to the same body.
		again, err := Sign(*tk, k)
		if err != nil {
			t.Fatalf("parsed ticket does not re-sign: %v", err)
		}
		tk2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-signed ticket does not parse: %v", err)
		}
		tk.KeyID = tk2.KeyID
		if *tk2 != *tk {
			t.Fatalf("round trip changed the ticket: %+v -> %+v", tk, tk2)
		}
		_, _ = Verify(data, []ed25519.PublicKey{k.Public().(ed25519.PublicKey)}, time.Now())
	})
}

func BenchmarkVerify(b *testing.B) {
	k := key(b)
	tk, _ := Sign(sample(), k)
	keys := []ed25519.PublicKey{k.Public().(ed25519.PublicKey)}
	now := sample().Issued
	for b.Loop() {
		if _, err := Verify(tk, keys, now); err != nil {
			b.Fatal(err)
		}
	}
}
