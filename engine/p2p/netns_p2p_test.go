package p2p_test

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/internal/nstest"
	"godotsteam-sockets/engine/p2p/rendezvous"
)

// Players behind NAT routers in their own network namespaces reach each
// other by identity through a rendezvous service on the "public" network:
//
//   - behind two port-preserving (cone) NATs, hole punching works and the
//     path is direct: each sees the other's public (router) address;
//   - behind two symmetric NATs it cannot work, and the connection goes
//     through the service's TURN relay: no peer address is exposed;
//   - in relay-only mode (P2P_Transport_ICE_Enable = relay) even cone NATs
//     go through the relay and no address is exposed;
//   - a service restart makes players log in again (same identities), the
//     connections made before keep working and new ones can be made.
//
// Each player is a child process (role "p2p-player") of this test binary in
// its namespace, driven by lines on stdin; it reports KEY=VALUE lines.
// Messages: 2 lanes × 60 reliable messages of up to ~200 KB, each checked
// byte for byte (and by CRC) and in order per lane by the receiver.

const (
	nsMessagesPerLane = 60
	nsVPort           = 7
)

func TestNetnsP2PChild(t *testing.T) {
	role := nstest.Role()
	if role == "" {
		t.Skip("child role of the P2P network-namespace tests (run by them, not directly)")
	}
	stdin := nstest.NewStdin()
	switch role {
	case "p2p-service":
		srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: os.Getenv("LISTEN")})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		nstest.Report("ADDR", srv.Addr().String())
		_, _ = stdin.Next()
	case "p2p-player":
		nsPlayer(t, stdin)
	default:
		t.Fatalf("unknown role %q", role)
	}
}

// nsPayload is message i of lane `lane` from sender `from`: variable
// sizes, one large segmented message per lane, a CRC at the end.
func nsPayload(from uint64, lane, i int) []byte {
	size := 1 + (i*379)%3000
	if i == nsMessagesPerLane/2 {
		size = 200 << 10
	}
	seed := []byte(fmt.Sprintf("%d/%d/%d|", from, lane, i))
	b := bytes.Repeat(seed, size/len(seed)+1)[:size]
	c := crc32.ChecksumIEEE(b)
	return append(b, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
}

type nsConn struct {
	peer    uint64
	next    [2]int
	reports string // key to report under once complete
}

// nsPlayer runs one player: node + engine; commands:
//
//	connect <steamid> <tag> <relay 0|1>  connect, send the messages, report CONN_<tag>
//	again <tag>                           send the messages again on that connection
//	status <tag>                          report AUTH_<tag>=<availability>
//	quit
func nsPlayer(t *testing.T, stdin *nstest.Stdin) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	n, err := p2p.Start(p2p.Config{Service: os.Getenv("SERVICE"), SteamID: parseU64(os.Getenv("STEAMID"))})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	s := engine.NewSockets(engine.Options{})
	defer s.Close()
	if err := s.SetP2PBackend(n.EngineBackend()); err != nil {
		t.Fatal(err)
	}
	id, _, _ := n.Identity()
	var listenOpts []engine.ConfigOption
	if os.Getenv("RELAY_ONLY") == "1" {
		listenOpts = []engine.ConfigOption{engine.Int32Option(engine.ConfigP2PTransportICEEnable, 1)}
	}
	if _, err := s.CreateListenSocketP2P(nsVPort, listenOpts); err != nil {
		t.Fatal(err)
	}
	nstest.Report("ID", strconv.FormatUint(id, 10))

	cmds := make(chan []string)
	go func() {
		defer close(cmds)
		for {
			line, err := stdin.Next()
			if err != nil {
				return
			}
			cmds <- strings.Fields(line)
		}
	}()
	incoming := map[engine.Handle]*nsConn{}
	accepted := 0
	type pending struct {
		tag  string
		sent bool
	}
	outgoing := map[engine.Handle]*pending{}
	byTag := map[string]engine.Handle{}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case cmd, ok := <-cmds:
			if !ok || len(cmd) == 0 || cmd[0] == "quit" {
				return
			}
			switch cmd[0] {
			case "connect":
				var opts []engine.ConfigOption
				if cmd[3] == "1" {
					opts = []engine.ConfigOption{engine.Int32Option(engine.ConfigP2PTransportICEEnable, 1)}
				}
				h, err := s.ConnectP2P(engine.SteamIDIdentity(parseU64(cmd[1])), nsVPort, opts)
				if err != nil {
					nstest.Report("CONN_"+cmd[2], "fail "+err.Error())
					continue
				}
				outgoing[h] = &pending{tag: cmd[2]}
				byTag[cmd[2]] = h
			case "again":
				h := byTag[cmd[1]]
				info, _ := s.ConnectionInfo(h)
				nstest.Report("AGAIN_"+cmd[1], fmt.Sprintf("state=%d", info.State))
				go sendAll(s, h, id)
			case "status":
				av, msg := n.Availability()
				nstest.Report("AUTH_"+cmd[1], fmt.Sprintf("%d %s", av, strings.ReplaceAll(msg, "\n", " ")))
			}
		case <-tick.C:
		}
		for _, ev := range s.PollEvents(nil) {
			ev, ok := ev.(*engine.ConnectionStatusChanged)
			if !ok {
				continue
			}
			info := ev.Info
			if info.ListenSocket != 0 && info.State == engine.StateConnecting {
				s.AcceptConnection(ev.Conn)
				accepted++
				incoming[ev.Conn] = &nsConn{peer: info.Identity.SteamID, reports: fmt.Sprintf("RECV%d", accepted)}
			}
			if p := outgoing[ev.Conn]; p != nil {
				switch info.State {
				case engine.StateConnected:
					if !p.sent {
						p.sent = true
						nstest.Report("CONN_"+p.tag, "ok "+routeOf(info))
						s.ConfigureConnectionLanes(ev.Conn, 2, []int{0, 0}, []int{1, 1})
						go sendAll(s, ev.Conn, id)
					}
				case engine.StateClosedByPeer, engine.StateProblemDetectedLocally:
					nstest.Report("CONN_"+p.tag, fmt.Sprintf("fail %d %s", info.EndReason, info.EndDebug))
					delete(outgoing, ev.Conn)
				}
			}
		}
		for h, c := range incoming {
			for _, m := range s.ReceiveMessagesOnConnection(h, 64) {
				if m.Lane > 1 || m.Identity.SteamID != c.peer || !bytes.Equal(m.Data, nsPayload(c.peer, m.Lane, c.next[m.Lane])) {
					nstest.Report(c.reports, fmt.Sprintf("corrupt lane %d message %d (%d bytes)", m.Lane, c.next[m.Lane], len(m.Data)))
					t.Fatalf("message corrupted or out of order")
				}
				c.next[m.Lane]++
			}
			if c.next[0] == nsMessagesPerLane && c.next[1] == nsMessagesPerLane {
				info, _ := s.ConnectionInfo(h)
				nstest.Report(c.reports, fmt.Sprintf("%d %d %s", c.peer, 2*nsMessagesPerLane, routeOf(info)))
				// The same messages again (command "again") report under <key>x.
				c.next = [2]int{}
				c.reports += "x"
			}
		}
	}
}

