package engine

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

// Resource limits (Options.Max*): each one, when exceeded, fails cleanly
// with ErrLimitExceeded at the API or a ConnectionClosed (EndMiscGeneric)
// to the refused peer, and frees up again when objects go away.

func TestLimitMaxConnections(t *testing.T) {
	n := newNode(t, Options{MaxConnections: 4})
	a1, a2, ok := n.s.CreateSocketPair(false, Identity{}, Identity{})
	b1, b2, ok2 := n.s.CreateSocketPair(false, Identity{}, Identity{})
	if !ok || !ok2 {
		t.Fatal("two pairs within the limit of 4 connections failed")
	}
	if _, _, ok := n.s.CreateSocketPair(false, Identity{}, Identity{}); ok {
		t.Fatal("a fifth and sixth connection were created past MaxConnections=4")
	}
	if _, err := n.s.ConnectByIPAddress(mustAddr("127.0.0.1:9"), nil); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("connect past the limit: err %v, want ErrLimitExceeded", err)
	}
	// A failed pair must not leak its first half: closing one pair frees
	// exactly two slots.
	n.s.CloseConnection(a1, 0, "", false)
	n.s.CloseConnection(a2, 0, "", false)
	waitUntil(t, 5*time.Second, "slots freed by closing a pair", func() bool {
		c1, c2, ok := n.s.CreateSocketPair(false, Identity{}, Identity{})
		if ok {
			n.s.CloseConnection(c1, 0, "", false)
			n.s.CloseConnection(c2, 0, "", false)
		}
		return ok
	})
	_, _ = b1, b2
}

func TestLimitMaxListenSocketsAndPollGroups(t *testing.T) {
	n := newNode(t, Options{MaxListenSockets: 2, MaxPollGroups: 2})
	l1, _ := n.listen("127.0.0.1:0")
	n.listen("127.0.0.1:0")
	if h, err := n.s.CreateListenSocketIP(mustAddr("127.0.0.1:0"), nil); !errors.Is(err, ErrLimitExceeded) || h != InvalidHandle {
		t.Fatalf("third listen socket: %d %v, want ErrLimitExceeded", h, err)
	}
	n.s.CloseListenSocket(l1)
	n.listen("127.0.0.1:0") // the slot is free again

	g1, g2 := n.s.CreatePollGroup(), n.s.CreatePollGroup()
	if g1 == InvalidHandle || g2 == InvalidHandle {
		t.Fatal("poll groups within the limit failed")
	}
	if g := n.s.CreatePollGroup(); g != InvalidHandle {
		t.Fatalf("third poll group %d past MaxPollGroups=2", g)
	}
	n.s.DestroyPollGroup(g1)
	if g := n.s.CreatePollGroup(); g == InvalidHandle {
		t.Fatal("no poll group after destroying one")
	}
}

// refusedClient connects and expects the server's refusal with debug text.
func refusedClient(t *testing.T, cli *node, a netip.AddrPort, debug string) {
	t.Helper()
	h := cli.connect(a)
	ev := cli.waitState(h, StateClosedByPeer, 5*time.Second)
	if ev.Info.EndReason != EndMiscGeneric || ev.Info.EndDebug != debug {
		t.Fatalf("refused client: end %d %q, want %d %q", ev.Info.EndReason, ev.Info.EndDebug, EndMiscGeneric, debug)
	}
}

func TestLimitConnectionsPerListenSocket(t *testing.T) {
	srv, cli := newNode(t, Options{MaxConnectionsPerListenSocket: 2}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	for i := 0; i < 2; i++ {
		cli.connect(a)
		ev := srv.waitState(0, StateConnecting, 5*time.Second)
		if r := srv.s.AcceptConnection(ev.Conn); r != ResultOK {
			t.Fatalf("accept %d: %v", i, r)
		}
	}
	refusedClient(t, cli, a, refusedDebugServerFull)
	if got := srv.s.Counters().Refused; got < 1 {
		t.Fatalf("Refused counter %d", got)
	}
	if n := countIncoming(srv); n != 2 {
		t.Fatalf("server saw %d incoming connections, want 2", n)
	}
}

func countIncoming(n *node) int {
	n.pump()
	k := 0
	for _, e := range n.events {
		if e.OldState == StateNone && e.Info.State == StateConnecting {
			k++
		}
	}
	return k
}

func TestLimitPendingConnections(t *testing.T) {
	srv, cli := newNode(t, Options{MaxPendingConnections: 2}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	cli.connect(a)
	first := srv.waitState(0, StateConnecting, 5*time.Second)
	cli.connect(a)
	srv.waitState(0, StateConnecting, 5*time.Second)
	// Two unaccepted connections: the third is refused.
	refusedClient(t, cli, a, refusedDebugTooManyPending)
	// Accepting one makes room for another pending one.
	if r := srv.s.AcceptConnection(first.Conn); r != ResultOK {
		t.Fatalf("accept: %v", r)
	}
	h := cli.connect(a)
	srv.waitState(0, StateConnecting, 5*time.Second)
	if info, _ := cli.s.ConnectionInfo(h); info.State == StateClosedByPeer {
		t.Fatalf("client refused after a pending slot was freed: %+v", info)
	}
}

func TestLimitInstanceConnectionsRefuseIncoming(t *testing.T) {
	srv, cli := newNode(t, Options{MaxConnections: 1}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	cli.connect(a)
	srv.waitState(0, StateConnecting, 5*time.Second)
	refusedClient(t, cli, a, refusedDebugTooManyInstance)
}

func TestResolveLimits(t *testing.T) {
	got := resolveLimits(Options{MaxConnections: 1 << 30, MaxPollGroups: -5, MaxListenSockets: 3})
	want := limits{conns: hardMaxConnections, connsPerListen: defaultMaxConnsPerListen,
		pendingPerListen: defaultMaxPendingPerListen, listens: 3, groups: defaultMaxPollGroups}
	if got != want {
		t.Fatalf("resolveLimits = %+v, want %+v", got, want)
	}
}
