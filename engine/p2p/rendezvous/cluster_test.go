package rendezvous_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/ice"
	"godotsteam-sockets/engine/p2p/internal/proto"
	"godotsteam-sockets/engine/p2p/internal/resp"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/engine/p2p/token"
	"godotsteam-sockets/internal/extsvc"
)

// twoNodes starts two service nodes sharing a Redis broker and a CA.
func twoNodes(t testing.TB, redisAddr string, cfg rendezvous.Config) (*rendezvous.Server, *rendezvous.Server) {
	t.Helper()
	if cfg.CA == nil {
		cfg.CA, _ = ca.GenerateAuthority()
	}
	var nodes [2]*rendezvous.Server
	for i, id := range []string{"node1", "node2"} {
		c := cfg
		c.Broker = rendezvous.BrokerConfig{Redis: redisAddr, NodeID: id, Prefix: "test", Lease: cfg.Broker.Lease}
		nodes[i] = startServer(t, c)
	}
	for _, n := range nodes {
		poll(t, "node connected to the broker", func() bool { return n.Stats().Broker.Connected })
	}
	return nodes[0], nodes[1]
}

type noPeerBox struct {
	mu  sync.Mutex
	tos []string
}

func (b *noPeerBox) add(to string) {
	b.mu.Lock()
	b.tos = append(b.tos, to)
	b.mu.Unlock()
}

func (b *noPeerBox) has(to string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, x := range b.tos {
		if x == to {
			return true
		}
	}
	return false
}

