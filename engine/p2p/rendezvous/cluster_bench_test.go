package rendezvous_test

import (
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/internal/extsvc"
)

// BenchmarkSignalRoundTrip: one signal there and an answer back between two
// players, on one node (baseline) and on two nodes through Redis.
func BenchmarkSignalRoundTrip(b *testing.B) {
	cfg := rendezvous.Config{Dev: true, SignalRate: 1e9, SignalBurst: 1 << 30, TURN: rendezvous.TURNConfig{Disabled: true}}
	b.Run("one-node", func(b *testing.B) {
		srv := startServer(b, cfg)
		benchRoundTrip(b, srv.Addr().String(), srv.Addr().String())
	})
	b.Run("two-nodes-redis", func(b *testing.B) {
		redis := extsvc.Redis(b)
		n1, n2 := twoNodes(b, redis.Addr, cfg)
		benchRoundTrip(b, n1.Addr().String(), n2.Addr().String())
	})
}

func benchRoundTrip(b *testing.B, addrA, addrB string) {
	answers := make(chan struct{}, 1)
	var bc *signaling.Client
	a := startClient(b, signaling.Config{Addr: addrA, OnSignal: func(string, []byte) { answers <- struct{}{} }})
	waitSession(b, a)
	bc = startClient(b, signaling.Config{Addr: addrB, OnSignal: func(from string, data []byte) { _ = bc.SendSignal(from, data) }})
	sb := waitSession(b, bc)
	offer := make([]byte, 300) // a typical connect request
	// Warm up (and wait until node2's subscription is in place).
	for {
		_ = a.SendSignal(sb.Identity, offer)
		if waitAnswer(answers) {
			break
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := a.SendSignal(sb.Identity, offer); err != nil {
			b.Fatal(err)
		}
		if !waitAnswer(answers) {
			b.Fatal("no answer")
		}
	}
}

func waitAnswer(answers <-chan struct{}) bool {
	select {
	case <-answers:
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}
