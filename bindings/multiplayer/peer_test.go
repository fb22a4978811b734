package multiplayer

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

type side struct {
	p      *Peer
	events []Event
}

func pumpUntil(t *testing.T, what string, cond func() bool, sides ...*side) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, s := range sides {
			s.events = append(s.events, s.p.Poll()...)
		}
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func startHost(t *testing.T) (*side, int) {
	t.Helper()
	h := &side{p: New()}
	if err := h.p.CreateHostAddr(netip.MustParseAddrPort("127.0.0.1:0"), 0, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.p.Close)
	return h, h.p.ListenPort()
}

func connect(t *testing.T, h *side, port int) *side {
	t.Helper()
	c := &side{p: New()}
	if err := c.p.CreateClient("127.0.0.1", port, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.p.Close)
	if c.p.ConnectionStatus() != StatusConnecting || c.p.UniqueID() != 0 {
		t.Fatalf("client before handshake: status %d id %d", c.p.ConnectionStatus(), c.p.UniqueID())
	}
	pumpUntil(t, "client connected", func() bool { return c.p.ConnectionStatus() == StatusConnected }, h, c)
	pumpUntil(t, "host sees client", func() bool { return countEvents(h.events, true, c.p.UniqueID()) == 1 }, h, c)
	return c
}

func countEvents(evs []Event, connected bool, id int32) int {
	n := 0
	for _, e := range evs {
		if e.Connected == connected && e.ID == id {
			n++
		}
	}
	return n
}

func TestConnectSignalsAndIDs(t *testing.T) {
	h, port := startHost(t)
	if !h.p.IsServer() || h.p.UniqueID() != 1 || h.p.ConnectionStatus() != StatusConnected {
		t.Fatal("host state wrong")
	}
	c1 := connect(t, h, port)
	c2 := connect(t, h, port)
	id1, id2 := c1.p.UniqueID(), c2.p.UniqueID()
	if id1 < 2 || id2 < 2 || id1 == id2 {
		t.Fatalf("ids %d %d: want distinct 31-bit ids >= 2", id1, id2)
	}
	if c1.p.IsServer() {
		t.Fatal("client says server")
	}
	if got := countEvents(c1.events, true, ServerID); got != 1 || len(c1.events) != 1 {
		t.Fatalf("client1 events %v: want exactly peer_connected(1)", c1.events)
	}
	if got := h.p.PeerIDs(); len(got) != 2 {
		t.Fatalf("host peers %v", got)
	}
}

func TestModesChannelsAndPacketInfo(t *testing.T) {
	h, port := startHost(t)
	c := connect(t, h, port)
	cid := c.p.UniqueID()
	type tc struct {
		mode TransferMode
		ch   int
	}
	cases := []tc{{TransferReliable, 0}, {TransferUnreliable, 3}, {TransferUnreliableOrdered, 5}, {TransferReliable, MaxChannels - 1}}
	for i, k := range cases {
		c.p.SetTransferMode(k.mode)
		c.p.SetTransferChannel(k.ch)
		c.p.SetTargetPeer(ServerID)
		if c.p.TransferMode() != k.mode || c.p.TransferChannel() != k.ch {
			t.Fatal("setters not reflected")
		}
		payload := []byte(fmt.Sprintf("packet %d", i))
		if err := c.p.PutPacket(payload); err != nil {
			t.Fatal(err)
		}
		pumpUntil(t, "packet", func() bool { return h.p.AvailablePacketCount() > 0 }, h, c)
		from, ch, mode := h.p.NextPacketInfo()
		pk, err := h.p.GetPacket()
		if err != nil {
			t.Fatal(err)
		}
		if from != cid || ch != k.ch || mode != k.mode || !bytes.Equal(pk.Data, payload) || pk.From != cid {
			t.Fatalf("case %d: got from %d ch %d mode %d %q", i, from, ch, mode, pk.Data)
		}
	}
	if _, err := h.p.GetPacket(); Code(err) != ErrUnavailable {
		t.Fatalf("empty GetPacket: %v", err)
	}
}

func TestLargeReliablePayloadFragments(t *testing.T) {
	h, port := startHost(t)
	c := connect(t, h, port)
	big := make([]byte, 300*1024)
	for i := range big {
		big[i] = byte(i * 7)
	}
	h.p.SetTargetPeer(c.p.UniqueID())
	if err := h.p.PutPacket(big); err != nil {
		t.Fatal(err)
	}
	pumpUntil(t, "big packet", func() bool { return c.p.AvailablePacketCount() > 0 }, h, c)
	pk, _ := c.p.GetPacket()
	if !bytes.Equal(pk.Data, big) || pk.From != ServerID {
		t.Fatalf("big packet corrupted (len %d from %d)", len(pk.Data), pk.From)
	}
	if err := h.p.PutPacket(make([]byte, MaxPacketSize+1)); Code(err) != ErrInvalidParameter {
		t.Fatalf("oversized: %v", err)
	}
}

