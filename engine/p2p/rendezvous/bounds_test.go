package rendezvous_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/internal/proto"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
)

// Connections that never log in hold at most MaxPendingLogins slots; the
// rest are refused at once and counted.
func TestPendingLoginsBounded(t *testing.T) {
	srv := startServer(t, rendezvous.Config{Dev: true, MaxPendingLogins: 4, TURN: rendezvous.TURNConfig{Disabled: true}})
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for i := 0; i < 4; i++ {
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
		if m, err := proto.Read(bufio.NewReader(c), 1<<16); err != nil || m.T != proto.THello {
			t.Fatalf("connection %d: %v %+v", i, err, m)
		}
	}
	for i := 0; i < 6; i++ {
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := proto.Read(bufio.NewReader(c), 1<<16); err == nil || isTimeout(err) {
			t.Fatalf("connection %d over the limit was served (err %v)", i+5, err)
		}
		c.Close()
	}
	if st := srv.Stats(); st.PendingLogins != 4 || st.Refused != 6 {
		t.Fatalf("stats %+v", st)
	}
	for _, c := range idle {
		c.Close()
	}
	idle = nil
	poll(t, "pending slots freed", func() bool { return srv.Stats().PendingLogins == 0 })
	waitSession(t, startClient(t, signaling.Config{Addr: srv.Addr().String()}))
}

// A receiver that stops reading costs the service at most SendQueueBytes:
// signals past it are dropped and counted, the sender is unaffected.
func TestSlowReceiverQueueBounded(t *testing.T) {
	if raceEnabled {
		// ~13 MB of JSON frames must pass to fill the kernel's socket
		// buffers first: seconds normally, far longer under -race.
		t.Skip("runs in the non-race test stage (13 MB through the service)")
	}
	const queue = 64 << 10
	srv := startServer(t, rendezvous.Config{Dev: true, SendQueueBytes: queue, SignalRate: 1e6, SignalBurst: 1e6,
		TURN: rendezvous.TURNConfig{Disabled: true}})
	victimID := ca.IdentityString(ca.SteamIDBase + 4321)
	victim, _ := rawSessionAs(t, srv.Addr().String(), ca.SteamIDBase+4321)
	defer victim.Close()
	_ = victim.(*net.TCPConn).SetReadBuffer(4096) // and never read

	sender, _ := rawSession(t, srv.Addr().String())
	defer sender.Close()
	const n = 1000
	data := bytes.Repeat([]byte{0xAB}, 10000) // ~13 KB of JSON per frame, under MaxFrame
	frame, _ := proto.Encode(&proto.Msg{T: proto.TSignal, To: victimID, Data: data})
	w := bufio.NewWriter(sender)
	for i := 0; i < n; i++ {
		if _, err := w.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for st := srv.Stats(); st.SignalsForwarded+st.QueueDropped+st.UnknownIdentity != n; st = srv.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("not all %d signals processed: %+v", n, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	st := srv.Stats()
	t.Logf("%d signals: %d forwarded (queue + socket buffers), %d dropped, %d bytes queued", n, st.SignalsForwarded, st.QueueDropped, st.QueuedBytes)
	if st.QueueDropped == 0 || st.QueuedBytes > queue {
		t.Fatalf("stats %+v: the victim's queue must stay within %d bytes and the excess be dropped", st, queue)
	}
	if st.Sessions != 2 {
		t.Fatalf("sessions %d: the sender or victim was dropped", st.Sessions)
	}
}

// Signals to identities nobody has are counted one by one, but the sender
// is told at most once a second (the replies are bounded too).
func TestUnknownIdentityRepliesThrottled(t *testing.T) {
	srv := startServer(t, rendezvous.Config{Dev: true, TURN: rendezvous.TURNConfig{Disabled: true}})
	conn, r := rawSession(t, srv.Addr().String())
	defer conn.Close()
	const n = 50
	for i := 0; i < n; i++ {
		b, _ := proto.Encode(&proto.Msg{T: proto.TSignal, To: ca.IdentityString(ca.SteamIDBase + 1_000_000 + uint64(i)), Data: []byte("offer")})
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "all counted", func() bool { return srv.Stats().UnknownIdentity == n })
	// Bye from the client ends the session; count the nopeer frames before it.
	b, _ := proto.Encode(&proto.Msg{T: proto.TPing})
	conn.Write(b)
	notices := 0
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		m, err := proto.Read(r, 1<<16)
		if err != nil {
			t.Fatal(err)
		}
		if m.T == proto.TPong {
			break
		}
		if m.T == proto.TNoPeer {
			notices++
		}
	}
	if notices < 1 || notices > 2 {
		t.Fatalf("%d nopeer notices for %d unknown identities, want 1 (at most one a second)", notices, n)
	}
}

// rawSessionAs logs in by hand (dev mode) as a given SteamID.
func rawSessionAs(t *testing.T, addr string, steamID uint64) (net.Conn, *bufio.Reader) {
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
	b, _ := proto.Encode(&proto.Msg{T: proto.TLogin, SteamID: steamID, PubKey: pub, Sig: ed25519.Sign(priv, proto.LoginProof(hello.Challenge, pub))})
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	if m, err := proto.Read(r, 1<<16); err != nil || m.T != proto.TWelcome {
		t.Fatalf("login: %v %+v", err, m)
	}
	return conn, r
}
