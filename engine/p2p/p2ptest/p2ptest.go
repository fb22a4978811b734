// Package p2ptest gives tests outside engine/p2p a ready P2P engine: a node
// logged in to a rendezvous service and an engine.Sockets that uses it.
package p2ptest

import (
	"context"
	"testing"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
)

// Node starts a node with cfg and waits (up to 10 s) until it is logged in;
// t.Cleanup closes it.
func Node(t testing.TB, cfg p2p.Config) *p2p.Node {
	t.Helper()
	n, err := p2p.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// Engine starts a logged-in node (see Node) and returns an engine.Sockets
// with the node as its P2P backend. Both are closed by t.Cleanup.
func Engine(t testing.TB, cfg p2p.Config) (*engine.Sockets, *p2p.Node) {
	t.Helper()
	n := Node(t, cfg)
	s := engine.NewSockets(engine.Options{})
	t.Cleanup(s.Close)
	if err := s.SetP2PBackend(n.EngineBackend()); err != nil {
		t.Fatal(err)
	}
	return s, n
}
