package p2p

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/signaling"
	"godotsteam-sockets/engine/p2p/ticket"
)

// The engine backend's FakeIP and hosted-server side: engine.FakeIPBackend
// and engine.HostedBackend on top of the Node's service requests
// (node_extras.go).

var (
	_ engine.FakeIPBackend = engineBackend{}
	_ engine.FakeIPWatcher = engineBackend{}
	_ engine.HostedBackend = engineBackend{}
)

// resultError converts a request failure to *engine.ResultError.
func resultError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &engine.ResultError{Result: engine.ResultTimeout, Msg: "the rendezvous service did not answer in time: " + err.Error()}
	}
	return &engine.ResultError{Result: engine.Result(signaling.ResultOf(err)), Msg: err.Error()}
}

func (b engineBackend) RequestFakeIP(ctx context.Context, nPorts int) (uint32, []uint16, error) {
	f, err := b.n.RequestFakeIP(ctx, nPorts)
	if err != nil {
		return 0, nil, resultError(err)
	}
	return f.IP, f.Ports, nil
}

func (b engineBackend) LookupFakeIP(ctx context.Context, addr netip.AddrPort) (engine.Identity, int, error) {
	id, idx, err := b.n.LookupFakeIP(ctx, addr)
	if err != nil {
		return engine.Identity{}, 0, resultError(err)
	}
	sid, err := ca.ParseSteamIdentity(id)
	if err != nil {
		return engine.Identity{}, 0, &engine.ResultError{Result: engine.ResultFail, Msg: "the service named a non-SteamID owner " + id}
	}
	return engine.SteamIDIdentity(sid), idx, nil
}

// fakeIPClaimTimeout bounds the check of a peer's from_fakeip.
const fakeIPClaimTimeout = 3 * time.Second

// checkFakeIPClaim asks the service whether the requester owns the global
// FakeIP it sent as from_fakeip; only then may the engine report it. Only
// requests to FakeIP ports are checked, answers are cached, and checks are
// rate-limited (claimRate), so a flood of connect requests cannot spend
// our session's request budget at the service: past the limit a claim
// simply stays unverified (the peer then gets a local FakeIP).
func (b engineBackend) checkFakeIPClaim(ctx context.Context, req *engine.P2PRequest) {
	if req.FromFakeIP == "" {
		return
	}
	if _, ok := fakeip.IndexForVirtualPort(req.ToVirtualPort); !ok {
		return
	}
	claim, err := netip.ParseAddrPort(req.FromFakeIP)
	if err != nil || fakeip.Classify(claim.Addr()) != fakeip.TypeGlobal {
		return
	}
	from := ca.IdentityString(req.From.SteamID)
	if v, ok := b.n.fake.cachedClaim(from, claim); ok {
		req.FromFakeIPVerified = v
		return
	}
	if !b.n.fake.allowClaimCheck() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, fakeIPClaimTimeout)
	defer cancel()
	owner, _, err := b.n.LookupFakeIP(ctx, claim)
	if err != nil && signaling.ResultOf(err) != signaling.ResultNoMatch {
		return // no answer: unverified, not cached
	}
	req.FromFakeIPVerified = err == nil && owner == from
	b.n.fake.cacheClaim(from, claim, req.FromFakeIPVerified)
}

// WatchFakeIP implements engine.FakeIPWatcher.
func (b engineBackend) WatchFakeIP(f func(ip uint32, ports []uint16)) { b.n.WatchFakeIP(f) }

func (b engineBackend) HostedListenPort() int { return b.n.cfg.ListenPort }

func (b engineBackend) ServicePOP() uint32 { return b.n.ServicePOP() }

func (b engineBackend) RegisterHostedServer(ctx context.Context, port, vport int) (netip.AddrPort, uint32, error) {
	reg, err := b.n.RegisterHostedServer(ctx, ":"+strconv.Itoa(port), vport)
	if err != nil {
		return netip.AddrPort{}, 0, resultError(err)
	}
	return reg.Addr, reg.POP, nil
}

func (b engineBackend) UnregisterHostedServer(ctx context.Context, vport int) error {
	return resultError(b.n.UnregisterHostedServer(ctx, vport))
}

func (b engineBackend) RequestRelayTicket(ctx context.Context, server engine.Identity, vport int) ([]byte, engine.RelayTicket, error) {
	if server.Type != engine.IdentitySteamID {
		return nil, engine.RelayTicket{}, &engine.ResultError{Result: engine.ResultInvalidParam, Msg: "hosted servers have SteamID identities"}
	}
	t, raw, err := b.n.RequestRelayTicket(ctx, server.SteamID, vport)
	if err != nil {
		return nil, engine.RelayTicket{}, resultError(err)
	}
	return raw, engineTicket(t), nil
}

func (b engineBackend) VerifyRelayTicket(raw []byte) (engine.RelayTicket, error) {
	t, err := b.n.VerifyRelayTicket(raw)
	if err != nil {
		return engine.RelayTicket{}, err
	}
	return engineTicket(t), nil
}

func engineTicket(t *ticket.Ticket) engine.RelayTicket {
	return engine.RelayTicket{
		AppID: t.AppID, Server: engine.SteamIDIdentity(t.Server), Client: engine.SteamIDIdentity(t.Client),
		VirtualPort: t.VirtualPort, POP: t.POP, Routing: t.Routing, Expiry: t.Expiry,
	}
}
