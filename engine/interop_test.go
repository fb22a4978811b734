package engine

import (
	"bufio"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Interop with unmodified GameNetworkingSockets: GNS's example_chat as a
// server with Go clients, and a Go server with an example_chat client.
// Set GNS_BIN_DIR to the directory holding the example_chat binary.

func gnsBinary(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GNS_BIN_DIR")
	if dir == "" {
		t.Skip("GNS interop: set GNS_BIN_DIR to the directory with GameNetworkingSockets' example_chat binary to run this test")
	}
	p := filepath.Join(dir, "example_chat")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("GNS interop: %v", err)
	}
	requireSNP(t)
	return p
}

// proc is a running example_chat with its output collected line by line.
type proc struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func startGNS(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	// example_chat writes received chat lines with fwrite: make its stdout
	// line-buffered so they reach us as they arrive.
	cmd := exec.Command(bin, args...)
	if sb, err := exec.LookPath("stdbuf"); err == nil {
		cmd = exec.Command(sb, append([]string{"-oL", "-eL", bin}, args...)...)
	}
	cmd.Dir = filepath.Dir(bin)
	if lib := filepath.Join(filepath.Dir(bin), "..", "lib"); dirExists(lib) {
		cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+lib+":"+filepath.Dir(bin)+":"+os.Getenv("LD_LIBRARY_PATH"))
	} else {
		cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+filepath.Dir(bin)+":"+os.Getenv("LD_LIBRARY_PATH"))
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	p := &proc{t: t, cmd: cmd, stdin: stdin, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			t.Logf("[%s] %s", filepath.Base(bin)+" "+args[0], sc.Text())
		}
	}()
	t.Cleanup(func() {
		_ = p.stdin.Close()
		_ = p.cmd.Process.Kill()
		<-p.done
		_ = p.cmd.Wait()
	})
	return p
}

func dirExists(p string) bool { st, err := os.Stat(p); return err == nil && st.IsDir() }

func (p *proc) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("write to example_chat: %v", err)
	}
}

func (p *proc) waitLine(substr string, d time.Duration) string {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for _, l := range p.lines {
			if strings.Contains(l, substr) {
				p.mu.Unlock()
				return l
			}
		}
		p.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	p.t.Fatalf("example_chat never printed %q", substr)
	return ""
}

func freeUDPPort(t *testing.T) uint16 {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return uint16(pc.LocalAddr().(*net.UDPAddr).Port)
}

// waitMessage receives on conn until a message containing substr arrives.
func waitMessage(t *testing.T, n *node, conn Handle, substr string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, m := range n.s.ReceiveMessagesOnConnection(conn, 64) {
			t.Logf("go conn %d got: %q", conn, m.Data)
			if strings.Contains(string(m.Data), substr) {
				return string(m.Data)
			}
		}
		n.pump()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no message containing %q on connection %d", substr, conn)
	return ""
}

func TestInteropGNSServerGoClients(t *testing.T) {
	bin := gnsBinary(t)
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) { interopGNSServer(t, bin, host) })
	}
}

func interopGNSServer(t *testing.T, bin, host string) {
	port := freeUDPPort(t)
	srv := startGNS(t, bin, "server", "--port", strconv.Itoa(int(port)))
	srv.waitLine("Server listening on port", 10*time.Second)

	n := newNode(t, Options{})
	addr := netip.AddrPortFrom(netip.MustParseAddr(host), port)
	c1 := n.connect(addr)
	n.waitState(c1, StateConnected, 10*time.Second)
	waitMessage(t, n, c1, "Welcome, stranger.", 10*time.Second)
	info, _ := n.s.ConnectionInfo(c1)
	if info.Flags&InfoFlagUnencrypted != 0 {
		t.Fatal("GNS connection is unencrypted")
	}
	srv.waitLine("Connection request from", 5*time.Second)

	c2 := n.connect(addr)
	n.waitState(c2, StateConnected, 10*time.Second)
	waitMessage(t, n, c2, "Welcome, stranger.", 10*time.Second)
	waitMessage(t, n, c1, "Hark!  A stranger hath joined", 10*time.Second)

	// Go → GNS → Go: a chat line from c1 is relayed to c2.
	if _, r := n.s.SendMessageToConnection(c1, []byte("hello from go"), SendReliable); r != ResultOK {
		t.Fatal(r)
	}
	waitMessage(t, n, c2, ": hello from go", 10*time.Second)
	if _, r := n.s.SendMessageToConnection(c2, []byte("/nick gopher"), SendReliable); r != ResultOK {
		t.Fatal(r)
	}
	waitMessage(t, n, c2, "Ye shall henceforth be known as gopher", 10*time.Second)
	waitMessage(t, n, c1, "shall henceforth be known as gopher", 10*time.Second)

	// Go client leaves with a reason; the server reports it.
	n.s.CloseConnection(c2, 1000, "gopher leaves", true)
	srv.waitLine("gopher leaves", 10*time.Second)
	waitMessage(t, n, c1, "gopher hath departed", 10*time.Second)

	// Unreliable both ways too: c1 sends an unreliable chat line (relayed
	// reliably by the server), then closes with linger.
	if _, r := n.s.SendMessageToConnection(c1, []byte("unreliable hello"), SendUnreliable); r != ResultOK {
		t.Fatal(r)
	}
	n.s.CloseConnection(c1, 1001, "last one out", true)
	srv.waitLine("closed by peer (1001): last one out", 10*time.Second)
	// (example_chat's own "/quit" shutdown kills the process before its
	// goodbye leaves, even towards GNS clients, so it is not tested here.)
}

