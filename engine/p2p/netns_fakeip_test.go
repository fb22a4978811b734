package p2p_test

import (
	"context"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/internal/nstest"
	"godotsteam-sockets/engine/p2p/rendezvous"
)

// TestNetnsChild is the body of every child role of the namespace tests;
// in a normal run it does nothing.
func TestNetnsChild(t *testing.T) {
	role := nstest.Role()
	if role == "" {
		t.Skip("child role of the network-namespace tests (run by them, not directly)")
	}
	stdin := nstest.NewStdin()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	switch role {
	case "service":
		srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: os.Getenv("LISTEN"), AppID: 480})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		nstest.Report("ADDR", srv.Addr().String())
		_, _ = stdin.Next() // run until the parent says stop (or exits)
	case "fakeip-owner":
		n := childNode(t, ctx)
		f, err := n.RequestFakeIP(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		_, id, _ := n.Identity()
		nstest.Report("IDENTITY", id)
		nstest.Report("FAKEIP", netip.AddrPortFrom(fakeip.FromUint32(f.IP), f.Ports[1]).String())
		_, _ = stdin.Next()
	case "fakeip-resolver":
		n := childNode(t, ctx)
		id, idx, err := n.LookupFakeIP(ctx, netip.MustParseAddrPort(os.Getenv("FAKEIP")))
		if err != nil {
			t.Fatal(err)
		}
		nstest.Report("OWNER", id)
		nstest.Report("INDEX", strconv.Itoa(idx))
	default:
		t.Fatalf("unknown role %q", role)
	}
}

func childNode(t *testing.T, ctx context.Context) *p2p.Node {
	t.Helper()
	n, err := p2p.Start(p2p.Config{Service: os.Getenv("SERVICE"), AppID: 480})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	if err := n.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNetnsFakeIPAllocationAcrossHosts: a player in one namespace gets a
// FakeIP from the service in the hub; a player in another resolves it to
// the owner's identity and port index.
func TestNetnsFakeIPAllocationAcrossHosts(t *testing.T) {
	nstest.Skip(t)
	if nstest.Role() != "" {
		t.Skip("parent test")
	}
	nt := nstest.New(t, 2, "10.231.91")
	svc := nt.Start(t, nt.Hub, "TestNetnsChild", "service", "LISTEN="+nt.HubIP+":0")
	addr := svc.Want("ADDR", 30*time.Second)
	owner := nt.Start(t, nt.Hosts[0], "TestNetnsChild", "fakeip-owner", "SERVICE="+addr)
	fake := owner.Want("FAKEIP", 30*time.Second)
	id := owner.Want("IDENTITY", time.Second)
	res := nt.Start(t, nt.Hosts[1], "TestNetnsChild", "fakeip-resolver", "SERVICE="+addr, "FAKEIP="+fake)
	if got := res.Want("OWNER", 30*time.Second); got != id {
		t.Fatalf("FakeIP %s resolved to %s, owner is %s", fake, got, id)
	}
	if got := res.Want("INDEX", time.Second); got != "1" {
		t.Fatalf("port index %s, want 1", got)
	}
	res.Wait(30 * time.Second)
	owner.Send("done")
	svc.Send("done")
	owner.Wait(30 * time.Second)
	svc.Wait(30 * time.Second)
}
