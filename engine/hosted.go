package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"
)

// Hosted dedicated servers (CreateHostedDedicatedServerListenSocket,
// ConnectToHostedDedicatedServer, GetHostedDedicatedServerPort/POPID/
// Address, FindRelayAuthTicketForServer, ReceivedRelayAuthTicket).
//
// Steam runs these in Valve's data centres behind its relays; here the
// rendezvous service plays the data centre and game coordinator. A server
// started with SDR_LISTEN_PORT set runs its P2P transport on that UDP port
// (the backend's HostedListenPort), listens with a P2P listen socket that
// requires a relay auth ticket, and registers with the service (its
// address and the service's POP id). A client asks the service for a
// ticket signed with the service's CA key, then connects P2P through the
// TURN relay only (the server's address is never used directly), sending
// the ticket in the rendezvous message (hosted_server_ticket) where the
// server checks it: signature, expiry, AppID, client and server identity,
// virtual port.

// EnvSDRListenPort is the environment variable naming the hosted server's
// UDP port.
const EnvSDRListenPort = "SDR_LISTEN_PORT"

// RelayTicket is a verified relay auth ticket.
type RelayTicket struct {
	AppID       uint32
	Server      Identity
	Client      Identity
	VirtualPort int // -1: any
	POP         uint32
	Routing     netip.AddrPort // the server's registered address
	Expiry      time.Time
}

// HostedBackend is implemented by P2P backends whose rendezvous service
// hosts dedicated servers (engine/p2p's backend does). Errors carrying an
// EResult should be *ResultError.
type HostedBackend interface {
	// HostedListenPort is the UDP port the backend's P2P transport uses
	// for its own candidates (0: any port).
	HostedListenPort() int
	// ServicePOP is the service's POP id once logged in (0 before).
	ServicePOP() uint32
	// RegisterHostedServer registers us on the service as a hosted server
	// listening on UDP port `port` for virtual port vport.
	RegisterHostedServer(ctx context.Context, port, vport int) (addr netip.AddrPort, pop uint32, err error)
	// UnregisterHostedServer withdraws virtual port vport.
	UnregisterHostedServer(ctx context.Context, vport int) error
	// RequestRelayTicket asks the service for a ticket to reach server on vport.
	RequestRelayTicket(ctx context.Context, server Identity, vport int) (raw []byte, t RelayTicket, err error)
	// VerifyRelayTicket checks a ticket against the trusted CA keys.
	VerifyRelayTicket(raw []byte) (RelayTicket, error)
}

// HostedDedicatedServerPort returns SDR_LISTEN_PORT (false when unset or
// not a port number 1..65535).
func HostedDedicatedServerPort() (uint16, bool) {
	env, ok := os.LookupEnv(EnvSDRListenPort)
	if !ok || env == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(env, 10, 16)
	if err != nil || v == 0 {
		return 0, false
	}
	return uint16(v), true
}

// hostedState is the Sockets' hosted-server side (in fakeState).
type hostedState struct {
	mu       sync.Mutex
	regs     map[int]*hostedReg // by virtual port
	tickets  map[ticketKey]*cachedTicket
	last     *RelayTicket // the most recently received ticket
	fetching map[ticketKey]bool
}

type hostedReg struct {
	done bool
	err  error
	addr netip.AddrPort
	pop  uint32
}

type ticketKey struct {
	server uint64
	vport  int
}

type cachedTicket struct {
	raw []byte
	t   RelayTicket
}

// maxCachedTickets bounds the client's ticket cache.
const maxCachedTickets = 256

func (s *sockets) hostedBackend() (HostedBackend, bool) {
	hb, ok := s.p2p.get().(HostedBackend)
	return hb, ok
}

// HostedDedicatedServerPOPID is the POP id of the service's data centre
// when SDR_LISTEN_PORT is set and the backend is logged in, else 0.
func (s *Sockets) HostedDedicatedServerPOPID() uint32 {
	if _, ok := HostedDedicatedServerPort(); !ok {
		return 0
	}
	if hb, ok := s.impl.hostedBackend(); ok {
		return hb.ServicePOP()
	}
	return 0
}

// CreateHostedDedicatedServerListenSocket listens on virtual port vport as
// a hosted dedicated server: SDR_LISTEN_PORT must be set, and the P2P
// backend must run its transport on that UDP port. Clients need a relay
// auth ticket (ConnectToHostedDedicatedServer gets one). The server
// registers with the service in the background (HostedDedicatedServerAddress
// reports how that went).
func (s *Sockets) CreateHostedDedicatedServerListenSocket(vport int, opts []ConfigOption) (Handle, error) {
	return s.impl.createHostedListenSocket(vport, opts)
}

