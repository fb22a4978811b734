package rendezvous_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/internal/proto"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/engine/p2p/token"
)

var secret = []byte("test-secret-0123456789")

func startServer(t testing.TB, cfg rendezvous.Config) *rendezvous.Server {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	s, err := rendezvous.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type inbox struct {
	mu   sync.Mutex
	msgs []string
	ch   chan struct{}
}

func newInbox() *inbox { return &inbox{ch: make(chan struct{}, 1000)} }

func (b *inbox) add(from string, data []byte) {
	b.mu.Lock()
	b.msgs = append(b.msgs, from+"|"+string(data))
	b.mu.Unlock()
	b.ch <- struct{}{}
}

func (b *inbox) wait(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		b.mu.Lock()
		for _, m := range b.msgs {
			if m == want {
				b.mu.Unlock()
				return
			}
		}
		b.mu.Unlock()
		select {
		case <-b.ch:
		case <-deadline:
			t.Fatalf("never received %q; got %v", want, b.msgs)
		}
	}
}

func startClient(t testing.TB, cfg signaling.Config) *signaling.Client {
	t.Helper()
	c, err := signaling.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitSession(t testing.TB, c *signaling.Client) signaling.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.WaitSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDevLoginAndSignaling(t *testing.T) {
	srv := startServer(t, rendezvous.Config{Dev: true})
	boxA, boxB := newInbox(), newInbox()
	a := startClient(t, signaling.Config{Addr: srv.Addr().String(), OnSignal: boxA.add})
	b := startClient(t, signaling.Config{Addr: srv.Addr().String(), SteamID: ca.SteamIDBase + 77, OnSignal: boxB.add})
	sa, sb := waitSession(t, a), waitSession(t, b)

	if sb.SteamID != ca.SteamIDBase+77 || sb.Identity != ca.IdentityString(ca.SteamIDBase+77) {
		t.Fatalf("requested identity not granted: %+v", sb)
	}
	if !ca.ValidSteamID(sa.SteamID) || sa.SteamID == sb.SteamID {
		t.Fatalf("allocated identity %d", sa.SteamID)
	}
	// Certificates verify against the announced CA key and bind the identity.
	store := ca.NewTrustStore(srv.CAPublicKey())
	v, err := store.Verify(sa.Cert, ca.VerifyParams{ExpectSteamID: sa.SteamID})
	if err != nil || !v.PublicKey.Equal(sa.PrivateKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("cert: %v", err)
	}
	// TURN + STUN servers announced.
	if len(sa.ICEServers) != 2 || sa.ICEServers[1].Username == "" {
		t.Fatalf("ice servers %+v", sa.ICEServers)
	}

	if err := a.SendSignal(sb.Identity, []byte("offer")); err != nil {
		t.Fatal(err)
	}
	if err := b.SendSignal(sa.Identity, []byte("answer")); err != nil {
		t.Fatal(err)
	}
	boxB.wait(t, sa.Identity+"|offer")
	boxA.wait(t, sb.Identity+"|answer")
	// A forward is counted just after queueing, possibly after delivery.
	poll(t, "forwards counted", func() bool { return srv.Stats().SignalsForwarded == 2 })
	if st := srv.Stats(); st.SignalsForwarded != 2 || st.Sessions != 2 || st.LoginsOK != 2 {
		t.Fatalf("stats %+v", st)
	}
	if av, _ := a.Availability(); av != signaling.AvailabilityCurrent {
		t.Fatalf("availability %d", av)
	}
}

func TestUnknownIdentityRefusedAndCounted(t *testing.T) {
	srv := startServer(t, rendezvous.Config{Dev: true, TURN: rendezvous.TURNConfig{Disabled: true}})
	var mu sync.Mutex
	var noPeer []string
	a := startClient(t, signaling.Config{Addr: srv.Addr().String(), OnNoPeer: func(to string) {
		mu.Lock()
		noPeer = append(noPeer, to)
		mu.Unlock()
	}})
	waitSession(t, a)
	if err := a.SendSignal("steamid:76561197960265999", []byte("x")); err != nil {
		t.Fatal(err)
	}
	poll(t, "nopeer notice", func() bool { mu.Lock(); defer mu.Unlock(); return len(noPeer) == 1 })
	if noPeer[0] != "steamid:76561197960265999" {
		t.Fatalf("nopeer for %q", noPeer[0])
	}
	if st := srv.Stats(); st.UnknownIdentity != 1 || st.SignalsForwarded != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestTokenLogin(t *testing.T) {
	srv := startServer(t, rendezvous.Config{TokenSecret: secret, TURN: rendezvous.TURNConfig{Disabled: true}})
	const player = ca.SteamIDBase + 4242
	tok, err := token.Mint(secret, player, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	a := startClient(t, signaling.Config{Addr: srv.Addr().String(), Token: func(context.Context) (string, error) { return tok, nil }})
	if s := waitSession(t, a); s.SteamID != player {
		t.Fatalf("identity %d, want %d", s.SteamID, player)
	}

	// A second client replaying the same token is refused and counted.
	replay := loginRaw(t, srv.Addr().String(), &proto.Msg{Token: tok})
	if replay.T != proto.TError || replay.Code != proto.CodeTokenReplay {
		t.Fatalf("replay answered %+v", replay)
	}
	// No token in production mode.
	if m := loginRaw(t, srv.Addr().String(), &proto.Msg{SteamID: player}); m.Code != proto.CodeBadToken {
		t.Fatalf("anonymous login answered %+v", m)
	}
	// Forged token (other secret).
	forged, _ := token.Mint([]byte("another-secret-entirely"), player, time.Minute)
	if m := loginRaw(t, srv.Addr().String(), &proto.Msg{Token: forged}); m.Code != proto.CodeBadToken {
		t.Fatalf("forged token answered %+v", m)
	}
	st := srv.Stats()
	if st.TokensReplayed != 1 || st.TokensBad != 2 || st.LoginsRefused != 3 || st.LoginsOK != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The refused logins did not disturb the good session.
	if _, ok := a.Session(); !ok {
		t.Fatal("good session lost")
	}
}

func TestBadKeyProofRefused(t *testing.T) {
	srv := startServer(t, rendezvous.Config{Dev: true, TURN: rendezvous.TURNConfig{Disabled: true}})
	m := loginRawWith(t, srv.Addr().String(), &proto.Msg{}, func(l *proto.Msg) { l.Sig[0] ^= 1 })
	if m.Code != proto.CodeBadLogin {
		t.Fatalf("answered %+v", m)
	}
}

// loginRaw performs a login by hand with the fields of extra.
func loginRaw(t *testing.T, addr string, extra *proto.Msg) *proto.Msg {
	return loginRawWith(t, addr, extra, nil)
}

func loginRawWith(t *testing.T, addr string, extra *proto.Msg, mutate func(*proto.Msg)) *proto.Msg {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	hello, err := proto.Read(r, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	l := &proto.Msg{T: proto.TLogin, PubKey: pub, Sig: ed25519.Sign(priv, proto.LoginProof(hello.Challenge, pub)),
		Token: extra.Token, SteamID: extra.SteamID, AppID: extra.AppID}
	if mutate != nil {
		mutate(l)
	}
	b, _ := proto.Encode(l)
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	m, err := proto.Read(r, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFloodDroppedCountedAndDisconnected(t *testing.T) {
	srv := startServer(t, rendezvous.Config{Dev: true, SignalRate: 1, SignalBurst: 5, FloodDisconnect: 50,
		TURN: rendezvous.TURNConfig{Disabled: true}})
	box := newInbox()
	victim := startClient(t, signaling.Config{Addr: srv.Addr().String(), OnSignal: box.add})
	vs := waitSession(t, victim)

	conn, r := rawSession(t, srv.Addr().String())
	defer conn.Close()
	for i := 0; i < 100; i++ {
		b, _ := proto.Encode(&proto.Msg{T: proto.TSignal, To: vs.Identity, Data: []byte("spam")})
		if _, err := conn.Write(b); err != nil {
			break // the service already hung up on us
		}
	}
	// The service says bye(flood) and closes.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var bye *proto.Msg
	for {
		m, err := proto.Read(r, 1<<16)
		if err != nil {
			break
		}
		if m.T == proto.TBye {
			bye = m
		}
	}
	if bye == nil || bye.Code != proto.CodeFlood {
		t.Fatalf("no flood bye: %+v", bye)
	}
	poll(t, "counters", func() bool { st := srv.Stats(); return st.FloodDisconnects == 1 })
	st := srv.Stats()
	if st.SignalsForwarded > 6 || st.FloodDropped < 50 {
		t.Fatalf("stats %+v: burst of 5 (+ refill) should pass, the rest be dropped", st)
	}
	// The victim still works.
	if _, ok := victim.Session(); !ok {
		t.Fatal("victim lost its session")
	}
}

func rawSession(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	hello, err := proto.Read(r, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	b, _ := proto.Encode(&proto.Msg{T: proto.TLogin, PubKey: pub, Sig: ed25519.Sign(priv, proto.LoginProof(hello.Challenge, pub))})
	conn.Write(b)
	if m, err := proto.Read(r, 1<<16); err != nil || m.T != proto.TWelcome {
		t.Fatalf("login: %v %+v", err, m)
	}
	return conn, r
}

func TestHostileFramesCountedAndClosed(t *testing.T) {
	srv := startServer(t, rendezvous.Config{Dev: true, MaxFrame: 1024, TURN: rendezvous.TURNConfig{Disabled: true}})
	cases := map[string][]byte{
		"oversize":  binary.BigEndian.AppendUint32(nil, 1<<20),
		"not json":  append(binary.BigEndian.AppendUint32(nil, 5), []byte("hello")...),
		"zero size": binary.BigEndian.AppendUint32(nil, 0),
	}
	for name, frame := range cases {
		conn, r := rawSession(t, srv.Addr().String())
		conn.Write(frame)
		conn.Write(bytes.Repeat([]byte{'x'}, 100))
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, err := proto.Read(r, 1<<16); err != nil {
				if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
					t.Fatalf("%s: service kept the connection open", name)
				}
				break
			}
		}
		conn.Close()
	}
	poll(t, "sessions gone", func() bool { return srv.Stats().Sessions == 0 })
	st := srv.Stats()
	if st.Oversize != 2 || st.Malformed != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestServiceRestartClientsLogInAgain(t *testing.T) {
	caKey, _ := ca.GenerateAuthority()
	srv := startServer(t, rendezvous.Config{Dev: true, CA: caKey, TURN: rendezvous.TURNConfig{Disabled: true}})
	addr := srv.Addr().String()
	boxB := newInbox()
	a := startClient(t, signaling.Config{Addr: addr, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	b := startClient(t, signaling.Config{Addr: addr, OnSignal: boxB.add, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	sa, sb := waitSession(t, a), waitSession(t, b)

	srv.Close()
	poll(t, "clients notice the outage", func() bool {
		_, okA := a.Session()
		_, okB := b.Session()
		return !okA && !okB
	})
	if av, _ := a.Availability(); av == signaling.AvailabilityCurrent {
		t.Fatal("still CURRENT while the service is down")
	}
	if err := a.SendSignal(sb.Identity, []byte("lost")); !errors.Is(err, signaling.ErrNotLoggedIn) {
		t.Fatalf("send while down: %v", err)
	}

	srv2 := startServer(t, rendezvous.Config{Dev: true, CA: caKey, Listen: addr, TURN: rendezvous.TURNConfig{Disabled: true}})
	sa2, sb2 := waitSession(t, a), waitSession(t, b)
	if sa2.Login != 2 || sb2.Login != 2 {
		t.Fatalf("logins %d %d, want 2", sa2.Login, sb2.Login)
	}
	if sa2.Identity != sa.Identity || sb2.Identity != sb.Identity {
		t.Fatal("identities changed across the restart (dev mode keeps them)")
	}
	if err := a.SendSignal(sb.Identity, []byte("after restart")); err != nil {
		t.Fatal(err)
	}
	boxB.wait(t, sa.Identity+"|after restart")
	if srv2.Stats().LoginsOK != 2 {
		t.Fatalf("stats %+v", srv2.Stats())
	}
}

func TestSameIdentityReplacesOldSession(t *testing.T) {
	srv := startServer(t, rendezvous.Config{Dev: true, TURN: rendezvous.TURNConfig{Disabled: true}})
	id := ca.SteamIDBase + 5
	a := startClient(t, signaling.Config{Addr: srv.Addr().String(), SteamID: id, MinBackoff: time.Hour})
	waitSession(t, a)
	b := startClient(t, signaling.Config{Addr: srv.Addr().String(), SteamID: id})
	waitSession(t, b)
	poll(t, "old session kicked", func() bool { _, ok := a.Session(); return !ok })
	if srv.Stats().Replaced != 1 {
		t.Fatalf("stats %+v", srv.Stats())
	}
}

func TestSessionLimit(t *testing.T) {
	srv := startServer(t, rendezvous.Config{Dev: true, MaxSessions: 1, TURN: rendezvous.TURNConfig{Disabled: true}})
	a := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	waitSession(t, a)
	if m := loginRaw(t, srv.Addr().String(), &proto.Msg{}); m.Code != proto.CodeBusy {
		t.Fatalf("second session answered %+v", m)
	}
}

func TestProductionNeedsSecret(t *testing.T) {
	if _, err := rendezvous.Start(rendezvous.Config{Listen: "127.0.0.1:0"}); err == nil {
		t.Fatal("started in production mode without a token secret")
	}
}
