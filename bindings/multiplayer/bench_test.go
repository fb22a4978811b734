package multiplayer

import (
	"net/netip"
	"testing"
	"time"

	"godotsteam-sockets/engine"
)

// BenchmarkReceiveOrdered measures decoding and queueing one
// UNRELIABLE_ORDERED packet (the synchronizer's hot path on the receiver).
func BenchmarkReceiveOrdered(b *testing.B) {
	p := New()
	p.resetLocked()
	r := &remote{conn: 1, id: 5, announced: true}
	p.byConn[1], p.byID[5] = r, r
	p.server = true
	msg := make([]byte, orderedHeaderLen+64)
	msg[0], msg[1], msg[2] = kindData, byte(TransferUnreliableOrdered), 1
	m := &engine.Message{Conn: 1, Data: msg}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		seq := uint32(i + 1)
		msg[3], msg[4], msg[5], msg[6] = byte(seq), byte(seq>>8), byte(seq>>16), byte(seq>>24)
		p.onMessageLocked(m)
		if len(p.incoming) > 1024 {
			p.incoming = p.incoming[:0]
		}
	}
}

// benchBatch is how many packets one benchmark iteration sends and receives.
const benchBatch = 100

// BenchmarkPeerReliableBatch sends 100 reliable 64-byte packets client ->
// host through two Peers over loopback and polls until all arrived: the
// put_packet / poll / get_packet path SceneMultiplayer uses. Compare with
// BenchmarkEngineReliableBatch (the same traffic on the engine directly).
func BenchmarkPeerReliableBatch(b *testing.B) {
	h := New()
	if err := h.CreateHostAddr(netip.MustParseAddrPort("127.0.0.1:0"), 0, nil); err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	c := New()
	if err := c.CreateClient("127.0.0.1", h.ListenPort(), nil); err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); c.ConnectionStatus() != StatusConnected || len(h.PeerIDs()) == 0; {
		h.Poll()
		c.Poll()
		if time.Now().After(deadline) {
			b.Fatal("no connection")
		}
		time.Sleep(time.Millisecond)
	}
	c.SetTargetPeer(ServerID)
	payload := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < benchBatch; k++ {
			if err := c.PutPacket(payload); err != nil {
				b.Fatal(err)
			}
		}
		for got := 0; got < benchBatch; {
			h.Poll()
			for h.AvailablePacketCount() > 0 {
				if _, err := h.GetPacket(); err != nil {
					b.Fatal(err)
				}
				got++
			}
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkEngineReliableBatch is the baseline of BenchmarkPeerReliableBatch:
// the same 100 reliable 64-byte messages per iteration over loopback, sent
// and received with the engine's API (one lane, a poll group).
func BenchmarkEngineReliableBatch(b *testing.B) {
	srv := engine.NewSockets(engine.Options{})
	defer srv.Close()
	cli := engine.NewSockets(engine.Options{})
	defer cli.Close()
	ls, err := srv.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), nil)
	if err != nil {
		b.Fatal(err)
	}
	addr, _ := srv.ListenSocketAddress(ls)
	conn, err := cli.ConnectByIPAddress(addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	group := srv.CreatePollGroup()
	connected := false
	for deadline := time.Now().Add(10 * time.Second); !connected; {
		for _, e := range srv.PollEvents(nil) {
			if ch, ok := e.(*engine.ConnectionStatusChanged); ok && ch.Info.State == engine.StateConnecting {
				srv.AcceptConnection(ch.Conn)
				srv.SetConnectionPollGroup(ch.Conn, group)
			}
		}
		cli.PollEvents(nil)
		if info, ok := cli.ConnectionInfo(conn); ok && info.State == engine.StateConnected {
			connected = true
		}
		if time.Now().After(deadline) {
			b.Fatal("no connection")
		}
		time.Sleep(time.Millisecond)
	}
	payload := make([]byte, 64+headerLen)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < benchBatch; k++ {
			if _, res := cli.SendMessageOnLane(conn, payload, engine.SendReliable|engine.SendNoNagle, 0); res != engine.ResultOK {
				b.Fatal(res)
			}
		}
		for got := 0; got < benchBatch; {
			got += len(srv.ReceiveMessagesOnPollGroup(group, 256))
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "packets/s")
}
