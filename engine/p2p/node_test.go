package p2p_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/ice"
	"godotsteam-sockets/engine/p2p/p2ptest"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
)

func startNode(t *testing.T, cfg p2p.Config) *p2p.Node { return p2ptest.Node(t, cfg) }

// acceptLoop plays the engine's listen socket: verify the cert, then accept.
func acceptLoop(t *testing.T, n *p2p.Node, conns chan<- *ice.Conn) {
	for in := range n.Incoming() {
		if in.ToVirtualPort != 5 {
			in.Reject(ice.EndMiscGeneric, "no listen socket on that virtual port")
			continue
		}
		want, err := ca.ParseSteamIdentity(in.From)
		if err != nil {
			in.Reject(ca.EndRemoteBadCert, err.Error())
			continue
		}
		if _, err := n.VerifyPeerCert(in.Cert, want); err != nil {
			var ce *ca.CertError
			if errors.As(err, &ce) {
				in.Reject(ce.EndReason, ce.Msg)
			}
			continue
		}
		cert, _, _ := n.Credentials()
		c, err := in.Accept(context.Background(), ice.AcceptParams{Cert: cert, Crypt: []byte("crypt")})
		if err != nil {
			t.Errorf("accept: %v", err)
			continue
		}
		conns <- c
	}
}

func roundTrip(t *testing.T, x, y *ice.Conn, msg []byte) {
	t.Helper()
	buf := make([]byte, 1500)
	for try := 0; try < 50; try++ {
		if _, err := x.Write(msg); err != nil {
			t.Fatal(err)
		}
		_ = y.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, err := y.Read(buf); err == nil {
			if !bytes.Equal(buf[:n], msg) {
				t.Fatal("corrupted datagram")
			}
			return
		}
	}
	t.Fatal("datagram never arrived")
}

func TestNodesConnectAndSurviveServiceRestart(t *testing.T) {
	authority, _ := ca.GenerateAuthority()
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0", CA: authority})
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr().String()
	defer func() { srv.Close() }()

	var mu sync.Mutex
	var statuses []int
	a := startNode(t, p2p.Config{Service: addr, IncludeLoopback: true, OnStatus: func(av int, _ string) {
		mu.Lock()
		statuses = append(statuses, av)
		mu.Unlock()
	}})
	b := startNode(t, p2p.Config{Service: addr, IncludeLoopback: true})
	bID, _, _ := b.Identity()
	conns := make(chan *ice.Conn, 4)
	go acceptLoop(t, b, conns)

	cert, _, ok := a.Credentials()
	if !ok {
		t.Fatal("no credentials")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ca1, err := a.Dial(ctx, bID, ice.DialParams{ToVirtualPort: 5, FromVirtualPort: -1, Cert: cert, Crypt: []byte("crypt")})
	if err != nil {
		t.Fatal(err)
	}
	cb1 := <-conns
	if _, err := a.VerifyPeerCert(ca1.PeerCert(), bID); err != nil {
		t.Fatalf("acceptor's cert: %v", err)
	}
	roundTrip(t, ca1, cb1, []byte("before restart"))

	// Restart the service on the same address.
	srv.Close()
	srv, err = rendezvous.Start(rendezvous.Config{Dev: true, Listen: addr, CA: authority})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	current := func(n *p2p.Node) bool { av, _ := n.Availability(); return av == signaling.AvailabilityCurrent }
	for srv.Stats().LoginsOK < 2 || !current(a) || !current(b) {
		if time.Now().After(deadline) {
			t.Fatal("nodes did not log in again")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The service counts a login when it sends the welcome; the client
	// turns CURRENT when it has read it.
	for av, _ := a.Availability(); av != signaling.AvailabilityCurrent; av, _ = a.Availability() {
		if time.Now().After(deadline) {
			t.Fatalf("availability %d after re-login", av)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	sawRetry := false
	for _, s := range statuses {
		sawRetry = sawRetry || s == signaling.AvailabilityRetrying
	}
	mu.Unlock()
	if !sawRetry {
		t.Fatalf("status changes %v never reported the outage", statuses)
	}
	if id, _, _ := b.Identity(); id != bID {
		t.Fatal("identity changed across the restart")
	}

	// The direct connection made before the restart still works, and a new one can be made.
	roundTrip(t, cb1, ca1, []byte("after restart, old path"))
	ca2, err := a.Dial(ctx, bID, ice.DialParams{ToVirtualPort: 5, FromVirtualPort: -1, Cert: cert})
	if err != nil {
		t.Fatalf("dial after restart: %v", err)
	}
	cb2 := <-conns
	roundTrip(t, ca2, cb2, []byte("after restart, new path"))
}

func TestForeignCertRefusedWithBadCert(t *testing.T) {
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	a := startNode(t, p2p.Config{Service: srv.Addr().String(), IncludeLoopback: true})
	b := startNode(t, p2p.Config{Service: srv.Addr().String(), IncludeLoopback: true})
	bID, _, _ := b.Identity()
	aID, _, _ := a.Identity()
	conns := make(chan *ice.Conn, 1)
	go acceptLoop(t, b, conns)

	// A presents a certificate from a CA nobody trusts, for its own identity.
	rogue, _ := ca.GenerateAuthority()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	forged, _ := rogue.Issue(ca.IssueParams{SteamID: aID, PublicKey: pub, AppIDs: []uint32{0}, Lifetime: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = a.Dial(ctx, bID, ice.DialParams{ToVirtualPort: 5, FromVirtualPort: -1, Cert: forged})
	if ice.EndReason(err) != ca.EndRemoteBadCert {
		t.Fatalf("err %v, want end reason 4003", err)
	}
	// A genuine cert from the right CA but for another identity (b's own,
	// replayed by a) is refused the same way: identity mismatch.
	bCert, _, _ := b.Credentials()
	_, err = a.Dial(ctx, bID, ice.DialParams{ToVirtualPort: 5, FromVirtualPort: -1, Cert: bCert})
	if ice.EndReason(err) != ca.EndRemoteBadCert {
		t.Fatalf("stolen cert: err %v, want 4003", err)
	}
	// Both refusals are counted by the acceptor's trust store.
	if n := b.Trust().Refused(); n != 2 {
		t.Fatalf("acceptor counted %d refused certificates, want 2", n)
	}
}

func TestDialBeforeLoginAndInvalidIDs(t *testing.T) {
	n, err := p2p.Start(p2p.Config{Service: "127.0.0.1:1"}) // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	_, err = n.Dial(context.Background(), ca.SteamIDBase+1, ice.DialParams{})
	if ice.EndReason(err) != ice.EndMiscP2PRendezvous {
		t.Fatalf("dial before login: %v", err)
	}
	if _, _, ok := n.Identity(); ok {
		t.Fatal("identity before login")
	}
}
