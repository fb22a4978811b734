package rendezvous_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/netip"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/internal/proto"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/engine/p2p/ticket"
)

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func noTURN(cfg rendezvous.Config) rendezvous.Config {
	cfg.Dev = true
	cfg.TURN.Disabled = true
	return cfg
}

func wantResult(t *testing.T, what string, err error, want int) {
	t.Helper()
	if got := signaling.ResultOf(err); got != want {
		t.Fatalf("%s: result %d (%v), want %d", what, got, err, want)
	}
}

func TestFakeIPAllocationIsUniqueAndLookupWorks(t *testing.T) {
	srv := startServer(t, noTURN(rendezvous.Config{}))
	a := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	b := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	sa, sb := waitSession(t, a), waitSession(t, b)
	if !a.Supports(proto.FeatureFakeIP) || !a.Supports(proto.FeatureHosted) {
		t.Fatalf("welcome features %v", sa.Features)
	}
	ctx := ctx10(t)
	fa, err := a.RequestFakeIP(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := b.RequestFakeIP(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fakeip.ClassifyUint32(fa.IP) != fakeip.TypeGlobal || fakeip.ClassifyUint32(fb.IP) != fakeip.TypeGlobal {
		t.Fatalf("not global FakeIPs: %s %s", fakeip.Format(fa.IP), fakeip.Format(fb.IP))
	}
	if fa.IP == fb.IP {
		t.Fatalf("two identities got the same FakeIP %s", fakeip.Format(fa.IP))
	}
	if len(fa.Ports) != 4 || len(fb.Ports) != 1 {
		t.Fatalf("ports %v %v", fa.Ports, fb.Ports)
	}
	seen := map[uint16]bool{}
	for _, p := range fa.Ports {
		if p < fakeip.MinPort || seen[p] {
			t.Fatalf("bad or duplicate port in %v", fa.Ports)
		}
		seen[p] = true
	}
	// Asking again keeps the address (and the ports it already had).
	again, err := a.RequestFakeIP(ctx, 2)
	if err != nil || again.IP != fa.IP || again.Ports[0] != fa.Ports[0] || again.Ports[1] != fa.Ports[1] || len(again.Ports) != 2 {
		t.Fatalf("second request %+v %v, first %+v", again, err, fa)
	}

	// Lookup: address + port → owner and index; any port; unknown port; a
	// real address; a FakeIP nobody has.
	id, idx, err := b.LookupFakeIP(ctx, again.IP, again.Ports[1])
	if err != nil || id != sa.Identity || idx != 1 {
		t.Fatalf("lookup %q %d %v", id, idx, err)
	}
	if id, idx, err := b.LookupFakeIP(ctx, fb.IP, 0); err != nil || id != sb.Identity || idx != -1 {
		t.Fatalf("lookup any port %q %d %v", id, idx, err)
	}
	_, _, err = b.LookupFakeIP(ctx, again.IP, 1)
	wantResult(t, "unknown port", err, signaling.ResultNoMatch)
	_, _, err = b.LookupFakeIP(ctx, fakeip.ToUint32(netip.MustParseAddr("10.0.0.1")), 27015)
	wantResult(t, "real address", err, signaling.ResultInvalidParam)
	other := fa.IP + 1
	if other == fb.IP {
		other++
	}
	_, _, err = b.LookupFakeIP(ctx, other, 0)
	wantResult(t, "unallocated FakeIP", err, signaling.ResultNoMatch)

	st := srv.ExtraStats()
	if st.FakeIPsLive != 2 || st.FakeIPLookups != 5 || st.FakeIPMisses != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFakeIPBadPortCounts(t *testing.T) {
	srv := startServer(t, noTURN(rendezvous.Config{}))
	a := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	waitSession(t, a)
	ctx := ctx10(t)
	for n, want := range map[int]int{0: signaling.ResultInvalidParam, -3: signaling.ResultInvalidParam, 5: signaling.ResultLimitExceeded, 1000: signaling.ResultLimitExceeded} {
		_, err := a.RequestFakeIP(ctx, n)
		wantResult(t, "ports", err, want)
	}
	if st := srv.ExtraStats(); st.FakeIPsLive != 0 || st.RequestsRefused != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFakeIPReleasedOnLogoutHeldForReLogin(t *testing.T) {
	srv := startServer(t, noTURN(rendezvous.Config{FakeIP: rendezvous.FakeIPConfig{Hold: time.Hour}}))
	const id = ca.SteamIDBase + 9001
	a := startClient(t, signaling.Config{Addr: srv.Addr().String(), SteamID: id})
	b := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	waitSession(t, a)
	waitSession(t, b)
	ctx := ctx10(t)
	fa, err := a.RequestFakeIP(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	poll(t, "logout", func() bool { return srv.ExtraStats().FakeIPsLive == 0 })
	if st := srv.ExtraStats(); st.FakeIPsHeld != 1 {
		t.Fatalf("stats %+v", st)
	}
	// A logged-out owner's FakeIP no longer resolves.
	_, _, err = b.LookupFakeIP(ctx, fa.IP, fa.Ports[0])
	wantResult(t, "lookup after logout", err, signaling.ResultNoMatch)

	// The same identity logging in again gets the held address back.
	a2 := startClient(t, signaling.Config{Addr: srv.Addr().String(), SteamID: id})
	waitSession(t, a2)
	f2, err := a2.RequestFakeIP(ctx, 1)
	if err != nil || f2.IP != fa.IP || f2.Ports[0] != fa.Ports[0] {
		t.Fatalf("re-login got %+v %v, had %+v", f2, err, fa)
	}
}

func TestFakeIPBoundedAndExpires(t *testing.T) {
	srv := startServer(t, noTURN(rendezvous.Config{FakeIP: rendezvous.FakeIPConfig{Max: 1, Hold: time.Millisecond}}))
	a := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	b := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	waitSession(t, a)
	waitSession(t, b)
	ctx := ctx10(t)
	if _, err := a.RequestFakeIP(ctx, 1); err != nil {
		t.Fatal(err)
	}
	_, err := b.RequestFakeIP(ctx, 1)
	wantResult(t, "full service", err, signaling.ResultLimitExceeded)
	// Once a logs out and its hold expires, the slot is free again.
	a.Close()
	poll(t, "logout", func() bool { return srv.ExtraStats().FakeIPsLive == 0 })
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err = b.RequestFakeIP(ctx, 1)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot never freed: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := srv.ExtraStats(); st.FakeIPsLive != 1 || st.FakeIPsHeld != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFeaturesDisabled(t *testing.T) {
	srv := startServer(t, noTURN(rendezvous.Config{FakeIP: rendezvous.FakeIPConfig{Disabled: true}, Hosted: rendezvous.HostedConfig{Disabled: true}}))
	a := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	waitSession(t, a)
	ctx := ctx10(t)
	_, err := a.RequestFakeIP(ctx, 1)
	if !errors.Is(err, signaling.ErrUnsupported) {
		t.Fatalf("disabled FakeIP: %v", err)
	}
	wantResult(t, "disabled", err, signaling.ResultDisabled)
	_, err = a.RegisterHosted(ctx, ":27015", 0)
	wantResult(t, "disabled hosted", err, signaling.ResultDisabled)
	if srv.POPID() != 0 {
		t.Fatal("POP id without hosting")
	}
}

func TestRequestsBeforeLoginFail(t *testing.T) {
	a := startClient(t, signaling.Config{Addr: "127.0.0.1:1", MinBackoff: time.Hour})
	_, err := a.RequestFakeIP(context.Background(), 1)
	if !errors.Is(err, signaling.ErrNotLoggedIn) {
		t.Fatalf("got %v", err)
	}
}

func TestHostedRegistrationAndTickets(t *testing.T) {
	srv := startServer(t, noTURN(rendezvous.Config{AppID: 480, Hosted: rendezvous.HostedConfig{POP: "fra"}}))
	server := startClient(t, signaling.Config{Addr: srv.Addr().String(), AppID: 480})
	client := startClient(t, signaling.Config{Addr: srv.Addr().String(), AppID: 480})
	ss, cs := waitSession(t, server), waitSession(t, client)
	ctx := ctx10(t)

	// Before registration: no ticket.
	_, err := client.RequestRelayTicket(ctx, ss.Identity, 7)
	wantResult(t, "unregistered", err, signaling.ResultNoMatch)

	// ":port" takes the address the service sees (loopback here).
	reg, err := server.RegisterHosted(ctx, ":27123", 7)
	if err != nil {
		t.Fatal(err)
	}
	wantPOP, _ := rendezvous.POPID("fra")
	if reg.Addr != netip.MustParseAddrPort("127.0.0.1:27123") || reg.POP != wantPOP || srv.POPID() != wantPOP {
		t.Fatalf("registration %+v (pop %x)", reg, srv.POPID())
	}
	// An explicit address is recorded as given.
	if reg2, err := server.RegisterHosted(ctx, "192.0.2.10:27123", 7); err != nil || reg2.Addr != netip.MustParseAddrPort("192.0.2.10:27123") {
		t.Fatalf("explicit address %+v %v", reg2, err)
	}
	_, err = server.RegisterHosted(ctx, "nonsense", 8)
	wantResult(t, "bad address", err, signaling.ResultInvalidParam)
	_, err = server.RegisterHosted(ctx, ":0", 8)
	wantResult(t, "port 0", err, signaling.ResultInvalidParam)
	_, err = server.RegisterHosted(ctx, ":27123", -2)
	wantResult(t, "negative vport", err, signaling.ResultInvalidParam)

	rt, err := client.RequestRelayTicket(ctx, ss.Identity, 7)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := ticket.Verify(rt.Ticket, []ed25519.PublicKey{srv.CAPublicKey()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Allows(cs.SteamID, ss.SteamID, 7) || tk.Allows(cs.SteamID, ss.SteamID, 8) || tk.Allows(ss.SteamID, ss.SteamID, 7) {
		t.Fatalf("ticket %+v", tk)
	}
	if tk.AppID != 480 || tk.POP != wantPOP || tk.Routing != netip.MustParseAddrPort("192.0.2.10:27123") || tk.Expiry.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("ticket fields %+v", tk)
	}
	// Wrong port, bad identity.
	_, err = client.RequestRelayTicket(ctx, ss.Identity, 8)
	wantResult(t, "wrong vport", err, signaling.ResultNoMatch)
	_, err = client.RequestRelayTicket(ctx, "ip:1.2.3.4", 7)
	wantResult(t, "bad identity", err, signaling.ResultInvalidParam)

	// The server logging out withdraws it.
	server.Close()
	poll(t, "unregister", func() bool { return srv.ExtraStats().HostedServers == 0 })
	_, err = client.RequestRelayTicket(ctx, ss.Identity, 7)
	wantResult(t, "after logout", err, signaling.ResultNoMatch)
	if st := srv.ExtraStats(); st.TicketsIssued != 1 || st.TicketsRefused != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHostedLimitsAndPolicy(t *testing.T) {
	srv := startServer(t, noTURN(rendezvous.Config{Hosted: rendezvous.HostedConfig{
		MaxPortsPerServer: 2,
		AllowTicket:       func(client, server uint64, vport int) bool { return vport != 1 },
	}}))
	server := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	client := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	ss := waitSession(t, server)
	waitSession(t, client)
	ctx := ctx10(t)
	for _, vp := range []int{0, 1} {
		if _, err := server.RegisterHosted(ctx, ":27000", vp); err != nil {
			t.Fatal(err)
		}
	}
	_, err := server.RegisterHosted(ctx, ":27000", 2)
	wantResult(t, "too many ports", err, signaling.ResultLimitExceeded)
	_, err = client.RequestRelayTicket(ctx, ss.Identity, 1)
	wantResult(t, "policy", err, signaling.ResultAccessDenied)
	if _, err := client.RequestRelayTicket(ctx, ss.Identity, 0); err != nil {
		t.Fatal(err)
	}
	if err := server.UnregisterHosted(ctx, 0); err != nil {
		t.Fatal(err)
	}
	wantResult(t, "unregister twice", server.UnregisterHosted(ctx, 0), signaling.ResultNoMatch)
	if st := srv.ExtraStats(); st.HostedPorts != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRequestFloodIsRateLimited(t *testing.T) {
	srv := startServer(t, noTURN(rendezvous.Config{SignalRate: 1, SignalBurst: 3, FloodDisconnect: 1 << 30}))
	a := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	waitSession(t, a)
	ctx := ctx10(t)
	limited := 0
	for range 10 {
		if _, err := a.RequestFakeIP(ctx, 1); signaling.ResultOf(err) == signaling.ResultRateLimited {
			limited++
		}
	}
	if limited < 6 {
		t.Fatalf("%d of 10 requests rate-limited with a burst of 3", limited)
	}
	if st := srv.Stats(); st.FloodDropped < 6 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPOPID(t *testing.T) {
	for code, want := range map[string]uint32{"dev": 0x646576, "a": 0x610000, "abcd": 0x64616263} {
		got, err := rendezvous.POPID(code)
		if err != nil || got != want {
			t.Errorf("POPID(%q) = %#x %v, want %#x", code, got, err, want)
		}
	}
	for _, bad := range []string{"", "abcde", "a b", "\x00"} {
		if _, err := rendezvous.POPID(bad); err == nil {
			t.Errorf("POPID(%q) accepted", bad)
		}
	}
	if _, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0", Hosted: rendezvous.HostedConfig{POP: "toolong"}}); err == nil {
		t.Error("bad POP code accepted by Start")
	}
}

func TestFakeIPRevivedAtLoginWithinHold(t *testing.T) {
	srv := startServer(t, noTURN(rendezvous.Config{FakeIP: rendezvous.FakeIPConfig{Hold: time.Hour}}))
	const id = ca.SteamIDBase + 9100
	a := startClient(t, signaling.Config{Addr: srv.Addr().String(), SteamID: id})
	b := startClient(t, signaling.Config{Addr: srv.Addr().String()})
	waitSession(t, a)
	waitSession(t, b)
	ctx := ctx10(t)
	fa, err := a.RequestFakeIP(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	poll(t, "logout", func() bool { return srv.ExtraStats().FakeIPsLive == 0 })
	// Logging in again (no new request) makes the held address resolve.
	a2 := startClient(t, signaling.Config{Addr: srv.Addr().String(), SteamID: id})
	waitSession(t, a2)
	owner, _, err := b.LookupFakeIP(ctx, fa.IP, fa.Ports[0])
	if err != nil || owner != ca.IdentityString(id) {
		t.Fatalf("after re-login: %q %v", owner, err)
	}
}
