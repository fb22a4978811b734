package rendezvous_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"

	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/ice"
	"godotsteam-sockets/engine/p2p/p2ptest"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/internal/extsvc"
)

const coturnSecret = "coturn-shared-secret-0123456789"

// coturnService starts coturn and a service that hands out credentials for
// it (embedded relay off, so every relay candidate is coturn's).
func coturnService(t *testing.T) (*extsvc.Process, *rendezvous.Server) {
	t.Helper()
	turnProc := extsvc.Coturn(t, coturnSecret)
	srv := startServer(t, rendezvous.Config{Dev: true, TURN: rendezvous.TURNConfig{
		Disabled: true,
		Secret:   []byte(coturnSecret),
		External: []string{"stun:" + turnProc.Addr, "turn:" + turnProc.Addr + "?transport=udp"},
	}})
	return turnProc, srv
}

// turnEntry returns the TURN server entry of a session.
func turnEntry(t *testing.T, s signaling.Session) signaling.ICEServer {
	t.Helper()
	for _, e := range s.ICEServers {
		if len(e.URLs) > 0 && strings.HasPrefix(e.URLs[0], "turn:") {
			return e
		}
	}
	t.Fatalf("no TURN entry in %+v", s.ICEServers)
	return signaling.ICEServer{}
}

// turnClient allocates on addr with the given credentials.
func turnClient(t *testing.T, addr, user, pass string) (*turn.Client, net.PacketConn, error) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: addr, TURNServerAddr: addr, Username: user, Password: pass,
		Conn: conn, LoggerFactory: lf,
	})
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		c.Close()
		conn.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	relay, err := c.AllocateWithContext(ctx)
	if err != nil {
		return c, nil, err
	}
	t.Cleanup(func() { relay.Close() })
	return c, relay, nil
}

// TestCoturnAllocatesWithServiceCredentials: the TURN REST credentials the
// service issues are accepted by a real coturn (use-auth-secret), data is
// relayed between two allocations, and credentials signed with another
// secret are refused.
func TestCoturnAllocatesWithServiceCredentials(t *testing.T) {
	turnProc, srv := coturnService(t)
	a := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	b := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	sa, sb := waitSession(t, a), waitSession(t, b)
	ea, eb := turnEntry(t, sa), turnEntry(t, sb)
	if !strings.HasSuffix(ea.Username, ":"+sa.Identity) || ea.Expires <= time.Now().Unix() {
		t.Fatalf("credentials %+v do not name %s with a future expiry", ea, sa.Identity)
	}
	if st := sa.ICEServers[0]; len(st.URLs) != 1 || st.URLs[0] != "stun:"+turnProc.Addr || st.Username != "" {
		t.Fatalf("STUN entry %+v", st)
	}

	_, relayA, err := turnClient(t, turnProc.Addr, ea.Username, ea.Credential)
	if err != nil {
		t.Fatalf("coturn refused the service's credentials: %v\ncoturn log:\n%s", err, turnProc.Log())
	}
	_, relayB, err := turnClient(t, turnProc.Addr, eb.Username, eb.Credential)
	if err != nil {
		t.Fatalf("second allocation: %v", err)
	}
	if relayA.LocalAddr().String() == relayB.LocalAddr().String() {
		t.Fatal("two allocations share a relayed address")
	}

	// A → coturn → B: B must first permit A's relayed address (and the other
	// way round), as TURN requires.
	msg := []byte("through coturn")
	buf := make([]byte, 1500)
	got := false
	for try := 0; try < 50 && !got; try++ {
		if _, err := relayB.WriteTo([]byte("permit"), relayA.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if _, err := relayA.WriteTo(msg, relayB.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		_ = relayB.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		for {
			n, from, err := relayB.ReadFrom(buf)
			if err != nil {
				break
			}
			if bytes.Equal(buf[:n], msg) {
				if from.String() != relayA.LocalAddr().String() {
					t.Fatalf("datagram from %v, want A's relayed address %v", from, relayA.LocalAddr())
				}
				got = true
				break
			}
		}
	}
	if !got {
		t.Fatalf("data never relayed by coturn\ncoturn log:\n%s", turnProc.Log())
	}

	// Credentials from a service with another secret are refused by coturn.
	forged := startServer(t, rendezvous.Config{Dev: true, TURN: rendezvous.TURNConfig{
		Disabled: true, Secret: []byte("not-the-coturn-secret-at-all"), External: []string{"turn:" + turnProc.Addr},
	}})
	c := startClient(t, signaling.Config{Addr: forged.Addr().String()})
	ef := turnEntry(t, waitSession(t, c))
	if _, _, err := turnClient(t, turnProc.Addr, ef.Username, ef.Credential); err == nil {
		t.Fatal("coturn accepted credentials signed with another secret")
	}
}

// TestCoturnRelayOnlyP2P: two players in relay-only mode connect through
// coturn with the service's credentials; both sides see a relayed path and
// no peer address.
func TestCoturnRelayOnlyP2P(t *testing.T) {
	turnProc, srv := coturnService(t)
	a := startP2PNode(t, p2p.Config{Service: srv.Addr().String(), RelayOnly: true})
	b := startP2PNode(t, p2p.Config{Service: srv.Addr().String(), RelayOnly: true})
	bID, _, _ := b.Identity()
	conns := make(chan *ice.Conn, 1)
	go acceptAll(b, conns)

	cert, _, _ := a.Credentials()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ca, err := a.Dial(ctx, bID, ice.DialParams{ToVirtualPort: 1, FromVirtualPort: -1, Cert: cert})
	if err != nil {
		t.Fatalf("relay-only dial through coturn: %v\ncoturn log:\n%s", err, turnProc.Log())
	}
	var cb *ice.Conn
	select {
	case cb = <-conns:
	case <-ctx.Done():
		t.Fatal("no incoming connection")
	}
	exchange(t, ca, cb, []byte("a to b via coturn"))
	exchange(t, cb, ca, []byte("b to a via coturn"))
	for name, c := range map[string]*ice.Conn{"dialer": ca, "acceptor": cb} {
		p := c.Path()
		if !p.Relayed || p.LocalCandidateType != "relay" || p.RemoteAddr.IsValid() {
			t.Fatalf("%s path %+v: want relayed with no peer address", name, p)
		}
	}
}

func startP2PNode(t *testing.T, cfg p2p.Config) *p2p.Node { return p2ptest.Node(t, cfg) }

// acceptAll accepts every incoming connection (the tests' listen socket).
func acceptAll(n *p2p.Node, conns chan<- *ice.Conn) {
	for in := range n.Incoming() {
		cert, _, _ := n.Credentials()
		c, err := in.Accept(context.Background(), ice.AcceptParams{Cert: cert})
		if err != nil {
			continue
		}
		select {
		case conns <- c:
		default:
			c.Close()
		}
	}
}

// exchange sends msg from x until y receives it intact.
func exchange(t *testing.T, x, y *ice.Conn, msg []byte) {
	t.Helper()
	buf := make([]byte, 1500)
	for try := 0; try < 50; try++ {
		if _, err := x.Write(msg); err != nil {
			t.Fatal(err)
		}
		_ = y.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, err := y.Read(buf); err == nil {
			if !bytes.Equal(buf[:n], msg) {
				t.Fatalf("corrupted datagram %q", buf[:n])
			}
			return
		}
	}
	t.Fatal("datagram never arrived")
}