func (s *sockets) createHostedListenSocket(vport int, opts []ConfigOption) (Handle, error) {
	port, ok := HostedDedicatedServerPort()
	if !ok {
		return InvalidHandle, errors.New("engine: SDR_LISTEN_PORT is not set (or not a port number): a hosted dedicated server listens on the UDP port it names")
	}
	if vport < 0 || vport > 0xFFFF {
		return InvalidHandle, fmt.Errorf("engine: virtual port %d out of range 0..65535", vport)
	}
	hb, ok := s.hostedBackend()
	if !ok {
		return InvalidHandle, errors.New("engine: hosted dedicated servers need a P2P backend with a rendezvous service (SetP2PBackend)")
	}
	if got := hb.HostedListenPort(); got != int(port) {
		return InvalidHandle, fmt.Errorf("engine: SDR_LISTEN_PORT is %d but the P2P backend's transport uses UDP port %d; start it with that port (p2p.Config.ListenPort)", port, got)
	}
	h, _, err := s.listenP2P(vport, opts, func(ls *listenSocket) { ls.hosted = true })
	if err != nil {
		return InvalidHandle, err
	}
	hs := &s.fake.hosted
	reg := &hostedReg{}
	hs.mu.Lock()
	if hs.regs == nil {
		hs.regs = map[int]*hostedReg{}
	}
	hs.regs[vport] = reg
	hs.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.p2pContext(), 2*time.Minute)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		addr, pop, err := hb.RegisterHostedServer(ctx, int(port), vport)
		if err != nil {
			s.logf("engine: hosted server registration for virtual port %d failed: %v", vport, err)
		}
		hs.mu.Lock()
		reg.done, reg.err, reg.addr, reg.pop = true, err, addr, pop
		hs.mu.Unlock()
	}()
	return h, nil
}

// hostedListenerClosed withdraws a closed hosted listen socket's registration.
func (s *sockets) hostedListenerClosed(ls *listenSocket) {
	if !ls.hosted {
		return
	}
	hs := &s.fake.hosted
	hs.mu.Lock()
	delete(hs.regs, ls.vport)
	hs.mu.Unlock()
	hb, ok := s.hostedBackend()
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(s.p2pContext(), 10*time.Second)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		_ = hb.UnregisterHostedServer(ctx, ls.vport)
	}()
}

// HostedDedicatedServerAddress is GetHostedDedicatedServerAddress's
// result: ResultInvalidState when SDR_LISTEN_PORT is unset, ResultPending
// until a hosted listen socket registered, ResultOK with the registered
// address and POP id, or the registration's failure.
func (s *Sockets) HostedDedicatedServerAddress() (netip.AddrPort, uint32, Result) {
	if _, ok := HostedDedicatedServerPort(); !ok {
		return netip.AddrPort{}, 0, ResultInvalidState
	}
	hs := &s.impl.fake.hosted
	hs.mu.Lock()
	defer hs.mu.Unlock()
	res := ResultPending
	for _, r := range hs.regs {
		switch {
		case r.done && r.err == nil:
			return r.addr, r.pop, ResultOK
		case r.done:
			res = resultOf(r.err, ResultFail)
		}
	}
	return netip.AddrPort{}, 0, res
}

// checkHostedTicket verifies the ticket of a request to a hosted listen
// socket (called with the new connection locked).
func (s *sockets) checkHostedTicket(b P2PBackend, ls *listenSocket, req *P2PRequest) (int, string) {
	hb, ok := b.(HostedBackend)
	if !ok {
		return EndMiscGeneric, "Hosted server without a ticket-capable backend"
	}
	if len(req.HostedTicket) == 0 {
		return EndRemoteBadCert, "A relay auth ticket is required to connect to this hosted server"
	}
	t, err := hb.VerifyRelayTicket(req.HostedTicket)
	if err != nil {
		return EndRemoteBadCert, "Bad relay auth ticket: " + err.Error()
	}
	local, _ := b.LocalIdentity()
	switch {
	case t.Client != req.From:
		return EndRemoteBadCert, fmt.Sprintf("Relay auth ticket is for %s, not %s", t.Client, req.From)
	case t.Server != local:
		return EndRemoteBadCert, fmt.Sprintf("Relay auth ticket is for server %s, not us", t.Server)
	case t.VirtualPort != -1 && t.VirtualPort != ls.vport:
		return EndRemoteBadCert, fmt.Sprintf("Relay auth ticket is for virtual port %d, not %d", t.VirtualPort, ls.vport)
	}
	return 0, ""
}

// ConnectToHostedDedicatedServer connects to hosted server `server` on
// vport through the relay: with a cached ticket, or one fetched from the
// service first. Fails (end reason 5008) when no ticket can be had.
func (s *Sockets) ConnectToHostedDedicatedServer(server Identity, vport int, opts []ConfigOption) (Handle, error) {
	return s.impl.connectHosted(server, vport, opts)
}

