package rendezvous_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/internal/resp"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/internal/extsvc"
)

// TestFakeIPUniqueAcrossNodes: with a two-address plan, players on
// different nodes collide in the broker and still get distinct FakeIPs; a
// third finds the plan full; each node resolves FakeIPs owned on the other;
// a logged-out owner's address stops resolving everywhere, and the same
// identity logging in on the other node gets it back.
func TestFakeIPUniqueAcrossNodes(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, n2 := twoNodes(t, redis.Addr, noTURN(rendezvous.Config{FakeIP: rendezvous.FakeIPConfig{Hold: time.Hour}}))
	rendezvous.ShrinkFakeIPPlanForTest(n1, 2)
	rendezvous.ShrinkFakeIPPlanForTest(n2, 2)
	const aID = ca.SteamIDBase + 4242
	a := startClient(t, signaling.Config{Addr: n1.Addr().String(), SteamID: aID})
	b := startClient(t, signaling.Config{Addr: n2.Addr().String()})
	c := startClient(t, signaling.Config{Addr: n2.Addr().String()})
	sa, sb := waitSession(t, a), waitSession(t, b)
	waitSession(t, c)
	ctx := ctx10(t)

	fa, err := a.RequestFakeIP(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := b.RequestFakeIP(ctx, 1) // node2 tries the same first address
	if err != nil {
		t.Fatal(err)
	}
	if fa.IP != fakeip.GlobalFirst || fb.IP != fakeip.GlobalFirst+1 {
		t.Fatalf("FakeIPs %s and %s, want the plan's first two", fakeip.Format(fa.IP), fakeip.Format(fb.IP))
	}
	_, err = c.RequestFakeIP(ctx, 1)
	wantResult(t, "plan full across nodes", err, signaling.ResultLimitExceeded)
	if st := n2.ExtraStats(); st.FakeIPsLive != 1 || st.RequestsRefused != 1 {
		t.Fatalf("node2 %+v", st)
	}

	// Cross-node lookups: node2 resolves node1's player and vice versa.
	if id, idx, err := b.LookupFakeIP(ctx, fa.IP, fa.Ports[1]); err != nil || id != sa.Identity || idx != 1 {
		t.Fatalf("lookup on node2 of node1's FakeIP: %q %d %v", id, idx, err)
	}
	if id, idx, err := a.LookupFakeIP(ctx, fb.IP, 0); err != nil || id != sb.Identity || idx != -1 {
		t.Fatalf("lookup on node1 of node2's FakeIP: %q %d %v", id, idx, err)
	}
	_, _, err = a.LookupFakeIP(ctx, fb.IP, fb.Ports[0]+1)
	wantResult(t, "unknown port across nodes", err, signaling.ResultNoMatch)
	_, _, err = a.LookupFakeIP(ctx, fakeip.GlobalFirst+7, 0)
	wantResult(t, "unclaimed FakeIP", err, signaling.ResultNoMatch)

	// a logs out: held, so not resolvable, and not reusable by others.
	a.Close()
	poll(t, "logout on node1", func() bool { return n1.ExtraStats().FakeIPsHeld == 1 })
	_, _, err = b.LookupFakeIP(ctx, fa.IP, 0)
	wantResult(t, "held FakeIP across nodes", err, signaling.ResultNoMatch)
	_, err = c.RequestFakeIP(ctx, 1)
	wantResult(t, "held address is not free", err, signaling.ResultLimitExceeded)

	// a logs in on node2: same address and ports back, resolvable on node1.
	a2 := startClient(t, signaling.Config{Addr: n2.Addr().String(), SteamID: aID})
	waitSession(t, a2)
	f2, err := a2.RequestFakeIP(ctx, 2)
	if err != nil || f2.IP != fa.IP || f2.Ports[0] != fa.Ports[0] {
		t.Fatalf("re-login on the other node got %+v %v, had %+v", f2, err, fa)
	}
	d := startClient(t, signaling.Config{Addr: n1.Addr().String()})
	waitSession(t, d)
	if id, _, err := d.LookupFakeIP(ctx, fa.IP, 0); err != nil || id != sa.Identity {
		t.Fatalf("lookup on node1 after the move: %q %v", id, err)
	}
}

// TestFakeIPHoldExpiresAcrossNodes: a one-address plan shared by two
// nodes: node2 cannot have the address while node1's player holds it, and
// gets it once the hold has expired in Redis.
func TestFakeIPHoldExpiresAcrossNodes(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, n2 := twoNodes(t, redis.Addr, noTURN(rendezvous.Config{FakeIP: rendezvous.FakeIPConfig{Hold: 300 * time.Millisecond},
		Broker: rendezvous.BrokerConfig{Lease: 600 * time.Millisecond}}))
	rendezvous.ShrinkFakeIPPlanForTest(n1, 1)
	rendezvous.ShrinkFakeIPPlanForTest(n2, 1)
	a := startClient(t, signaling.Config{Addr: n1.Addr().String()})
	b := startClient(t, signaling.Config{Addr: n2.Addr().String()})
	waitSession(t, a)
	waitSession(t, b)
	ctx := ctx10(t)
	fa, err := a.RequestFakeIP(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Renewal keeps the claim past several leases while a is logged in.
	cl := resp.NewClient(redis.Addr, resp.Options{}, 0)
	defer cl.Close()
	key := "test:fakeip:" + fakeip.Format(fa.IP)
	start := time.Now()
	for time.Since(start) < 1500*time.Millisecond {
		_, err = b.RequestFakeIP(ctx, 1)
		wantResult(t, "address owned on node1", err, signaling.ResultLimitExceeded)
		time.Sleep(100 * time.Millisecond)
	}
	if v, err := cl.Do(ctx, "PTTL", key); err != nil || v.Int <= 0 || v.Int > 600 {
		t.Fatalf("claim TTL %+v %v, want a lease of at most 600 ms", v, err)
	}
	a.Close()
	poll(t, "hold expires in Redis", func() bool {
		v, err := cl.Do(ctx, "EXISTS", key)
		return err == nil && v.Int == 0
	})
	fb, err := b.RequestFakeIP(ctx, 1)
	if err != nil || fb.IP != fa.IP {
		t.Fatalf("after the hold: %+v %v, want %s", fb, err, fakeip.Format(fa.IP))
	}
}

// TestHostedServerAcrossNodes: a hosted server registered on node1 gets
// tickets issued on node2; unregistering and logging out withdraw it there.
func TestHostedServerAcrossNodes(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, n2 := twoNodes(t, redis.Addr, noTURN(rendezvous.Config{}))
	server := startClient(t, signaling.Config{Addr: n1.Addr().String()})
	client := startClient(t, signaling.Config{Addr: n2.Addr().String()})
	ss := waitSession(t, server)
	waitSession(t, client)
	ctx := ctx10(t)
	_, err := client.RequestRelayTicket(ctx, ss.Identity, 7)
	wantResult(t, "unregistered", err, signaling.ResultNoMatch)
	if _, err := server.RegisterHosted(ctx, "192.0.2.10:27123", 7); err != nil {
		t.Fatal(err)
	}
	if _, err := server.RegisterHosted(ctx, "192.0.2.10:27123", 8); err != nil {
		t.Fatal(err)
	}
	rt, err := client.RequestRelayTicket(ctx, ss.Identity, 7)
	if err != nil || rt.Addr != netip.MustParseAddrPort("192.0.2.10:27123") || len(rt.Ticket) == 0 {
		t.Fatalf("ticket on node2 for node1's server: %+v %v", rt, err)
	}
	_, err = client.RequestRelayTicket(ctx, ss.Identity, 9)
	wantResult(t, "unregistered port", err, signaling.ResultNoMatch)
	if err := server.UnregisterHosted(ctx, 7); err != nil {
		t.Fatal(err)
	}
	_, err = client.RequestRelayTicket(ctx, ss.Identity, 7)
	wantResult(t, "after unregister", err, signaling.ResultNoMatch)
	if _, err := client.RequestRelayTicket(ctx, ss.Identity, 8); err != nil {
		t.Fatal(err)
	}
	if st := n2.ExtraStats(); st.TicketsIssued != 2 || st.TicketsRefused != 3 {
		t.Fatalf("node2 %+v", st)
	}
	server.Close()
	poll(t, "logout withdraws", func() bool {
		_, err := client.RequestRelayTicket(ctx, ss.Identity, 8)
		return signaling.ResultOf(err) == signaling.ResultNoMatch
	})
}

// TestFakeIPAndHostedBrokerDown: with Redis gone, requests that need it are
// refused with ResultBusy and counted (fail closed); an address live on the
// node itself still resolves there.
func TestFakeIPAndHostedBrokerDown(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, _ := twoNodes(t, redis.Addr, noTURN(rendezvous.Config{}))
	a := startClient(t, signaling.Config{Addr: n1.Addr().String()})
	b := startClient(t, signaling.Config{Addr: n1.Addr().String()})
	sa := waitSession(t, a)
	waitSession(t, b)
	ctx := ctx10(t)
	fa, err := a.RequestFakeIP(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	redis.Stop()
	poll(t, "node notices", func() bool { return !n1.Stats().Broker.Connected })

	_, err = b.RequestFakeIP(ctx, 1)
	wantResult(t, "FakeIP with the broker down", err, signaling.ResultBusy)
	_, _, err = b.LookupFakeIP(ctx, fakeip.GlobalFirst+5, 0)
	wantResult(t, "remote lookup with the broker down", err, signaling.ResultBusy)
	_, err = b.RegisterHosted(ctx, ":27015", 1)
	wantResult(t, "hosted registration with the broker down", err, signaling.ResultBusy)
	_, err = a.RequestRelayTicket(ctx, ca.IdentityString(ca.SteamIDBase+77), 1)
	wantResult(t, "ticket for a remote server with the broker down", err, signaling.ResultBusy)
	if id, _, err := b.LookupFakeIP(ctx, fa.IP, 0); err != nil || id != sa.Identity {
		t.Fatalf("local lookup with the broker down: %q %v", id, err)
	}
	st := n1.ExtraStats()
	if st.BrokerRefused != 4 || st.RequestsRefused != 4 || st.HostedPorts != 0 || st.FakeIPsLive != 1 {
		t.Fatalf("node1 %+v", st)
	}
	if n1.Stats().Broker.Errors < 4 {
		t.Fatalf("broker errors %+v", n1.Stats().Broker)
	}
	// The error text tells the client why.
	var re *signaling.RequestError
	_, err = b.RequestFakeIP(ctx, 1)
	if !errors.As(err, &re) || !strings.Contains(re.Text, "Redis") {
		t.Fatalf("refusal without a reason: %v", err)
	}
}

// TestFakeIPClaimOfDeadNodeAndGarbage: a claim written by a node that died
// (never renewed) resolves on other nodes and blocks its address until its
// lease ends, then the address is free; a malformed record is not resolved
// (counted) and never overwritten.
func TestFakeIPClaimOfDeadNodeAndGarbage(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, _ := twoNodes(t, redis.Addr, noTURN(rendezvous.Config{}))
	rendezvous.ShrinkFakeIPPlanForTest(n1, 2)
	cl := resp.NewClient(redis.Addr, resp.Options{}, 0)
	defer cl.Close()
	ctx := ctx10(t)
	ghost := ca.IdentityString(ca.SteamIDBase + 666)
	first, second := fakeip.GlobalFirst, fakeip.GlobalFirst+1
	if _, err := cl.Do(ctx, "SET", "test:fakeip:"+fakeip.Format(first), ghost+"|deadnode|1|2000", "PX", "700"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Do(ctx, "SET", "test:fakeip:"+fakeip.Format(second), "garbage"); err != nil {
		t.Fatal(err)
	}
	a := startClient(t, signaling.Config{Addr: n1.Addr().String()})
	waitSession(t, a)
	if id, idx, err := a.LookupFakeIP(ctx, first, 2000); err != nil || id != ghost || idx != 0 {
		t.Fatalf("dead node's claim: %q %d %v", id, idx, err)
	}
	_, _, err := a.LookupFakeIP(ctx, second, 0)
	wantResult(t, "garbage record", err, signaling.ResultNoMatch)
	if n1.Stats().Broker.Malformed == 0 {
		t.Fatal("malformed record not counted")
	}
	_, err = a.RequestFakeIP(ctx, 1)
	wantResult(t, "both addresses claimed", err, signaling.ResultLimitExceeded)
	var got signaling.FakeIP
	poll(t, "the dead node's lease ends", func() bool {
		got, err = a.RequestFakeIP(ctx, 1)
		return err == nil
	})
	if got.IP != first {
		t.Fatalf("got %s, want the dead node's %s", fakeip.Format(got.IP), fakeip.Format(first))
	}
	if v, err := cl.Do(ctx, "GET", "test:fakeip:"+fakeip.Format(second)); err != nil || v.Text() != "garbage" {
		t.Fatalf("garbage record overwritten: %q %v", v.Text(), err)
	}
}

// TestFakeIPRenewalFindsItTaken: when a node's claim has been replaced in
// Redis by another identity's (a lapse during a long outage), the node's
// renewal notices, counts a conflict and drops its allocation.
func TestFakeIPRenewalFindsItTaken(t *testing.T) {
	redis := extsvc.Redis(t)
	n1, _ := twoNodes(t, redis.Addr, noTURN(rendezvous.Config{Broker: rendezvous.BrokerConfig{Lease: 600 * time.Millisecond}}))
	a := startClient(t, signaling.Config{Addr: n1.Addr().String()})
	waitSession(t, a)
	ctx := ctx10(t)
	fa, err := a.RequestFakeIP(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	cl := resp.NewClient(redis.Addr, resp.Options{}, 0)
	defer cl.Close()
	other := ca.IdentityString(ca.SteamIDBase + 5150)
	if _, err := cl.Do(ctx, "SET", "test:fakeip:"+fakeip.Format(fa.IP), other+"|node2|1|3000", "PX", "60000"); err != nil {
		t.Fatal(err)
	}
	poll(t, "conflict noticed at renewal", func() bool { return n1.Stats().Broker.Conflicts == 1 })
	if st := n1.ExtraStats(); st.FakeIPsLive != 0 {
		t.Fatalf("node1 kept the allocation: %+v", st)
	}
	if id, _, err := a.LookupFakeIP(ctx, fa.IP, 3000); err != nil || id != other {
		t.Fatalf("lookup after the conflict: %q %v", id, err)
	}
}
