package token

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

var secret = []byte("0123456789abcdef-test-secret")

func TestMintVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	v, err := NewVerifier(VerifierConfig{Secret: secret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(id uint64, exp time.Time) string {
		tok, err := mintAt(secret, id, exp)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mint(76561197960266729, now.Add(time.Minute))
	otherSecret, _ := mintAt([]byte("another-secret-of-16+bytes"), 1, now.Add(time.Minute))
	tampered := strings.Replace(good, "76561197960266729", "76561197960266730", 1)

	tests := []struct {
		name string
		tok  string
		want error
	}{
		{"good", good, nil},
		{"replayed", good, ErrReplayed},
		{"expired", mint(5, now.Add(-time.Second)), ErrExpired},
		{"expires now", mint(5, now), ErrExpired},
		{"too long-lived", mint(5, now.Add(time.Hour)), ErrTooLong},
		{"other secret", otherSecret, ErrBadMAC},
		{"tampered identity", tampered, ErrBadMAC},
		{"garbage", "hello", ErrMalformed},
		{"empty", "", ErrMalformed},
		{"huge", strings.Repeat("a", 10000), ErrMalformed},
		{"wrong prefix", "gst2" + good[4:], ErrMalformed},
	}
	for _, tc := range tests {
		c, err := v.Verify(tc.tok)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if tc.want == nil && c.SteamID != 76561197960266729 {
			t.Errorf("%s: claims = %+v", tc.name, c)
		}
	}
}

func TestReplayCacheBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	v, _ := NewVerifier(VerifierConfig{Secret: secret, MaxRemembered: 3, Now: func() time.Time { return now }})
	for i := 0; i < 3; i++ {
		tok, _ := mintAt(secret, 1, now.Add(time.Duration(i+1)*time.Second))
		if _, err := v.Verify(tok); err != nil {
			t.Fatal(err)
		}
	}
	tok, _ := mintAt(secret, 1, now.Add(time.Minute))
	if _, err := v.Verify(tok); !errors.Is(err, ErrBusy) {
		t.Fatalf("full cache: err = %v, want ErrBusy", err)
	}
	now = now.Add(2 * time.Second) // two of the three expire
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := v.Remembered(); n != 2 {
		t.Fatalf("remembered %d nonces, want 2", n)
	}
}

func TestConcurrentReplayOnlyOneWins(t *testing.T) {
	v, _ := NewVerifier(VerifierConfig{Secret: secret})
	tok, _ := Mint(secret, 9, time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := v.Verify(tok); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d logins with one token, want 1", wins)
	}
}

func TestShortSecretRefused(t *testing.T) {
	if _, err := Mint([]byte("short"), 1, time.Minute); err == nil {
		t.Fatal("minted with a short secret")
	}
	if _, err := NewVerifier(VerifierConfig{Secret: []byte("short")}); err == nil {
		t.Fatal("verifier with a short secret")
	}
}

func FuzzParse(f *testing.F) {
	tok, _ := Mint(secret, 42, time.Minute)
	f.Add(tok)
	f.Add("gst1.1.2.00000000000000000000000000000000.x")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := Parse(secret, s); err != nil {
			return
		}
		i := strings.LastIndexByte(s, '.')
		if s[i+1:] != sign(secret, s[:i]) {
			t.Fatalf("accepted %q whose MAC is not the canonical one", s)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v, _ := NewVerifier(VerifierConfig{Secret: secret, MaxRemembered: b.N + 1})
	toks := make([]string, b.N)
	for i := range toks {
		toks[i], _ = Mint(secret, uint64(i+1), time.Minute)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Verify(toks[i]); err != nil {
			b.Fatal(err)
		}
	}
}

type mapStore struct {
	mu   sync.Mutex
	seen map[string]time.Time
	err  error
}

func (m *mapStore) Claim(nonce string, expiry time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, m.err
	}
	if _, ok := m.seen[nonce]; ok {
		return false, nil
	}
	m.seen[nonce] = expiry
	return true, nil
}

// Two verifiers (two service nodes) sharing a replay store: a token used on
// one is refused on the other; a failing store refuses logins (fail closed).
func TestSharedReplayStore(t *testing.T) {
	store := &mapStore{seen: map[string]time.Time{}}
	a, _ := NewVerifier(VerifierConfig{Secret: secret, Shared: store})
	b, _ := NewVerifier(VerifierConfig{Secret: secret, Shared: store})
	tok, _ := Mint(secret, 7, time.Minute)
	if _, err := a.Verify(tok); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(tok); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replay on the other node: %v, want ErrReplayed", err)
	}
	if len(store.seen) != 1 {
		t.Fatalf("store holds %d nonces", len(store.seen))
	}
	store.err = errors.New("broker down")
	tok2, _ := Mint(secret, 7, time.Minute)
	if _, err := b.Verify(tok2); !errors.Is(err, ErrReplayStore) {
		t.Fatalf("store down: %v, want ErrReplayStore", err)
	}
	store.err = nil
	if _, err := b.Verify(tok2); !errors.Is(err, ErrReplayed) {
		t.Fatalf("a token refused for a store failure is still consumed: %v", err)
	}
}

// TestDocumentedVector checks the package documentation's test vector (its
// MAC was computed independently with Python's hmac module), so a backend
// written in another language can check its minting against it.
func TestDocumentedVector(t *testing.T) {
	const want = "gst1.76561197960265729.1700000000.00112233445566778899aabbccddeeff.FsstrF_fez0FNuxSLmygvgeOxoMTKdK6m80qi9Fvcno"
	nonce := [16]byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	secret := []byte("example-secret-0123456789")
	if got := mintWith(secret, 76561197960265729, time.Unix(1700000000, 0), nonce); got != want {
		t.Fatalf("minted %s\nwant   %s", got, want)
	}
	c, err := Parse(secret, want)
	if err != nil || c.SteamID != 76561197960265729 || c.Expiry.Unix() != 1700000000 {
		t.Fatalf("parse: %+v %v", c, err)
	}
}