func sendAll(s *engine.Sockets, h engine.Handle, from uint64) {
	for i := 0; i < nsMessagesPerLane; i++ {
		for lane := 0; lane < 2; lane++ {
			for {
				_, r := s.SendMessageOnLane(h, nsPayload(from, lane, i), engine.SendReliable, lane)
				if r != engine.ResultLimitExceeded {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
}

// routeOf renders "relayed=<bool> addr=<addr or none>".
func routeOf(info engine.ConnectionInfo) string {
	addr := "none"
	if info.RemoteAddr.IsValid() {
		addr = info.RemoteAddr.Addr().String()
	}
	return fmt.Sprintf("relayed=%v addr=%s", info.Flags&engine.InfoFlagRelayed != 0, addr)
}

func parseU64(s string) uint64 {
	v, _ := strconv.ParseUint(s, 10, 64)
	return v
}

// route parses a CONN_/RECV report.
type route struct {
	relayed bool
	addr    string
}

func parseRoute(t *testing.T, report string) route {
	t.Helper()
	var r route
	for _, f := range strings.Fields(report) {
		if v, ok := strings.CutPrefix(f, "relayed="); ok {
			r.relayed = v == "true"
		}
		if v, ok := strings.CutPrefix(f, "addr="); ok {
			r.addr = v
		}
	}
	return r
}

// nsGame is the parent's view of a running topology.
type nsGame struct {
	t       *testing.T
	nn      *nstest.NATNet
	service *nstest.Proc
	addr    string
	players []*nstest.Proc
	ids     []string
}

func startNSGame(t *testing.T, pub string, env []string, kinds ...nstest.NAT) *nsGame {
	t.Helper()
	nstest.Skip(t)
	t.Parallel() // own namespaces and subnet per test
	nn := nstest.NewNAT(t, pub, kinds...)
	g := &nsGame{t: t, nn: nn}
	g.startService()
	for i := range kinds {
		p := nn.Start(t, nn.Players[i], "TestNetnsP2PChild", "p2p-player", append([]string{"SERVICE=" + g.addr}, env...)...)
		g.players = append(g.players, p)
	}
	for _, p := range g.players {
		g.ids = append(g.ids, p.Want("ID", 30*time.Second))
	}
	t.Cleanup(func() {
		for _, p := range g.players {
			p.Send("quit")
		}
	})
	return g
}

func (g *nsGame) startService() {
	g.service = g.nn.Start(g.t, g.nn.Hub, "TestNetnsP2PChild", "p2p-service", "LISTEN="+g.nn.HubIP+":27800")
	g.addr = g.service.Want("ADDR", 30*time.Second)
}

// connect makes player a connect to player b and waits until b received
// every message; returns what a and b report about the route.
func (g *nsGame) connect(a, b int, tag string, relayOnly bool, recvKey string) (fromA, fromB route) {
	g.t.Helper()
	r := "0"
	if relayOnly {
		r = "1"
	}
	g.players[a].Send(fmt.Sprintf("connect %s %s %s", g.ids[b], tag, r))
	conn := g.players[a].Want("CONN_"+tag, 60*time.Second)
	if !strings.HasPrefix(conn, "ok ") {
		g.t.Fatalf("player %d could not connect to player %d: %s", a, b, conn)
	}
	recv := g.players[b].Want(recvKey, 60*time.Second)
	want := fmt.Sprintf("%s %d ", g.ids[a], 2*nsMessagesPerLane)
	if !strings.HasPrefix(recv, want) {
		g.t.Fatalf("player %d received %q, want %q...", b, recv, want)
	}
	return parseRoute(g.t, conn), parseRoute(g.t, recv)
}

func TestNetnsP2PDirectThroughConeNATs(t *testing.T) {
	g := startNSGame(t, "10.77.11", nil, nstest.NATCone, nstest.NATCone)
	a, b := g.connect(0, 1, "direct", false, "RECV1")
	if a.relayed || b.relayed {
		t.Fatalf("cone NATs: relayed path (a %+v, b %+v), want direct hole punching", a, b)
	}
	// Each sees the other's public (router) address: the NAT mapping.
	if a.addr != g.nn.PublicIPs[1] || b.addr != g.nn.PublicIPs[0] {
		t.Fatalf("direct path addresses a→%s b→%s, want the routers' %s and %s", a.addr, b.addr, g.nn.PublicIPs[1], g.nn.PublicIPs[0])
	}
	// Relay-only on the same NATs: through the relay, no address exposed.
	a, b = g.connect(0, 1, "relayonly", true, "RECV2")
	if !a.relayed || a.addr != "none" {
		t.Fatalf("relay-only: dialer sees %+v, want relayed with no address", a)
	}
	// The listener did not ask for relay-only, but the dialer sent only
	// relay candidates, so the listener cannot have learned its address.
	if !b.relayed || b.addr != "none" {
		t.Fatalf("relay-only: listener sees %+v, want relayed with no address", b)
	}
}

func TestNetnsP2PRelayThroughSymmetricNATs(t *testing.T) {
	g := startNSGame(t, "10.77.12", nil, nstest.NATSymmetric, nstest.NATSymmetric)
	a, b := g.connect(0, 1, "sym", false, "RECV1")
	if !a.relayed || !b.relayed || a.addr != "none" || b.addr != "none" {
		t.Fatalf("symmetric NATs: a %+v, b %+v: want both relayed, no address", a, b)
	}
}

func TestNetnsP2PRelayOnlyModeNeverExposesAddresses(t *testing.T) {
	// Both players configured relay-only (their listen sockets too).
	g := startNSGame(t, "10.77.13", []string{"RELAY_ONLY=1"}, nstest.NATCone, nstest.NATCone)
	a, b := g.connect(0, 1, "r", true, "RECV1")
	if !a.relayed || !b.relayed || a.addr != "none" || b.addr != "none" {
		t.Fatalf("relay-only: a %+v, b %+v: want both relayed, no address", a, b)
	}
	for i, ip := range g.nn.PublicIPs {
		if a.addr == ip || b.addr == ip {
			t.Fatalf("player %d's public address %s exposed", i, ip)
		}
	}
}

func TestNetnsP2PServiceRestart(t *testing.T) {
	g := startNSGame(t, "10.77.14", nil, nstest.NATCone, nstest.NATCone)
	g.connect(0, 1, "before", false, "RECV1")

	// Stop the service and start it again on the same address.
	g.service.Send("stop")
	g.service.Wait(20 * time.Second)
	statusIs := func(p *nstest.Proc, tag string, want int) bool {
		p.Send("status " + tag)
		v := p.Want("AUTH_"+tag, 10*time.Second)
		f := strings.Fields(v)
		return len(f) > 0 && f[0] == strconv.Itoa(want)
	}
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; !statusIs(g.players[0], fmt.Sprintf("down%d", i), -10); i++ { // RETRYING
		if time.Now().After(deadline) {
			t.Fatal("player 0 never noticed the service went away")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The connection made before the restart still carries messages
	// (it does not need the service once connected).
	g.players[0].Send("again before")
	if st := g.players[0].Want("AGAIN_before", 10*time.Second); st != "state=3" {
		t.Fatalf("old connection after the service stopped: %s", st)
	}
	if recv := g.players[1].Want("RECV1x", 60*time.Second); !strings.HasPrefix(recv, g.ids[0]+" ") {
		t.Fatalf("old connection after the service stopped: received %q", recv)
	}
	g.startService()
	for p := range g.players {
		deadline := time.Now().Add(30 * time.Second)
		for i := 0; !statusIs(g.players[p], fmt.Sprintf("up%d_%d", p, i), 100); i++ { // CURRENT
			if time.Now().After(deadline) {
				g.players[p].Send("status last")
				t.Fatalf("player %d did not log in again: %s", p, g.players[p].Want("AUTH_last", 10*time.Second))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// New connections after the restart (same identities: the players ask
	// the development service for the ones they had).
	a, _ := g.connect(1, 0, "after", false, "RECV1")
	if a.relayed {
		t.Errorf("after restart: relayed path %+v, want direct", a)
	}
}
