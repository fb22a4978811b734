package p2p_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/engine/p2p/ticket"
)

func TestNodeFakeIPWaitsForLoginAndResolves(t *testing.T) {
	// Reserve a port, start the node first (it cannot log in yet), then the
	// service: RequestFakeIP waits for the login instead of failing.
	probe, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0", TURN: rendezvous.TURNConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.Addr().String()
	probe.Close()
	a, err := p2p.Start(p2p.Config{Service: addr, AppID: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := make(chan error, 1)
	var fa signaling.FakeIP
	go func() {
		var err error
		fa, err = a.RequestFakeIP(ctx, 2)
		got <- err
	}()
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: addr, AppID: 7, TURN: rendezvous.TURNConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	b := startNode(t, p2p.Config{Service: addr, AppID: 7})
	_, aID, _ := a.Identity()
	id, idx, err := b.LookupFakeIP(ctx, netip.AddrPortFrom(fakeip.FromUint32(fa.IP), fa.Ports[1]))
	if err != nil || id != aID || idx != 1 {
		t.Fatalf("lookup %q %d %v", id, idx, err)
	}
	if _, _, err := b.LookupFakeIP(ctx, netip.MustParseAddrPort("10.1.2.3:5")); signaling.ResultOf(err) != signaling.ResultInvalidParam {
		t.Fatalf("real address lookup: %v", err)
	}
	if !b.Supports("fakeip") || !b.Supports("hosted") {
		t.Fatal("features")
	}
}

func TestNodeHostedTicketVerified(t *testing.T) {
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0", AppID: 9, TURN: rendezvous.TURNConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	server := startNode(t, p2p.Config{Service: srv.Addr().String(), AppID: 9})
	client := startNode(t, p2p.Config{Service: srv.Addr().String(), AppID: 9})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reg, err := server.RegisterHostedServer(ctx, ":27500", 0)
	if err != nil || reg.Addr.Port() != 27500 || reg.POP != 0x646576 {
		t.Fatalf("register %+v %v", reg, err)
	}
	sID, _, _ := server.Identity()
	cID, _, _ := client.Identity()
	tk, raw, err := client.RequestRelayTicket(ctx, sID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Allows(cID, sID, 0) || tk.Routing != reg.Addr {
		t.Fatalf("ticket %+v", tk)
	}
	// The server checks the same ticket with its own trust store.
	if _, err := server.VerifyRelayTicket(raw); err != nil {
		t.Fatal(err)
	}
	// A ticket signed by another key is refused.
	other, _ := ca.GenerateAuthority()
	forged, _ := ticket.Sign(*tk, other.PrivateKey())
	if _, err := server.VerifyRelayTicket(forged); err == nil {
		t.Fatal("forged ticket accepted")
	}
	if err := server.UnregisterHostedServer(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.RequestRelayTicket(ctx, sID, 0); signaling.ResultOf(err) != signaling.ResultNoMatch {
		t.Fatalf("ticket after unregister: %v", err)
	}
}
