package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"godotsteam-sockets/engine/internal/snp"
)

// requireSNP skips data-path tests while engine/internal/snp is still the
// contract placeholder (its SendMessage refuses everything).
func requireSNP(t testing.TB) {
	t.Helper()
	s := snp.NewSession(resolveConnCfg(layered{}).snp(), 13, nowUsec(), func([]byte, int64, int, bool, int64) bool { return true })
	if _, r := s.SendMessage([]byte("probe"), SendReliable, 0, true, nowUsec()); r != snp.ResultOK {
		t.Skip("engine/internal/snp is still the placeholder: data-path test skipped")
	}
}

// recvAll collects messages from conn until n have arrived.
func recvAll(t *testing.T, n *node, conn Handle, want int, d time.Duration) []*Message {
	t.Helper()
	var got []*Message
	deadline := time.Now().Add(d)
	for len(got) < want {
		got = append(got, n.s.ReceiveMessagesOnConnection(conn, want-len(got))...)
		if time.Now().After(deadline) {
			t.Fatalf("received %d of %d messages", len(got), want)
		}
		if len(got) < want {
			time.Sleep(time.Millisecond)
		}
	}
	return got
}

func TestDataBothDirectionsUDP(t *testing.T) {
	requireSNP(t)
	for _, tc := range []struct{ name, listen, host string }{
		{"ipv4", "127.0.0.1:0", "127.0.0.1"},
		{"ipv6", "[::1]:0", "::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, cli := newNode(t, Options{}), newNode(t, Options{})
			// Everything below is queued at once: make room for it.
			for _, n := range []*node{srv, cli} {
				for _, o := range []ConfigOption{Int32Option(ConfigSendBufferSize, 2<<20),
					Int32Option(ConfigSendRateMin, 16<<20), Int32Option(ConfigSendRateMax, 16<<20)} {
					if err := n.s.SetGlobalConfig(o); err != nil {
						t.Fatal(err)
					}
				}
			}
			_, sc, cc := connectedPair(t, srv, cli, tc.listen, tc.host)
			for _, dir := range []struct {
				name     string
				from, to *node
				fc, tc   Handle
			}{{"client->server", cli, srv, cc, sc}, {"server->client", srv, cli, sc, cc}} {
				sizes := []int{0, 1, 100, 1200, 1300, 5000, 64 * 1024, 512 * 1024}
				for i, size := range sizes {
					data := bytes.Repeat([]byte{byte(i + 1)}, size)
					num, r := dir.from.s.SendMessageToConnection(dir.fc, data, SendReliable)
					if r != ResultOK || num != int64(i+1) {
						t.Fatalf("%s send %d bytes: %d %v", dir.name, size, num, r)
					}
				}
				got := recvAll(t, dir.to, dir.tc, len(sizes), 30*time.Second)
				for i, m := range got {
					if len(m.Data) != sizes[i] || (sizes[i] > 0 && m.Data[0] != byte(i+1)) || m.MessageNumber != int64(i+1) || m.Flags != SendReliable {
						t.Fatalf("%s message %d: len %d num %d flags %d", dir.name, i, len(m.Data), m.MessageNumber, m.Flags)
					}
				}
			}
		})
	}
}

func TestUnreliableAndLoopbackPairData(t *testing.T) {
	requireSNP(t)
	n := newNode(t, Options{})
	c1, c2, ok := n.s.CreateSocketPair(true, Identity{}, Identity{})
	if !ok {
		t.Fatal("pair")
	}
	for i := range 20 {
		flags := SendUnreliable
		if i%2 == 0 {
			flags = SendReliable
		}
		if _, r := n.s.SendMessageToConnection(c1, fmt.Appendf(nil, "m%d", i), flags); r != ResultOK {
			t.Fatal(r)
		}
	}
	got := recvAll(t, n, c2, 20, 10*time.Second)
	for _, m := range got {
		var i int
		fmt.Sscanf(string(m.Data), "m%d", &i)
		if (i%2 == 0) != (m.Flags == SendReliable) || m.MessageNumber != int64(i+1) {
			t.Fatalf("message %q flags %d num %d", m.Data, m.Flags, m.MessageNumber)
		}
	}
}

