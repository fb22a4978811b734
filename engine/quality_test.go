package engine

import (
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"godotsteam-sockets/engine/internal/wire"
)

// Connection-quality reports between two engines over UDP: each side's
// report (sent once the first 5 s quality interval has data) gives the
// other its remote quality. The client loses 10 % of what it sends and has
// a 200-byte MTU, so full packets must make room for the report.
func TestQualityReportsOverUDP(t *testing.T) {
	requireSNP(t)
	t.Parallel()
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	cli.s.SetGlobalConfig(FloatOption(ConfigFakePacketLossSend, 10))
	_, a := srv.listen("127.0.0.1:0")
	cc := cli.connect(netip.AddrPortFrom(a.Addr(), a.Port()), Int32Option(ConfigMTUPacketSize, 200))
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	sc := ev.Conn
	srv.s.AcceptConnection(sc)
	srv.waitState(sc, StateConnected, 5*time.Second)
	cli.waitState(cc, StateConnected, 5*time.Second)
	// Capture what the client sends.
	conn := cli.s.impl.lookupConn(cc)
	cap := &capturingTransport{transport: conn.tr}
	conn.lock()
	conn.tr = cap
	conn.unlock()

	payload := make([]byte, 1000) // several full 200-byte packets per message
	var got [2]int
	deadline := time.Now().Add(20 * time.Second)
	for {
		cli.s.SendMessageToConnection(cc, payload, SendReliable|SendNoNagle)
		srv.s.SendMessageToConnection(sc, payload[:100], SendUnreliable|SendNoNagle)
		got[0] += len(srv.s.ReceiveMessagesOnConnection(sc, 64))
		got[1] += len(cli.s.ReceiveMessagesOnConnection(cc, 64))
		cs, _, _ := cli.s.RealTimeStatus(cc, 0)
		ss, _, _ := srv.s.RealTimeStatus(sc, 0)
		if cs.RemoteQuality >= 0 && ss.RemoteQuality >= 0 {
			// The server saw ~10 % of the client's packets missing.
			if math.Abs(float64(cs.RemoteQuality)-0.9) > 0.06 || math.Abs(float64(ss.LocalQuality)-0.9) > 0.06 {
				t.Fatalf("client remote quality %v, server local quality %v; want ~0.9", cs.RemoteQuality, ss.LocalQuality)
			}
			if ss.RemoteQuality < 0.97 || cs.LocalQuality < 0.97 {
				t.Fatalf("server remote quality %v, client local quality %v; want ~1", ss.RemoteQuality, cs.LocalQuality)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no quality reports: client %+v server %+v", cs, ss)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got[0] == 0 || got[1] == 0 {
		t.Fatalf("messages received: %v", got)
	}
	d, _ := cli.s.DetailedStatus(cc)
	if !strings.Contains(d, "Peer report ") || !strings.Contains(d, "s ago: sent ") {
		t.Fatalf("detailed status lacks the peer's report:\n%s", d)
	}
	// Every datagram fits the MTU; some carried a report.
	conn.lock()
	pkts := cap.take()
	conn.unlock()
	reports := 0
	for _, p := range pkts {
		if len(p) > 200 {
			t.Fatalf("%d-byte datagram with a 200-byte MTU", len(p))
		}
		var h wire.DataHeader
		if _, err := wire.ParseData(p, &h); err == nil && h.Stats.HasQuality {
			reports++
		}
	}
	if reports == 0 {
		t.Fatalf("no report among %d datagrams", len(pkts))
	}
	// Nothing was dropped as malformed: reports decode on both sides.
	if c := srv.s.Counters(); c.Malformed != 0 || c.DecryptFailed != 0 {
		t.Fatalf("server counters %+v", c)
	}
}
