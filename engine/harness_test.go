package engine

import (
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the package if any engine goroutine is still running
// after every test has closed its Sockets.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(5 * time.Second)
		leaked := engineGoroutines()
		for leaked != "" && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			leaked = engineGoroutines()
		}
		if leaked != "" {
			os.Stderr.WriteString("goroutine leak:\n" + leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// engineGoroutines returns the stacks of goroutines running engine code
// (other than the test runner itself).
func engineGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "godotsteam-sockets/engine") && !strings.Contains(g, "TestMain") && !strings.Contains(g, "testing.") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

// node is one Sockets under test plus the events it has produced.
type node struct {
	t      testing.TB
	s      *Sockets
	events []*ConnectionStatusChanged
	used   []bool
}

func newNode(t testing.TB, opts Options) *node {
	t.Helper()
	n := &node{t: t, s: NewSockets(opts)}
	t.Cleanup(n.s.Close)
	return n
}

func (n *node) pump() {
	for _, e := range n.s.PollEvents(nil) {
		if c, ok := e.(*ConnectionStatusChanged); ok {
			n.events = append(n.events, c)
		}
	}
}

// waitState waits for an event putting conn (0 = any) into state, and
// returns it. Events before it are kept for inspection.
func (n *node) waitState(conn Handle, st ConnectionState, d time.Duration) *ConnectionStatusChanged {
	n.t.Helper()
	deadline := time.Now().Add(d)
	for {
		n.pump()
		for len(n.used) < len(n.events) {
			n.used = append(n.used, false)
		}
		for i, e := range n.events {
			if !n.used[i] && (conn == 0 || e.Conn == conn) && e.Info.State == st {
				n.used[i] = true
				return e
			}
		}
		if time.Now().After(deadline) {
			var got []string
			for _, e := range n.events {
				got = append(got, stateName(e.OldState)+"->"+stateName(e.Info.State))
			}
			n.t.Fatalf("timeout waiting for conn %d to reach %s; events: %s", conn, stateName(st), strings.Join(got, ", "))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (n *node) listen(addr string, opts ...ConfigOption) (Handle, netip.AddrPort) {
	n.t.Helper()
	ls, err := n.s.CreateListenSocketIP(netip.MustParseAddrPort(addr), opts)
	if err != nil || ls == 0 {
		n.t.Fatalf("listen %s: %v", addr, err)
	}
	a, ok := n.s.ListenSocketAddress(ls)
	if !ok || a.Port() == 0 {
		n.t.Fatalf("listen address %v %v", a, ok)
	}
	return ls, a
}

func (n *node) connect(addr netip.AddrPort, opts ...ConfigOption) Handle {
	n.t.Helper()
	h, err := n.s.ConnectByIPAddress(addr, opts)
	if err != nil || h == 0 {
		n.t.Fatalf("connect %s: %v", addr, err)
	}
	return h
}

// connectedPair connects client → server over UDP and accepts.
func connectedPair(t testing.TB, srv, cli *node, listenAddr string, connectHost string) (ls, sc, cc Handle) {
	t.Helper()
	ls, a := srv.listen(listenAddr)
	target := netip.AddrPortFrom(netip.MustParseAddr(connectHost), a.Port())
	cc = cli.connect(target)
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	if ev.OldState != StateNone || ev.Info.ListenSocket != ls {
		t.Fatalf("incoming event %+v", ev)
	}
	sc = ev.Conn
	if r := srv.s.AcceptConnection(sc); r != ResultOK {
		t.Fatalf("accept: %v", r)
	}
	srv.waitState(sc, StateConnected, 5*time.Second)
	cli.waitState(cc, StateConnected, 5*time.Second)
	return ls, sc, cc
}

func waitUntil(t testing.TB, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func mustAddr(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
