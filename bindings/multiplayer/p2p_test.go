package multiplayer

import (
	"bytes"
	"testing"
	"time"

	"godotsteam-sockets/bindings"
	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/p2ptest"
	"godotsteam-sockets/engine/p2p/rendezvous"
)

// ownTransport lends a test's own P2P engine (events polled directly).
type ownTransport struct{ s *engine.Sockets }

func (o ownTransport) Sockets() *engine.Sockets { return o.s }
func (o ownTransport) Claim(engine.Handle)      {}
func (o ownTransport) Events() []engine.Event   { return o.s.PollEvents(nil) }
func (o ownTransport) Release()                 {}

func goP2PEngine(t *testing.T, service string) *engine.Sockets {
	t.Helper()
	s, _ := p2ptest.Engine(t, p2p.Config{Service: service, IncludeLoopback: true})
	return s
}

// A host on the Steam singleton's engine (create_host by virtual port) and
// a client by identity: signals, modes and channels as over IP, and the
// peer's connection events never reach the singleton's signals.
func TestP2PHostOnSharedEngine(t *testing.T) {
	noServiceEnv(t)
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	t.Setenv(bindings.EnvRendezvous, srv.Addr().String())

	steamHost := &fakeHost{}
	steam := bindings.New(steamHost) // the singleton: owns the shared engine
	t.Cleanup(steam.Close)

	fh := &fakeHost{}
	o := NewObject(fh)
	defer o.Close()
	if ret, _ := o.Call(methodIndex(t, "create_host"), []any{int64(9)}); ret != int64(OK) {
		t.Fatalf("create_host(9): %v %q", ret, fh.take())
	}
	if !o.Peer.IsServer() || o.Peer.UniqueID() != 1 {
		t.Fatal("P2P host state")
	}
	var me uint64
	deadline := time.Now().Add(20 * time.Second)
	for me == 0 && time.Now().Before(deadline) {
		if id := o.Peer.sockets.Identity(); id.Type == engine.IdentitySteamID {
			me = id.SteamID
		}
		time.Sleep(5 * time.Millisecond)
	}
	if me == 0 {
		t.Fatal("the shared engine never got a SteamID")
	}

	h := &side{p: o.Peer}
	c := &side{p: New()}
	defer c.p.Close()
	if err := c.p.CreateClientP2P(ownTransport{goP2PEngine(t, srv.Addr().String())}, engine.SteamIDIdentity(me), 9, nil); err != nil {
		t.Fatal(err)
	}
	pumpUntil(t, "P2P client connected", func() bool {
		steam.CallByName("run_callbacks")
		return c.p.ConnectionStatus() == StatusConnected && len(h.events) == 1
	}, h, c)
	cid := c.p.UniqueID()
	if countEvents(h.events, true, cid) != 1 || countEvents(c.events, true, ServerID) != 1 {
		t.Fatalf("signals host %v client %v", h.events, c.events)
	}
	c.p.SetTransferMode(TransferUnreliableOrdered)
	c.p.SetTransferChannel(4)
	c.p.SetTargetPeer(ServerID)
	if err := c.p.PutPacket([]byte("over p2p")); err != nil {
		t.Fatal(err)
	}
	pumpUntil(t, "P2P packet", func() bool { return h.p.AvailablePacketCount() > 0 }, h, c)
	if from, ch, mode := h.p.NextPacketInfo(); from != cid || ch != 4 || mode != TransferUnreliableOrdered {
		t.Fatalf("packet info %d %d %d", from, ch, mode)
	}
	if pk, _ := h.p.GetPacket(); !bytes.Equal(pk.Data, []byte("over p2p")) {
		t.Fatalf("got %q", pk.Data)
	}
	c.p.Close()
	pumpUntil(t, "host sees the P2P client leave", func() bool {
		steam.CallByName("run_callbacks")
		return countEvents(h.events, false, cid) == 1
	}, h)
	for _, sig := range steamHost.signals {
		if sig == "network_connection_status_changed" {
			t.Fatalf("the peer's connection events reached the Steam singleton: %v", steamHost.signals)
		}
	}
	// close() gives the handles back; the shared engine keeps running, and
	// the same object hosts again.
	o.CallVirtual(mustVirtual(t, "_close"), nil, nil)
	if ret, _ := o.Call(methodIndex(t, "create_host"), []any{int64(9)}); ret != int64(OK) {
		t.Fatalf("create_host again on the same virtual port: %v %q", ret, fh.take())
	}
}
