package p2p

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/engine/p2p/ticket"
)

// This file is the Node's side of FakeIP and hosted dedicated servers: thin
// calls to the rendezvous service that wait for a login first and retry
// across re-logins until ctx ends.

// retryLoggedIn runs f once logged in, again after each re-login while f
// fails only because the session dropped.
func (n *Node) retryLoggedIn(ctx context.Context, f func() error) error {
	for {
		if _, err := n.client.WaitSession(ctx); err != nil {
			return err
		}
		err := f()
		if !errors.Is(err, signaling.ErrNotLoggedIn) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// nodeFake is the node's FakeIP, renewed after every re-login: the service
// holds it for a while after a disconnect and revives it at login, but a
// restarted service has forgotten it and allocates a new one.
type nodeFake struct {
	mu      sync.Mutex
	nPorts  int // 0: none requested
	current signaling.FakeIP
	watch   func(ip uint32, ports []uint16)

	// Peers' from_fakeip claims already checked, and the check budget
	// (backend_extras.go).
	claims     map[claimKey]claimAnswer
	claimToken float64
	claimFill  time.Time
}

type claimKey struct {
	from  string
	claim netip.AddrPort
}

type claimAnswer struct {
	ok      bool
	expires time.Time
}

// Claim checks: at most claimRate per second (burst claimBurst), answers
// kept claimTTL, at most maxClaims remembered.
const (
	claimRate  = 10
	claimBurst = 20
	claimTTL   = time.Minute
	maxClaims  = 1024
)

func (f *nodeFake) cachedClaim(from string, claim netip.AddrPort) (bool, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.claims[claimKey{from, claim}]
	if !ok || time.Now().After(a.expires) {
		return false, false
	}
	return a.ok, true
}

func (f *nodeFake) cacheClaim(from string, claim netip.AddrPort, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.claims == nil {
		f.claims = map[claimKey]claimAnswer{}
	}
	if len(f.claims) >= maxClaims {
		for k, a := range f.claims {
			if now.After(a.expires) || len(f.claims) >= maxClaims {
				delete(f.claims, k)
			}
			if len(f.claims) < maxClaims/2 {
				break
			}
		}
	}
	f.claims[claimKey{from, claim}] = claimAnswer{ok: ok, expires: now.Add(claimTTL)}
}

func (f *nodeFake) allowClaimCheck() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.claimFill.IsZero() {
		f.claimToken = claimBurst
	} else {
		f.claimToken = min(claimBurst, f.claimToken+now.Sub(f.claimFill).Seconds()*claimRate)
	}
	f.claimFill = now
	if f.claimToken < 1 {
		return false
	}
	f.claimToken--
	return true
}

// fakeIPRenewTimeout bounds one renewal after a re-login.
const fakeIPRenewTimeout = time.Minute

// RequestFakeIP asks the service for this identity's global FakeIP with
// nPorts ports (beginAsyncRequestFakeIP). It waits for the login. The node
// asks again after each re-login; WatchFakeIP hears about a new address.
func (n *Node) RequestFakeIP(ctx context.Context, nPorts int) (signaling.FakeIP, error) {
	var out signaling.FakeIP
	err := n.retryLoggedIn(ctx, func() error {
		var err error
		out, err = n.client.RequestFakeIP(ctx, nPorts)
		return err
	})
	if err == nil {
		n.fake.mu.Lock()
		n.fake.nPorts, n.fake.current = nPorts, out
		n.fake.mu.Unlock()
	}
	return out, err
}

// WatchFakeIP installs f, called (from a node goroutine) when a renewal
// after a re-login got a different FakeIP or ports.
func (n *Node) WatchFakeIP(f func(ip uint32, ports []uint16)) {
	n.fake.mu.Lock()
	n.fake.watch = f
	n.fake.mu.Unlock()
}

// afterLogin renews the FakeIP after a re-login (Login > 1).
func (n *Node) afterLogin(s signaling.Session) {
	n.fake.mu.Lock()
	nPorts := n.fake.nPorts
	n.fake.mu.Unlock()
	if s.Login <= 1 || nPorts == 0 {
		return
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.wg.Add(1)
	n.mu.Unlock()
	go func() {
		defer n.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), fakeIPRenewTimeout)
		defer cancel()
		go func() {
			select {
			case <-n.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		f, err := n.client.RequestFakeIP(ctx, nPorts)
		if errors.Is(err, signaling.ErrNotLoggedIn) {
			return // logged out again; the next login renews
		}
		if err != nil {
			n.cfg.Logf("p2p: renewing the FakeIP after a re-login failed: %v", err)
			return
		}
		n.fake.mu.Lock()
		changed := f.IP != n.fake.current.IP || !slices.Equal(f.Ports, n.fake.current.Ports)
		n.fake.current = f
		watch := n.fake.watch
		n.fake.mu.Unlock()
		if changed && watch != nil {
			watch(f.IP, f.Ports)
		}
	}()
}

// LookupFakeIP resolves a global FakeIP:port (port 0: any) to its owner's
// SteamID identity and the fake port index.
func (n *Node) LookupFakeIP(ctx context.Context, addr netip.AddrPort) (identity string, portIndex int, err error) {
	if fakeip.Classify(addr.Addr()) != fakeip.TypeGlobal {
		return "", 0, &signaling.RequestError{Op: "fakeip_lookup", Result: signaling.ResultInvalidParam, Text: addr.Addr().String() + " is not a global FakeIP"}
	}
	err = n.retryLoggedIn(ctx, func() error {
		var err error
		identity, portIndex, err = n.client.LookupFakeIP(ctx, fakeip.ToUint32(addr.Addr()), addr.Port())
		return err
	})
	return identity, portIndex, err
}

// RegisterHostedServer registers this node as a hosted dedicated server
// reachable at addr (":port" = the address the service sees) on virtual
// port vport (createHostedDedicatedServerListenSocket).
func (n *Node) RegisterHostedServer(ctx context.Context, addr string, vport int) (signaling.HostedRegistration, error) {
	var out signaling.HostedRegistration
	err := n.retryLoggedIn(ctx, func() error {
		var err error
		out, err = n.client.RegisterHosted(ctx, addr, vport)
		return err
	})
	return out, err
}

// UnregisterHostedServer withdraws vport (-1: all); logging out withdraws
// everything too.
func (n *Node) UnregisterHostedServer(ctx context.Context, vport int) error {
	return n.client.UnregisterHosted(ctx, vport)
}

// RequestRelayTicket gets a signed ticket to reach hosted server
// serverSteamID on vport, and checks it against the trusted CA keys.
func (n *Node) RequestRelayTicket(ctx context.Context, serverSteamID uint64, vport int) (*ticket.Ticket, []byte, error) {
	var rt signaling.RelayTicket
	err := n.retryLoggedIn(ctx, func() error {
		var err error
		rt, err = n.client.RequestRelayTicket(ctx, ca.IdentityString(serverSteamID), vport)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	t, err := n.VerifyRelayTicket(rt.Ticket)
	if err != nil {
		return nil, nil, err
	}
	return t, rt.Ticket, nil
}

// VerifyRelayTicket checks a ticket's signature (against the CA keys the
// service announced or the game pinned), expiry and AppID.
func (n *Node) VerifyRelayTicket(b []byte) (*ticket.Ticket, error) {
	t, err := ticket.Verify(b, n.trust.Keys(), time.Now())
	if err != nil {
		return nil, err
	}
	if t.AppID != n.cfg.AppID {
		return nil, errors.New("p2p: relay auth ticket is for another AppID")
	}
	return t, nil
}

// ListenPort is the UDP port the node's P2P transport was started on
// (Config.ListenPort; 0 = any).
func (n *Node) ListenPort() int { return n.cfg.ListenPort }

// ServicePOP is the POP id the service gives hosted servers (0 before the
// login or when the service hosts none).
func (n *Node) ServicePOP() uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sess.POP
}

// Supports reports whether the service offers a feature
// (signaling: proto feature names "fakeip", "hosted").
func (n *Node) Supports(feature string) bool { return n.client.Supports(feature) }
