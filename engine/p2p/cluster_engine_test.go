package p2p_test

import (
	"strconv"
	"testing"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/internal/extsvc"
)

// serviceNodes starts two rendezvous nodes sharing a Redis broker and a CA.
func serviceNodes(t *testing.T, turn rendezvous.TURNConfig) (n1, n2 *rendezvous.Server) {
	t.Helper()
	redis := extsvc.Redis(t)
	authority, err := ca.GenerateAuthority()
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*rendezvous.Server
	for _, id := range []string{"node1", "node2"} {
		srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0", CA: authority, TURN: turn,
			Broker: rendezvous.BrokerConfig{Redis: redis.Addr, NodeID: id}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		nodes = append(nodes, srv)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !nodes[0].Stats().Broker.Connected || !nodes[1].Stats().Broker.Connected {
		if time.Now().After(deadline) {
			t.Fatal("nodes did not connect to the broker")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nodes[0], nodes[1]
}

// TestEngineP2PAcrossServiceNodes: two players logged in on different
// service nodes connect through the engine (connectP2P /
// createListenSocketP2P), the handshake signaled through Redis, and
// exchange reliable messages both ways.
func TestEngineP2PAcrossServiceNodes(t *testing.T) {
	n1, n2 := serviceNodes(t, rendezvous.TURNConfig{Disabled: true})
	a := newPlayer(t, n1.Addr().String(), p2p.Config{})
	b := newPlayer(t, n2.Addr().String(), p2p.Config{})
	aConn, bConn := connectPair(t, a, b, nil)
	info, _ := b.s.ConnectionInfo(bConn)
	if info.Identity != a.id || info.Flags&engine.InfoFlagRelayed != 0 {
		t.Fatalf("client info %+v", info)
	}
	transfer(t, b, a, bConn, aConn, 100)
	transfer(t, a, b, aConn, bConn, 100)
	if s1, s2 := n1.Stats(), n2.Stats(); s1.Broker.Published == 0 || s2.Broker.Published == 0 {
		t.Fatalf("handshake did not cross the broker: %+v / %+v", s1.Broker, s2.Broker)
	}
}

// TestEngineP2PAcrossNodesRelayOnlyThroughCoturn: the same across nodes in
// relay-only mode, relayed by an external coturn whose credentials the
// nodes issue (no embedded relay): the scale setup end to end.
func TestEngineP2PAcrossNodesRelayOnlyThroughCoturn(t *testing.T) {
	const secret = "engine-test-coturn-secret-0123"
	turnProc := extsvc.Coturn(t, secret)
	n1, n2 := serviceNodes(t, rendezvous.TURNConfig{Disabled: true, Secret: []byte(secret),
		External: []string{"turn:" + turnProc.Addr + "?transport=udp"}})
	a := newPlayer(t, n1.Addr().String(), p2p.Config{})
	b := newPlayer(t, n2.Addr().String(), p2p.Config{})
	relay := []engine.ConfigOption{engine.Int32Option(engine.ConfigP2PTransportICEEnable, 1)}
	aConn, bConn := connectPair(t, a, b, relay)
	for _, side := range []struct {
		p *player
		c engine.Handle
	}{{a, aConn}, {b, bConn}} {
		info, _ := side.p.s.ConnectionInfo(side.c)
		if info.RemoteAddr.IsValid() || info.Flags&engine.InfoFlagRelayed == 0 {
			t.Fatalf("relay-only across nodes: info %+v", info)
		}
	}
	transfer(t, b, a, bConn, aConn, 50)
	transfer(t, a, b, aConn, bConn, 50)
}

// TestEngineFakeIPAcrossServiceNodes: a player on node2 reaches a player on
// node1 with ConnectByIPAddress to its FakeIP (resolved on node2 through
// Redis, signaled through the broker); the two FakeIPs are distinct, and
// the acceptor on node1 sees the dialer's global FakeIP (its claim checked
// through Redis too).
func TestEngineFakeIPAcrossServiceNodes(t *testing.T) {
	n1, n2 := serviceNodes(t, rendezvous.TURNConfig{Disabled: true})
	a := newPlayer(t, n1.Addr().String(), p2p.Config{})
	b := newPlayer(t, n2.Addr().String(), p2p.Config{})
	ra := requestFakeIP(t, a, 2)
	rb := requestFakeIP(t, b, 1)
	if ra.IP == rb.IP {
		t.Fatalf("players on different nodes got the same FakeIP %s", fakeip.Format(ra.IP))
	}
	ls, err := a.s.CreateListenSocketP2PFakeIP(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	target := fakeAddr(ra, 1)
	bConn, err := b.s.ConnectByIPAddress(target, nil)
	if err != nil {
		t.Fatal(err)
	}
	aConn := acceptedConn(t, a, ls, b.id)
	infoB := waitState(t, b, bConn, engine.StateConnected, false)
	waitState(t, a, aConn, engine.StateConnected, false)
	if infoB.Identity != a.id {
		t.Fatalf("resolved identity %v, want the owner %v", infoB.Identity, a.id)
	}
	transfer(t, b, a, bConn, aConn, 50)
	transfer(t, a, b, aConn, bConn, 50)
	if ap, typ, res := a.s.RemoteFakeIP(aConn); res != engine.ResultOK || typ != fakeip.TypeGlobal || ap != fakeAddr(rb, 0) {
		t.Fatalf("acceptor's RemoteFakeIP %v %v %v, want %v", ap, typ, res, fakeAddr(rb, 0))
	}
	if st := n2.ExtraStats(); st.FakeIPLookups == 0 || st.FakeIPMisses != 0 {
		t.Fatalf("node2 did not resolve node1's FakeIP: %+v", st)
	}
}

// TestEngineHostedServerAcrossServiceNodes: a hosted dedicated server
// logged in on node1 is reached by a client on node2 with
// ConnectToHostedDedicatedServer: node2 issues the ticket from the
// registration node1 shared through Redis.
func TestEngineHostedServerAcrossServiceNodes(t *testing.T) {
	n1, n2 := serviceNodes(t, rendezvous.TURNConfig{})
	port := freeUDPPort(t)
	t.Setenv(engine.EnvSDRListenPort, strconv.Itoa(port))
	server := newPlayer(t, n1.Addr().String(), p2p.Config{ListenPort: port})
	client := newPlayer(t, n2.Addr().String(), p2p.Config{})
	ls, err := server.s.CreateHostedDedicatedServerListenSocket(5, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, _, res := server.s.HostedDedicatedServerAddress(); res == engine.ResultOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server never registered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	h, err := client.s.ConnectToHostedDedicatedServer(server.id, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	sConn := acceptedConn(t, server, ls, client.id)
	waitState(t, client, h, engine.StateConnected, false)
	waitState(t, server, sConn, engine.StateConnected, false)
	transfer(t, client, server, h, sConn, 30)
	transfer(t, server, client, sConn, h, 30)
	if st := n2.ExtraStats(); st.TicketsIssued != 1 || st.HostedPorts != 0 {
		t.Fatalf("node2 %+v: the ticket must come from node1's shared registration", st)
	}
}