func TestQueuedWhileConnectingDelivered(t *testing.T) {
	requireSNP(t)
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	cc := cli.connect(a)
	cli.s.SendMessageToConnection(cc, []byte("early-1"), SendReliable)
	cli.s.SendMessageToConnection(cc, []byte("early-2"), SendReliable)
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	// The server can queue too before accepting.
	srv.s.SendMessageToConnection(ev.Conn, []byte("srv-early"), SendReliable)
	srv.s.AcceptConnection(ev.Conn)
	got := recvAll(t, srv, ev.Conn, 2, 10*time.Second)
	if string(got[0].Data) != "early-1" || string(got[1].Data) != "early-2" || got[1].MessageNumber != 2 {
		t.Fatalf("%q %q", got[0].Data, got[1].Data)
	}
	if m := recvAll(t, cli, cc, 1, 10*time.Second); string(m[0].Data) != "srv-early" {
		t.Fatal(m)
	}
}

func TestLingerFlushesReliableData(t *testing.T) {
	requireSNP(t)
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, sc, cc := connectedPair(t, srv, cli, "127.0.0.1:0", "127.0.0.1")
	data := make([]byte, 300*1024)
	for i := range data {
		data[i] = byte(rand.IntN(256))
	}
	if _, r := cli.s.SendMessageToConnection(cc, data, SendReliable); r != ResultOK {
		t.Fatal(r)
	}
	cli.s.CloseConnection(cc, 1007, "linger bye", true)
	got := recvAll(t, srv, sc, 1, 30*time.Second)
	if !bytes.Equal(got[0].Data, data) {
		t.Fatal("lingered data corrupted")
	}
	ev := srv.waitState(sc, StateClosedByPeer, 30*time.Second)
	if ev.Info.EndReason != 1007 || ev.Info.EndDebug != "linger bye" {
		t.Fatalf("%+v", ev.Info)
	}
}

func TestConnectedTimeoutPeerVanishes(t *testing.T) {
	requireSNP(t)
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0", Int32Option(ConfigTimeoutConnected, 1000))
	cc := cli.connect(a)
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	srv.s.AcceptConnection(ev.Conn)
	cli.waitState(cc, StateConnected, 5*time.Second)
	srv.waitState(ev.Conn, StateConnected, 5*time.Second)
	// The client vanishes without a word: drop everything it sends.
	cli.s.SetGlobalConfig(FloatOption(ConfigFakePacketLossSend, 100))
	cli.s.SetGlobalConfig(FloatOption(ConfigFakePacketLossRecv, 100))
	pe := srv.waitState(ev.Conn, StateProblemDetectedLocally, 15*time.Second)
	if pe.Info.EndReason != EndMiscTimeout || pe.Info.EndDebug != "Connection dropped" {
		t.Fatalf("%+v", pe.Info)
	}
}

func TestReplayedPacketsDropped(t *testing.T) {
	requireSNP(t)
	n := newNode(t, Options{})
	c1, c2, _ := n.s.CreateSocketPair(true, Identity{}, Identity{})
	// Capture what c1 sends by wrapping its transport.
	conn1 := n.s.impl.lookupConn(c1)
	conn2 := n.s.impl.lookupConn(c2)
	cap := &capturingTransport{transport: conn1.tr}
	conn1.lock()
	conn1.tr = cap
	conn1.unlock()
	n.s.SendMessageToConnection(c1, []byte("once"), SendReliable|SendNoNagle)
	recvAll(t, n, c2, 1, 5*time.Second)
	pkts := cap.take()
	if len(pkts) == 0 {
		t.Fatal("nothing captured")
	}
	before := n.s.Counters().Replayed
	for _, p := range pkts {
		if p[0]&0x80 != 0 {
			conn2.onPacket(p, nowUsec())
		}
	}
	if n.s.Counters().Replayed <= before {
		t.Fatal("replay not counted")
	}
	time.Sleep(50 * time.Millisecond)
	if m := n.s.ReceiveMessagesOnConnection(c2, 10); len(m) != 0 {
		t.Fatalf("replayed message delivered again: %q", m[0].Data)
	}
}

type capturingTransport struct {
	transport
	pkts [][]byte
}

func (c *capturingTransport) send(p []byte) {
	c.pkts = append(c.pkts, append([]byte(nil), p...))
	c.transport.send(p)
}

func (c *capturingTransport) sendBatch(pkts [][]byte) {
	for _, p := range pkts {
		c.send(p)
	}
}

func (c *capturingTransport) take() [][]byte { return c.pkts }