func TestUnreliableOrderedDropsStale(t *testing.T) {
	h, port := startHost(t)
	c := connect(t, h, port)
	r := h.p.byConn[func() uint32 {
		for k := range h.p.byConn {
			return k
		}
		return 0
	}()]
	// Feed the receiver directly: seq 5 then 3 (stale) then 6.
	h.p.mu.Lock()
	for _, seq := range []uint32{5, 3, 5, 6} {
		msg := []byte{kindData, byte(TransferUnreliableOrdered), 2, byte(seq), 0, 0, 0, 'x'}
		h.p.onMessageLocked(&engineMessage{Data: msg, Conn: r.conn})
	}
	h.p.mu.Unlock()
	if n := h.p.AvailablePacketCount(); n != 2 {
		t.Fatalf("delivered %d ordered packets, want 2 (5 and 6)", n)
	}
	_ = c
}

func TestBroadcastAndExclude(t *testing.T) {
	h, port := startHost(t)
	c1 := connect(t, h, port)
	c2 := connect(t, h, port)
	h.p.SetTargetPeer(-c1.p.UniqueID())
	if err := h.p.PutPacket([]byte("not c1")); err != nil {
		t.Fatal(err)
	}
	h.p.SetTargetPeer(TargetBroadcast)
	if err := h.p.PutPacket([]byte("all")); err != nil {
		t.Fatal(err)
	}
	pumpUntil(t, "broadcasts", func() bool { return c2.p.AvailablePacketCount() == 2 && c1.p.AvailablePacketCount() == 1 }, h, c1, c2)
	pk, _ := c1.p.GetPacket()
	if string(pk.Data) != "all" {
		t.Fatalf("c1 got %q", pk.Data)
	}
	c1.p.SetTargetPeer(c2.p.UniqueID())
	if err := c1.p.PutPacket([]byte("direct")); Code(err) != ErrInvalidParameter {
		t.Fatalf("client to client direct: %v (relay goes through SceneMultiplayer)", err)
	}
}

func TestDisconnectReconnectCloseAndHostAgain(t *testing.T) {
	h, port := startHost(t)
	c := connect(t, h, port)
	cid := c.p.UniqueID()
	h.p.DisconnectPeer(cid, false)
	h.p.DisconnectPeer(cid, false) // repeatable
	pumpUntil(t, "client sees server gone", func() bool { return c.p.ConnectionStatus() == StatusDisconnected }, h, c)
	pumpUntil(t, "settle", func() bool { return true }, h, c)
	if countEvents(h.events, false, cid) != 1 || countEvents(c.events, false, ServerID) != 1 {
		t.Fatalf("disconnect signals host %v client %v", h.events, c.events)
	}
	// Reconnect the same peer object.
	c.p.Close()
	c.events = nil
	if err := c.p.CreateClient("127.0.0.1", port, nil); err != nil {
		t.Fatal(err)
	}
	pumpUntil(t, "reconnect", func() bool { return c.p.ConnectionStatus() == StatusConnected }, h, c)
	// Client closes: host sees exactly one peer_disconnected.
	id := c.p.UniqueID()
	c.p.Close()
	c.p.Close()
	if c.p.ConnectionStatus() != StatusDisconnected || c.p.Poll() != nil {
		t.Fatal("close left state or signals")
	}
	pumpUntil(t, "host sees close", func() bool { return countEvents(h.events, false, id) == 1 }, h)
	// Host closes and hosts again.
	h.p.Close()
	h.p.Close()
	if err := h.p.PutPacket([]byte("x")); Code(err) != ErrUnconfigured {
		t.Fatalf("put after close: %v", err)
	}
	if err := h.p.CreateHostAddr(netip.MustParseAddrPort("127.0.0.1:0"), 0, nil); err != nil {
		t.Fatalf("host again: %v", err)
	}
	if err := h.p.CreateHostAddr(netip.MustParseAddrPort("127.0.0.1:0"), 0, nil); Code(err) != ErrAlreadyInUse {
		t.Fatalf("host twice without close: %v", err)
	}
	connect(t, h, h.p.ListenPort())
}