// TestTwoNodesShareSignaling: players on different nodes exchange offers,
// answers and candidates; an unknown identity is refused and counted on the
// sender's node; a login on the other node replaces the session; a logout
// makes the identity unknown again.
func TestTwoNodesShareSignaling(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, n2 := twoNodes(t, redis.Addr, rendezvous.Config{Dev: true, TURN: rendezvous.TURNConfig{Disabled: true}})

	boxA, boxB := newInbox(), newInbox()
	noPeerA := &noPeerBox{}
	a := startClient(t, signaling.Config{Addr: n1.Addr().String(), OnSignal: boxA.add, OnNoPeer: noPeerA.add, MinBackoff: time.Hour})
	b := startClient(t, signaling.Config{Addr: n2.Addr().String(), OnSignal: boxB.add})
	sa, sb := waitSession(t, a), waitSession(t, b)

	for _, msg := range []string{"offer", "candidate 1", "candidate 2"} {
		if err := a.SendSignal(sb.Identity, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SendSignal(sa.Identity, []byte("answer")); err != nil {
		t.Fatal(err)
	}
	boxB.wait(t, sa.Identity+"|offer")
	boxB.wait(t, sa.Identity+"|candidate 1")
	boxB.wait(t, sa.Identity+"|candidate 2")
	boxA.wait(t, sb.Identity+"|answer")
	// A node counts a publish when Redis replies, which may come after the
	// other node delivered the signal.
	deadline := time.Now().Add(10 * time.Second)
	for {
		s1, s2 := n1.Stats(), n2.Stats()
		if s1.Broker.Published == 3 && s2.Broker.Received == 3 && s2.SignalsForwarded == 3 &&
			s2.Broker.Published == 1 && s1.Broker.Received == 1 && s1.SignalsForwarded == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats node1 %+v\nnode2 %+v", s1, s2)
		}
		time.Sleep(5 * time.Millisecond)
	}
	s1, s2 := n1.Stats(), n2.Stats()
	if s1.Broker.Channels != 1 || s2.Broker.Channels != 1 {
		t.Fatalf("channels %d %d, want one per logged-in identity", s1.Broker.Channels, s2.Broker.Channels)
	}

	// Nobody has this identity on any node: refused, counted, sender told.
	ghost := ca.IdentityString(ca.SteamIDBase + 999_999)
	if err := a.SendSignal(ghost, []byte("offer")); err != nil {
		t.Fatal(err)
	}
	poll(t, "nopeer for the ghost", func() bool { return noPeerA.has(ghost) })
	if st := n1.Stats(); st.UnknownIdentity != 1 || st.Broker.Published != 3 {
		t.Fatalf("node1 after unknown identity %+v", st)
	}

	// a's identity logs in on node2: node1 closes its session (replaced).
	c := startClient(t, signaling.Config{Addr: n2.Addr().String(), SteamID: sa.SteamID, OnSignal: boxA.add})
	if sc := waitSession(t, c); sc.Identity != sa.Identity {
		t.Fatalf("got %s, want %s", sc.Identity, sa.Identity)
	}
	poll(t, "session on node1 replaced", func() bool { _, ok := a.Session(); return !ok })
	poll(t, "node1 forgets it", func() bool { st := n1.Stats(); return st.Sessions == 0 && st.Broker.Channels == 0 })
	if st := n1.Stats(); st.Replaced != 1 {
		t.Fatalf("node1 %+v", st)
	}
	// Signals for that identity now reach it on node2 (locally there).
	if err := b.SendSignal(sa.Identity, []byte("to the new session")); err != nil {
		t.Fatal(err)
	}
	boxA.wait(t, sb.Identity+"|to the new session")

	// b logs out: a signal from node1 to it is refused.
	b.Close()
	poll(t, "node2 drops b's channel", func() bool { return n2.Stats().Broker.Channels == 1 })
	d := startClient(t, signaling.Config{Addr: n1.Addr().String(), OnNoPeer: noPeerA.add})
	waitSession(t, d)
	if err := d.SendSignal(sb.Identity, []byte("late offer")); err != nil {
		t.Fatal(err)
	}
	poll(t, "nopeer for the logged-out identity", func() bool { return noPeerA.has(sb.Identity) })
	if st := n1.Stats(); st.UnknownIdentity != 2 {
		t.Fatalf("node1 %+v", st)
	}
}

// TestTwoNodesP2PSession: two players on different nodes set up P2P
// sessions through the broker — direct (host candidates) and relay-only
// (each through its own node's embedded relay) — and verify each other's
// certificates from the shared CA.
func TestTwoNodesP2PSession(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, n2 := twoNodes(t, redis.Addr, rendezvous.Config{Dev: true})

	for _, relayOnly := range []bool{false, true} {
		a := startP2PNode(t, p2p.Config{Service: n1.Addr().String(), IncludeLoopback: true, RelayOnly: relayOnly})
		b := startP2PNode(t, p2p.Config{Service: n2.Addr().String(), IncludeLoopback: true, RelayOnly: relayOnly})
		aID, _, _ := a.Identity()
		bID, _, _ := b.Identity()
		conns := make(chan *ice.Conn, 1)
		go func() {
			for in := range b.Incoming() {
				if _, err := b.VerifyPeerCert(in.Cert, aID); err != nil {
					in.Reject(ca.EndRemoteBadCert, err.Error())
					continue
				}
				cert, _, _ := b.Credentials()
				if c, err := in.Accept(context.Background(), ice.AcceptParams{Cert: cert}); err == nil {
					conns <- c
				}
			}
		}()
		cert, _, _ := a.Credentials()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		ac, err := a.Dial(ctx, bID, ice.DialParams{ToVirtualPort: 1, FromVirtualPort: -1, Cert: cert})
		if err != nil {
			cancel()
			t.Fatalf("relayOnly=%v: dial across nodes: %v", relayOnly, err)
		}
		var bc *ice.Conn
		select {
		case bc = <-conns:
		case <-ctx.Done():
			t.Fatalf("relayOnly=%v: no incoming connection", relayOnly)
		}
		cancel()
		if _, err := a.VerifyPeerCert(ac.PeerCert(), bID); err != nil {
			t.Fatalf("relayOnly=%v: certificate from the other node refused: %v", relayOnly, err)
		}
		exchange(t, ac, bc, []byte("node1 player to node2 player"))
		exchange(t, bc, ac, []byte("and back"))
		if p := ac.Path(); p.Relayed != relayOnly {
			t.Fatalf("relayOnly=%v: path %+v", relayOnly, p)
		}
		ac.Close()
		bc.Close()
	}
	if s1, s2 := n1.Stats(), n2.Stats(); s1.Broker.Published == 0 || s2.Broker.Published == 0 {
		t.Fatalf("signaling did not cross the broker both ways: %+v / %+v", s1.Broker, s2.Broker)
	}
}

// TestTokenReplayAcrossNodes: a login token used on one node is refused on
// the other and counted there.
func TestTokenReplayAcrossNodes(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, n2 := twoNodes(t, redis.Addr, rendezvous.Config{TokenSecret: secret, TURN: rendezvous.TURNConfig{Disabled: true}})
	tok, err := token.Mint(secret, ca.SteamIDBase+31, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if m := loginRaw(t, n1.Addr().String(), &proto.Msg{Token: tok}); m.T != proto.TWelcome {
		t.Fatalf("first use answered %+v", m)
	}
	if m := loginRaw(t, n2.Addr().String(), &proto.Msg{Token: tok}); m.Code != proto.CodeTokenReplay {
		t.Fatalf("replay on the other node answered %+v", m)
	}
	if st := n2.Stats(); st.TokensReplayed != 1 || st.LoginsOK != 0 {
		t.Fatalf("node2 %+v", st)
	}
}

// TestBrokerOutage: with Redis gone, each node keeps serving its own
// players, cross-node signals fail fast (nopeer, counted) and token logins
// are refused (the replay check fails closed); when Redis is back, the
// nodes subscribe again by themselves and cross-node signaling resumes.
func TestBrokerOutage(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, n2 := twoNodes(t, redis.Addr, rendezvous.Config{Dev: true, TokenSecret: secret, TURN: rendezvous.TURNConfig{Disabled: true}})
	boxA, boxB, boxC := newInbox(), newInbox(), newInbox()
	noPeer := &noPeerBox{}
	a := startClient(t, signaling.Config{Addr: n1.Addr().String(), OnSignal: boxA.add, OnNoPeer: noPeer.add})
	b := startClient(t, signaling.Config{Addr: n2.Addr().String(), OnSignal: boxB.add})
	c := startClient(t, signaling.Config{Addr: n1.Addr().String(), OnSignal: boxC.add})
	sa, sb, sc := waitSession(t, a), waitSession(t, b), waitSession(t, c)

	port := redis.Port
	redis.Stop()
	poll(t, "nodes notice", func() bool { return !n1.Stats().Broker.Connected && !n2.Stats().Broker.Connected })
	if err := a.SendSignal(sc.Identity, []byte("local still works")); err != nil {
		t.Fatal(err)
	}
	boxC.wait(t, sa.Identity+"|local still works")
	if err := a.SendSignal(sb.Identity, []byte("lost")); err != nil {
		t.Fatal(err)
	}
	poll(t, "nopeer while the broker is down", func() bool { return noPeer.has(sb.Identity) })
	if st := n1.Stats(); st.Broker.Errors == 0 || st.UnknownIdentity != 0 {
		t.Fatalf("node1 during the outage %+v", st)
	}
	tok, _ := token.Mint(secret, ca.SteamIDBase+32, time.Minute)
	if m := loginRaw(t, n1.Addr().String(), &proto.Msg{Token: tok}); m.Code != proto.CodeBusy || !strings.Contains(m.Text, "replay store") {
		t.Fatalf("token login with the broker down answered %+v", m)
	}

	extsvc.RedisOn(t, port)
	poll(t, "nodes reconnect", func() bool { return n1.Stats().Broker.Connected && n2.Stats().Broker.Connected })
	// Subscriptions come back by themselves (the signal may race the
	// resubscription, so retry until it lands).
	deadline := time.Now().Add(10 * time.Second)
	for !hasMsg(boxB, sa.Identity+"|after the outage") {
		if time.Now().After(deadline) {
			t.Fatal("cross-node signaling did not resume")
		}
		if err := a.SendSignal(sb.Identity, []byte("after the outage")); err != nil && !errors.Is(err, signaling.ErrNotLoggedIn) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func hasMsg(b *inbox, want string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.msgs {
		if m == want {
			return true
		}
	}
	return false
}

// TestHostileBrokerMessages: garbage published on a player's channel is
// dropped and counted; the player's session is unaffected.
func TestHostileBrokerMessages(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, n2 := twoNodes(t, redis.Addr, rendezvous.Config{Dev: true, MaxFrame: 1024, TURN: rendezvous.TURNConfig{Disabled: true}})
	box := newInbox()
	a := startClient(t, signaling.Config{Addr: n1.Addr().String(), OnSignal: box.add})
	b := startClient(t, signaling.Config{Addr: n2.Addr().String()})
	sa, sb := waitSession(t, a), waitSession(t, b)

	cl := resp.NewClient(redis.Addr, resp.Options{}, 0)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bad := []string{
		"not json", `{"k":"sig"}`, `{"k":"what","n":"x"}`, `{"k":"sig","n":"x","f":"steamid:1","d":"!!"}`,
		`{"k":"sig","n":"x","f":"` + strings.Repeat("a", 4000) + `"}`, // over MaxMessage (2×1024+1024)
	}
	for _, m := range bad {
		if _, err := cl.Do(ctx, "PUBLISH", "test:id:"+sa.Identity, m); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "malformed counted", func() bool { return n1.Stats().Broker.Malformed == int64(len(bad)) })
	if err := b.SendSignal(sa.Identity, []byte("still fine")); err != nil {
		t.Fatal(err)
	}
	box.wait(t, sb.Identity+"|still fine")
	// Counted just after queueing, so possibly after the client has it.
	poll(t, "forward counted", func() bool { return n1.Stats().SignalsForwarded == 1 })
	if st := n1.Stats(); st.Sessions != 1 || st.Broker.Malformed != int64(len(bad)) {
		t.Fatalf("node1 %+v", st)
	}
}

// TestFloodAcrossNodes: the per-session rate limit applies before the
// broker, so a flood aimed at a player on another node costs the broker at
// most the burst.
func TestFloodAcrossNodes(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, n2 := twoNodes(t, redis.Addr, rendezvous.Config{Dev: true, SignalRate: 1, SignalBurst: 5, FloodDisconnect: 1000,
		TURN: rendezvous.TURNConfig{Disabled: true}})
	box := newInbox()
	victim := startClient(t, signaling.Config{Addr: n2.Addr().String(), OnSignal: box.add})
	vs := waitSession(t, victim)
	conn, r := rawSession(t, n1.Addr().String())
	defer conn.Close()
	const n = 200
	for i := 0; i < n; i++ {
		b, _ := proto.Encode(&proto.Msg{T: proto.TSignal, To: vs.Identity, Data: []byte("offer")})
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := proto.Encode(&proto.Msg{T: proto.TPing})
	conn.Write(b)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		m, err := proto.Read(r, 1<<16)
		if err != nil {
			t.Fatal(err)
		}
		if m.T == proto.TPong { // every signal before the ping was handled
			break
		}
	}
	st := n1.Stats()
	if st.Broker.Published+st.FloodDropped != n || st.Broker.Published > 7 {
		t.Fatalf("node1 %+v: at most the burst (5, plus refill) may reach the broker", st)
	}
	poll(t, "the burst delivered", func() bool { return n2.Stats().SignalsForwarded == st.Broker.Published })
}