func TestInteropGoServerGNSClient(t *testing.T) {
	bin := gnsBinary(t)
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) { interopGoServer(t, bin, host) })
	}
}

func interopGoServer(t *testing.T, bin, host string) {
	n := newNode(t, Options{})
	_, a := n.listen("[::]:0")
	cli := startGNS(t, bin, "client", netip.AddrPortFrom(netip.MustParseAddr(host), a.Port()).String())

	ev := n.waitState(0, StateConnecting, 10*time.Second)
	sc := ev.Conn
	if ev.Info.RemoteAddr.Addr().String() != host {
		t.Fatalf("remote address %v", ev.Info.RemoteAddr)
	}
	if r := n.s.AcceptConnection(sc); r != ResultOK {
		t.Fatal(r)
	}
	n.waitState(sc, StateConnected, 10*time.Second)
	cli.waitLine("Connected to server OK", 10*time.Second)

	// Go → GNS.
	if _, r := n.s.SendMessageToConnection(sc, []byte("greetings from the go server"), SendReliable); r != ResultOK {
		t.Fatal(r)
	}
	cli.waitLine("greetings from the go server", 10*time.Second)
	// GNS → Go.
	cli.send("hello from gns")
	waitMessage(t, n, sc, "hello from gns", 10*time.Second)
	// A larger burst both ways.
	for i := range 50 {
		n.s.SendMessageToConnection(sc, []byte("line "+strconv.Itoa(i)+" "+strings.Repeat("x", 100)), SendReliable)
	}
	cli.waitLine("line 49 ", 15*time.Second)

	// The GNS client quits with linger: we see ClosedByPeer "Goodbye".
	cli.send("/quit")
	ce := n.waitState(sc, StateClosedByPeer, 10*time.Second)
	if ce.Info.EndDebug != "Goodbye" || ce.Info.EndReason != EndAppGeneric {
		t.Fatalf("close %d %q", ce.Info.EndReason, ce.Info.EndDebug)
	}
	n.s.CloseConnection(sc, 0, "", false)
}

// A Go peer with a SteamID identity: GNS sees it in our certificate, both
// as client and as server.
func TestInteropSteamIDIdentity(t *testing.T) {
	bin := gnsBinary(t)
	const sid = 76561197960287930
	t.Run("go server", func(t *testing.T) {
		n := newNode(t, Options{Identity: SteamIDIdentity(sid)})
		_, a := n.listen("[::]:0")
		cli := startGNS(t, bin, "client", "127.0.0.1:"+strconv.Itoa(int(a.Port())))
		ev := n.waitState(0, StateConnecting, 10*time.Second)
		n.s.AcceptConnection(ev.Conn)
		n.waitState(ev.Conn, StateConnected, 10*time.Second)
		cli.waitLine("UDP steamid:76561197960287930@127.0.0.1", 10*time.Second)
		cli.waitLine("Connected to server OK", 10*time.Second)
	})
	t.Run("go client", func(t *testing.T) {
		port := freeUDPPort(t)
		srv := startGNS(t, bin, "server", "--port", strconv.Itoa(int(port)))
		srv.waitLine("Server listening on port", 10*time.Second)
		n := newNode(t, Options{Identity: SteamIDIdentity(sid)})
		c1 := n.connect(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port))
		n.waitState(c1, StateConnected, 10*time.Second)
		waitMessage(t, n, c1, "Welcome, stranger.", 10*time.Second)
		srv.waitLine("Connection request from #", 5*time.Second)
		srv.waitLine("UDP steamid:76561197960287930@127.0.0.1", 5*time.Second)
	})
}

