package p2p

import (
	"context"
	"errors"
	"net/netip"
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

// RequestFakeIP asks the service for this identity's global FakeIP with
// nPorts ports (beginAsyncRequestFakeIP). It waits for the login.
func (n *Node) RequestFakeIP(ctx context.Context, nPorts int) (signaling.FakeIP, error) {
	var out signaling.FakeIP
	err := n.retryLoggedIn(ctx, func() error {
		var err error
		out, err = n.client.RequestFakeIP(ctx, nPorts)
		return err
	})
	return out, err
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
