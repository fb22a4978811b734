package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/signaling"
)

// TestFakeIPAndHostedFlags: --pop reaches clients, --no-fakeip switches
// FakeIP off, a bad --pop refuses to start.
func TestFakeIPAndHostedFlags(t *testing.T) {
	t.Setenv(envTokenSecret, "")
	var out, errOut bytes.Buffer
	if code := run([]string{"--dev", "--listen", "127.0.0.1:0", "--no-turn", "--pop", "toolong"}, &out, &errOut, nil); code != 1 || !strings.Contains(errOut.String(), "POP code") {
		t.Fatalf("bad --pop: exit %d, %q", code, errOut.String())
	}
	addr := freeAddr(t)
	serve(t, "--dev", "--listen", addr, "--no-turn", "--pop", "fra", "--no-fakeip", "--ticket-lifetime", "10m")
	c, err := signaling.Start(signaling.Config{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.WaitSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.POP != uint32('f')<<16|uint32('r')<<8|uint32('a') {
		t.Fatalf("POP %#x", s.POP)
	}
	if _, err := c.RequestFakeIP(ctx, 1); signaling.ResultOf(err) != signaling.ResultDisabled {
		t.Fatalf("FakeIP with --no-fakeip: %v", err)
	}
	if !c.Supports("hosted") {
		t.Fatal("hosted servers should be on")
	}
}