func (s *sockets) connectHosted(server Identity, vport int, opts []ConfigOption) (Handle, error) {
	set := configSet{}
	if err := set.apply(opts); err != nil {
		return InvalidHandle, err
	}
	if server.Type != IdentitySteamID || server.SteamID == 0 {
		return InvalidHandle, fmt.Errorf("engine: cannot connect to hosted server %s: need a SteamID identity", server)
	}
	if vport < 0 || vport > 0xFFFF {
		return InvalidHandle, fmt.Errorf("engine: virtual port %d out of range 0..65535", vport)
	}
	hb, ok := s.hostedBackend()
	if !ok {
		return InvalidHandle, errors.New("engine: hosted dedicated servers need a P2P backend with a rendezvous service (SetP2PBackend)")
	}
	extra := &p2pFake{forceRelay: true}
	resolve := func(ctx context.Context, c *conn) (Identity, int, error) {
		raw, _, err := s.relayTicket(ctx, hb, server, vport)
		if err != nil {
			return Identity{}, 0, &EndError{Reason: EndMiscP2PRendezvous, Msg: "no relay auth ticket for " + server.String() + ": " + err.Error()}
		}
		c.lock()
		extra.hostedTicket = raw
		c.unlock()
		return server, vport, nil
	}
	return s.startP2PConn(server, set, extra, resolve)
}

// relayTicket returns a cached, unexpired ticket or fetches one.
func (s *sockets) relayTicket(ctx context.Context, hb HostedBackend, server Identity, vport int) ([]byte, RelayTicket, error) {
	if raw, t, ok := s.cachedTicket(server, vport); ok {
		return raw, t, nil
	}
	raw, t, err := hb.RequestRelayTicket(ctx, server, vport)
	if err != nil {
		return nil, RelayTicket{}, err
	}
	s.cacheTicket(raw, t)
	return raw, t, nil
}

func (s *sockets) cachedTicket(server Identity, vport int) ([]byte, RelayTicket, bool) {
	hs := &s.fake.hosted
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for _, k := range []ticketKey{{server.SteamID, vport}, {server.SteamID, -1}} {
		if ct := hs.tickets[k]; ct != nil {
			if time.Until(ct.t.Expiry) > time.Second {
				return ct.raw, ct.t, true
			}
			delete(hs.tickets, k)
		}
	}
	return nil, RelayTicket{}, false
}

func (s *sockets) cacheTicket(raw []byte, t RelayTicket) {
	hs := &s.fake.hosted
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.tickets == nil {
		hs.tickets = map[ticketKey]*cachedTicket{}
	}
	if len(hs.tickets) >= maxCachedTickets {
		// Drop expired tickets, else the one expiring first.
		var first ticketKey
		var firstExp time.Time
		for k, ct := range hs.tickets {
			if time.Until(ct.t.Expiry) <= 0 {
				delete(hs.tickets, k)
				continue
			}
			if firstExp.IsZero() || ct.t.Expiry.Before(firstExp) {
				first, firstExp = k, ct.t.Expiry
			}
		}
		if len(hs.tickets) >= maxCachedTickets {
			delete(hs.tickets, first)
		}
	}
	hs.tickets[ticketKey{t.Server.SteamID, t.VirtualPort}] = &cachedTicket{raw: raw, t: t}
	last := t
	hs.last = &last
}

// FindRelayAuthTicketForServer returns the seconds until the cached ticket
// for (server, vport) expires, or 0 when there is none; in that case, with
// a hosted-capable backend, it starts fetching one from the service so a
// later call (or ConnectToHostedDedicatedServer) finds it.
func (s *Sockets) FindRelayAuthTicketForServer(server Identity, vport int) int {
	return s.impl.findRelayTicket(server, vport)
}

func (s *sockets) findRelayTicket(server Identity, vport int) int {
	if _, t, ok := s.cachedTicket(server, vport); ok {
		return max(1, int(time.Until(t.Expiry).Seconds()))
	}
	hb, ok := s.hostedBackend()
	if !ok || server.Type != IdentitySteamID || server.SteamID == 0 || vport < 0 || vport > 0xFFFF {
		return 0
	}
	k := ticketKey{server.SteamID, vport}
	hs := &s.fake.hosted
	hs.mu.Lock()
	if hs.fetching[k] || len(hs.fetching) >= maxCachedTickets {
		hs.mu.Unlock()
		return 0
	}
	if hs.fetching == nil {
		hs.fetching = map[ticketKey]bool{}
	}
	hs.fetching[k] = true
	hs.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.p2pContext(), 30*time.Second)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		if _, _, err := s.relayTicket(ctx, hb, server, vport); err != nil {
			s.logf("engine: no relay auth ticket for %s virtual port %d: %v", server, vport, err)
		}
		hs.mu.Lock()
		delete(hs.fetching, k)
		hs.mu.Unlock()
	}()
	return 0
}

// LastRelayTicket is the most recently received relay auth ticket
// (ReceivedRelayAuthTicket), if any.
func (s *Sockets) LastRelayTicket() (RelayTicket, bool) {
	hs := &s.impl.fake.hosted
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.last == nil {
		return RelayTicket{}, false
	}
	return *hs.last, true
}