// Reliable delivery through real GNS while our side loses, delays and
// reorders packets in both directions: 100 chat lines from one Go client
// reach the other, in order.
func TestInteropLossy(t *testing.T) {
	bin := gnsBinary(t)
	port := freeUDPPort(t)
	srv := startGNS(t, bin, "server", "--port", strconv.Itoa(int(port)))
	srv.waitLine("Server listening on port", 10*time.Second)
	n := newNode(t, Options{})
	addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
	lossy := []ConfigOption{
		FloatOption(ConfigFakePacketLossSend, 10), FloatOption(ConfigFakePacketLossRecv, 10),
		Int32Option(ConfigFakePacketLagSend, 10), FloatOption(ConfigFakePacketReorderRecv, 10),
		FloatOption(ConfigFakePacketDupRecv, 5),
	}
	c1 := n.connect(addr, lossy...)
	n.waitState(c1, StateConnected, 15*time.Second)
	waitMessage(t, n, c1, "Welcome, stranger.", 15*time.Second)
	c2 := n.connect(addr, lossy...)
	n.waitState(c2, StateConnected, 15*time.Second)
	waitMessage(t, n, c2, "Welcome, stranger.", 15*time.Second)
	const lines = 100
	for i := range lines {
		if _, r := n.s.SendMessageToConnection(c1, []byte("lossy line "+strconv.Itoa(i)), SendReliable); r != ResultOK {
			t.Fatal(r)
		}
	}
	next := 0
	deadline := time.Now().Add(60 * time.Second)
	for next < lines && time.Now().Before(deadline) {
		for _, m := range n.s.ReceiveMessagesOnConnection(c2, 64) {
			s := string(m.Data)
			if i := strings.Index(s, ": lossy line "); i >= 0 {
				if got := s[i+len(": lossy line "):]; got != strconv.Itoa(next) {
					t.Fatalf("line %s arrived, expected %d", got, next)
				}
				next++
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if next != lines {
		t.Fatalf("only %d of %d lines arrived", next, lines)
	}
}

// A Go server refusing a GNS client while it waits: GNS reports our reason.
func TestInteropGoServerRejects(t *testing.T) {
	bin := gnsBinary(t)
	n := newNode(t, Options{})
	_, a := n.listen("127.0.0.1:0")
	cli := startGNS(t, bin, "client", "127.0.0.1:"+strconv.Itoa(int(a.Port())))
	ev := n.waitState(0, StateConnecting, 10*time.Second)
	n.s.CloseConnection(ev.Conn, 1234, "server full", false)
	cli.waitLine("We sought the remote host, yet our efforts were met with defeat.  (server full)", 10*time.Second)
}

// An idle connection stays up: with a 3 s connected timeout on our side,
// our keepalives must be answered by GNS (and GNS's by us).
func TestInteropIdleKeepalive(t *testing.T) {
	bin := gnsBinary(t)
	port := freeUDPPort(t)
	srv := startGNS(t, bin, "server", "--port", strconv.Itoa(int(port)))
	srv.waitLine("Server listening on port", 10*time.Second)
	n := newNode(t, Options{})
	addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
	opts := []ConfigOption{Int32Option(ConfigTimeoutConnected, 3000)}
	c1 := n.connect(addr, opts...)
	c2 := n.connect(addr, opts...)
	n.waitState(c1, StateConnected, 10*time.Second)
	n.waitState(c2, StateConnected, 10*time.Second)
	waitMessage(t, n, c2, "Welcome, stranger.", 10*time.Second)
	time.Sleep(6 * time.Second)
	n.pump()
	for _, e := range n.events {
		if e.Info.State != StateConnecting && e.Info.State != StateConnected {
			t.Fatalf("connection dropped while idle: %s %d %q", stateName(e.Info.State), e.Info.EndReason, e.Info.EndDebug)
		}
	}
	n.s.SendMessageToConnection(c1, []byte("still here"), SendReliable)
	waitMessage(t, n, c2, ": still here", 10*time.Second)
}
