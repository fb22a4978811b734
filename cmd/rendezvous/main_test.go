package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/engine/p2p/token"
	"godotsteam-sockets/internal/extsvc"
)

const testSecret = "cmd-test-token-secret-0123456789"

// syncBuffer is a bytes.Buffer safe for the command's logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMintToken(t *testing.T) {
	t.Setenv(envTokenSecret, testSecret)
	var out, errOut bytes.Buffer
	const id = ca.SteamIDBase + 1234
	if code := run([]string{"mint-token", "--steamid", strconv.FormatUint(id, 10), "--ttl", "2m"}, &out, &errOut, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	c, err := token.Parse([]byte(testSecret), strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	if c.SteamID != id {
		t.Fatalf("steamid %d, want %d", c.SteamID, id)
	}
	if d := time.Until(c.Expiry); d < time.Minute || d > 2*time.Minute+time.Second {
		t.Fatalf("expires in %v, want ~2m", d)
	}

	for name, args := range map[string][]string{
		"bad steamid":  {"mint-token", "--steamid", "5"},
		"no steamid":   {"mint-token"},
		"negative ttl": {"mint-token", "--steamid", "76561197960266962", "--ttl", "-1m"},
	} {
		if code := run(args, &out, &errOut, nil); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
	t.Setenv(envTokenSecret, "")
	errOut.Reset()
	if code := run([]string{"mint-token", "--steamid", "76561197960266962"}, &out, &errOut, nil); code != 2 || !strings.Contains(errOut.String(), envTokenSecret) {
		t.Fatalf("without a secret: exit %d, %q", code, errOut.String())
	}
}

func TestProductionNeedsTokenSecret(t *testing.T) {
	t.Setenv(envTokenSecret, "")
	var out, errOut bytes.Buffer
	if code := run([]string{"--listen", "127.0.0.1:0"}, &out, &errOut, nil); code != 2 || !strings.Contains(errOut.String(), envTokenSecret) {
		t.Fatalf("exit %d, %q", code, errOut.String())
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serve runs the command until the test ends.
func serve(t *testing.T, args ...string) *syncBuffer {
	t.Helper()
	logs := &syncBuffer{}
	stop := make(chan struct{})
	done := make(chan int)
	go func() { done <- run(args, logs, logs, stop) }()
	t.Cleanup(func() {
		close(stop)
		if code := <-done; code != 0 {
			t.Errorf("exit %d:\n%s", code, logs.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "listening on") {
		if time.Now().After(deadline) {
			t.Fatalf("did not start:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return logs
}

func login(t *testing.T, addr string, steamID uint64, onSignal func(string, []byte)) (*signaling.Client, signaling.Session) {
	t.Helper()
	c, err := signaling.Start(signaling.Config{Addr: addr, OnSignal: onSignal, Token: func(context.Context) (string, error) {
		var out, errOut bytes.Buffer
		if code := run([]string{"mint-token", "--steamid", strconv.FormatUint(steamID, 10)}, &out, &errOut, nil); code != 0 {
			t.Errorf("mint-token: %s", errOut.String())
		}
		return strings.TrimSpace(out.String()), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.WaitSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// TestTwoNodesFromTheCommand: two nodes started by the command with the
// same --ca-key file and --broker-redis; players log in with tokens from
// mint-token, one on each node, and signal each other.
func TestTwoNodesFromTheCommand(t *testing.T) {
	redis := extsvc.Redis(t)
	t.Setenv(envTokenSecret, testSecret)
	keyFile := filepath.Join(t.TempDir(), "ca.pem")
	addr1, addr2 := freeAddr(t), freeAddr(t)
	logs1 := serve(t, "--listen", addr1, "--no-turn", "--ca-key", keyFile, "--broker-redis", redis.Addr, "--node-id", "n1", "--broker-prefix", "cmdtest")
	if !strings.Contains(logs1.String(), "created a new CA key") {
		t.Fatalf("first node did not create the CA key:\n%s", logs1.String())
	}
	pemData, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key file mode %v, want 0600", fi.Mode().Perm())
	}
	authority, err := ca.DecodeAuthorityPEM(pemData)
	if err != nil {
		t.Fatal(err)
	}
	logs2 := serve(t, "--listen", addr2, "--no-turn", "--ca-key", keyFile, "--broker-redis", redis.Addr, "--node-id", "n2", "--broker-prefix", "cmdtest")
	if strings.Contains(logs2.String(), "created a new CA key") {
		t.Fatal("second node replaced the shared CA key")
	}

	got := make(chan string, 1)
	c1, s1 := login(t, addr1, ca.SteamIDBase+11, nil)
	c2, s2 := login(t, addr2, ca.SteamIDBase+12, func(from string, data []byte) { got <- from + "|" + string(data) })
	for _, s := range []signaling.Session{s1, s2} {
		if len(s.CAKeys) == 0 || !s.CAKeys[0].Equal(authority.PublicKey()) {
			t.Fatalf("session %s: CA keys %x, want the key from %s", s.Identity, s.CAKeys, keyFile)
		}
	}
	_ = c2
	// Retry: node2's broker subscriber may still be connecting.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := c1.SendSignal(s2.Identity, []byte("offer")); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-got:
			if !strings.HasSuffix(m, "|offer") {
				t.Fatalf("got %q", m)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("signal never crossed the nodes\nnode1:\n%s\nnode2:\n%s", logs1.String(), logs2.String())
		}
	}
}

// External TURN servers need the shared secret: the command refuses to
// start without it and says which variable to set.
func TestExternalTURNNeedsSecret(t *testing.T) {
	t.Setenv(envTURNSecret, "")
	var out, errOut bytes.Buffer
	code := run([]string{"--dev", "--listen", "127.0.0.1:0", "--no-turn", "--turn-external", "turn:relay.example.com:3478"}, &out, &errOut, nil)
	if code != 1 || !strings.Contains(errOut.String(), envTURNSecret) {
		t.Fatalf("exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	code = run([]string{"--dev", "--listen", "127.0.0.1:0", "--no-turn", "--turn-external", "relay.example.com:3478"}, &out, &errOut, nil)
	if code != 1 || !strings.Contains(errOut.String(), "not a stun:") {
		t.Fatalf("exit %d, %q", code, errOut.String())
	}
}