func TestConnectionFailedAndServerDisconnected(t *testing.T) {
	h, port := startHost(t)
	h.p.SetRefuseNewConnections(true)
	if !h.p.IsRefusingNewConnections() {
		t.Fatal("refuse flag")
	}
	c := &side{p: New()}
	defer c.p.Close()
	if err := c.p.CreateClient("127.0.0.1", port, nil); err != nil {
		t.Fatal(err)
	}
	pumpUntil(t, "refused", func() bool { return c.p.ConnectionStatus() == StatusDisconnected }, h, c)
	if len(c.events) != 0 {
		t.Fatalf("failed connection emitted %v (SceneMultiplayer needs CONNECTING→DISCONNECTED only)", c.events)
	}
	h.p.SetRefuseNewConnections(false)
	c.p.Close()
	c2 := connect(t, h, port)
	h.p.Close()
	pumpUntil(t, "server_disconnected", func() bool { return c2.p.ConnectionStatus() == StatusDisconnected }, c2)
	if countEvents(c2.events, false, ServerID) != 1 {
		t.Fatalf("client events %v", c2.events)
	}
}

func TestStableIDNoCollision(t *testing.T) {
	p := New()
	p.resetLocked()
	seen := map[int32]bool{}
	for i := 0; i < 2000; i++ {
		info := connectionInfoFor(i % 500) // duplicates force probing
		id := p.stableIDLocked(info)
		if id < 2 || seen[id] {
			t.Fatalf("id %d reused or reserved", id)
		}
		seen[id] = true
		p.byID[id] = &remote{id: id}
	}
	q := New()
	q.resetLocked()
	if q.stableIDLocked(connectionInfoFor(7)) != p.stableIDLocked0(connectionInfoFor(7)) {
		t.Fatal("id not stable for the same identity")
	}
}

func TestBadInputNoPanic(t *testing.T) {
	p := New()
	if err := p.CreateClient("not an ip", 1, nil); Code(err) != ErrInvalidParameter {
		t.Fatal(err)
	}
	if err := p.CreateClient("127.0.0.1", 0, nil); Code(err) != ErrInvalidParameter {
		t.Fatal(err)
	}
	if err := p.CreateHost(70000, nil); Code(err) != ErrInvalidParameter {
		t.Fatal(err)
	}
	p.DisconnectPeer(5, true)
	p.Close()
	if p.Poll() != nil || p.AvailablePacketCount() != 0 {
		t.Fatal("idle peer produced something")
	}
	h, port := startHost(t)
	c := connect(t, h, port)
	h.p.mu.Lock()
	for conn := range h.p.byConn {
		for _, d := range [][]byte{{}, {9}, {kindData}, {kindData, 7, 0}, {kindData, 1, 0, 1}, {kindData, 0, 200}, {kindAssign, 1, 2}} {
			h.p.onMessageLocked(&engineMessage{Data: d, Conn: conn})
		}
	}
	h.p.mu.Unlock()
	if h.p.AvailablePacketCount() != 0 {
		t.Fatal("hostile packets delivered")
	}
	_ = c
}

func TestFullSendBufferIsAnError(t *testing.T) {
	h, port := startHost(t)
	c := connect(t, h, port)
	h.p.SetTargetPeer(c.p.UniqueID())
	chunk := make([]byte, 256*1024)
	var err error
	for i := 0; i < 64 && err == nil; i++ {
		err = h.p.PutPacket(chunk)
	}
	if Code(err) != ErrOutOfMemory {
		t.Fatalf("filling the send buffer: %v, want ERR_OUT_OF_MEMORY (LimitExceeded)", err)
	}
}

func TestDataBeforeIDAssignmentIsKept(t *testing.T) {
	p := New()
	p.resetLocked()
	p.status = StatusConnecting
	r := &remote{conn: 3, id: ServerID}
	p.byConn[3] = r
	p.mu.Lock()
	p.onMessageLocked(&engineMessage{Conn: 3, Data: []byte{kindData, byte(TransferReliable), 4, 'a'}})
	p.onMessageLocked(&engineMessage{Conn: 3, Data: []byte{kindAssign, 9, 0, 0, 0}})
	p.mu.Unlock()
	pk, err := p.GetPacket()
	if err != nil || string(pk.Data) != "a" || pk.Channel != 4 || pk.From != ServerID || p.UniqueID() != 9 {
		t.Fatalf("early reliable packet: %+v %v id %d", pk, err, p.UniqueID())
	}
}