func TestFakeLagAndLossStillDeliver(t *testing.T) {
	requireSNP(t)
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0", FloatOption(ConfigFakePacketLossRecv, 10), Int32Option(ConfigFakePacketLagRecv, 20))
	cc := cli.connect(a, FloatOption(ConfigFakePacketLossSend, 10), FloatOption(ConfigFakePacketReorderSend, 10), FloatOption(ConfigFakePacketDupSend, 10))
	start := time.Now()
	ev := srv.waitState(0, StateConnecting, 10*time.Second)
	if time.Since(start) < 20*time.Millisecond {
		t.Fatal("fake lag not applied")
	}
	srv.s.AcceptConnection(ev.Conn)
	cli.waitState(cc, StateConnected, 10*time.Second)
	const n = 200
	for i := range n {
		cli.s.SendMessageToConnection(cc, fmt.Appendf(nil, "%d", i), SendReliable)
	}
	got := recvAll(t, srv, ev.Conn, n, 30*time.Second)
	for i, m := range got {
		if string(m.Data) != fmt.Sprint(i) {
			t.Fatalf("message %d = %q", i, m.Data)
		}
	}
}

// A full receive queue refuses messages; SNP must not ack them, so the
// sender retransmits and nothing is lost once the application drains.
func TestReceiveQueueBackPressure(t *testing.T) {
	requireSNP(t)
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0", Int32Option(ConfigRecvBufferMessages, 4))
	cc := cli.connect(a)
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	srv.s.AcceptConnection(ev.Conn)
	cli.waitState(cc, StateConnected, 5*time.Second)
	const n = 40
	for i := range n {
		if _, r := cli.s.SendMessageToConnection(cc, fmt.Appendf(nil, "%d", i), SendReliable); r != ResultOK {
			t.Fatal(r)
		}
	}
	waitUntil(t, 5*time.Second, "queue to fill", func() bool {
		srv.s.impl.recv.mu.Lock()
		defer srv.s.impl.recv.mu.Unlock()
		return srv.s.impl.lookupConn(ev.Conn).recvQ.count == 4
	})
	next := 0
	deadline := time.Now().Add(30 * time.Second)
	for next < n && time.Now().Before(deadline) {
		for _, m := range srv.s.ReceiveMessagesOnConnection(ev.Conn, 2) {
			if string(m.Data) != fmt.Sprint(next) {
				t.Fatalf("got %q, want %d", m.Data, next)
			}
			next++
		}
		time.Sleep(2 * time.Millisecond)
	}
	if next != n {
		t.Fatalf("received %d of %d", next, n)
	}
}

// Events arrive in the order things happened, each with the old state.
func TestEventSequence(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, sc, cc := connectedPair(t, srv, cli, "127.0.0.1:0", "127.0.0.1")
	srv.s.CloseConnection(sc, 1000, "", false)
	cli.waitState(cc, StateClosedByPeer, 5*time.Second)
	cli.s.CloseConnection(cc, 0, "", false)
	cli.waitState(cc, StateNone, 5*time.Second)
	want := [][2]ConnectionState{
		{StateNone, StateConnecting}, {StateConnecting, StateConnected},
		{StateConnected, StateClosedByPeer}, {StateClosedByPeer, StateNone},
	}
	if len(cli.events) != len(want) {
		t.Fatalf("%d events", len(cli.events))
	}
	for i, e := range cli.events {
		if e.Conn != cc || e.OldState != want[i][0] || e.Info.State != want[i][1] {
			t.Fatalf("event %d: %s->%s", i, stateName(e.OldState), stateName(e.Info.State))
		}
	}
}

// A zero-length unreliable message arrives like any other (regression: it
// used to wait for the 10 s keepalive). The 3 s deadline only separates
// "sent now" from "sent by the keepalive"; it is not a speed target.
func TestZeroLengthUnreliableArrives(t *testing.T) {
	requireSNP(t)
	n := newNode(t, Options{})
	c1, c2, ok := n.s.CreateSocketPair(true, Identity{}, Identity{})
	if !ok {
		t.Fatal("loopback pair")
	}
	for i, flags := range []int{SendUnreliable | SendNoNagle, SendUnreliable} {
		num, r := n.s.SendMessageToConnection(c1, nil, flags)
		if r != ResultOK || num != int64(i+1) {
			t.Fatalf("send %d: %d %v", i, num, r)
		}
		got := recvAll(t, n, c2, 1, 3*time.Second)
		if len(got[0].Data) != 0 || got[0].MessageNumber != int64(i+1) || got[0].Flags&SendReliable != 0 {
			t.Fatalf("message %d: len %d num %d flags %d", i, len(got[0].Data), got[0].MessageNumber, got[0].Flags)
		}
	}
}
