package p2p

import (
	"context"
	"crypto/ed25519"
	"errors"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/ice"
)

// EngineBackend adapts the node to engine.P2PBackend, for
// engine.Sockets.SetP2PBackend. A node serves one Sockets (it has one queue
// of incoming connect requests). The node's Config.AppID should equal the
// engine's Options.AppID.
func (n *Node) EngineBackend() engine.P2PBackend { return engineBackend{n} }

type engineBackend struct{ n *Node }

func (b engineBackend) LocalIdentity() (engine.Identity, bool) {
	id, _, ok := b.n.Identity()
	if !ok {
		return engine.Identity{}, false
	}
	return engine.SteamIDIdentity(id), true
}

func (b engineBackend) WaitReady(ctx context.Context) error { return b.n.WaitReady(ctx) }

func (b engineBackend) Credentials() ([]byte, ed25519.PrivateKey, bool) { return b.n.Credentials() }

func (b engineBackend) VerifyPeerCert(cert []byte, expect engine.Identity) error {
	if expect.Type != engine.IdentitySteamID || !ca.ValidSteamID(expect.SteamID) {
		return &engine.EndError{Reason: engine.EndRemoteBadCert, Msg: "P2P peers must have a SteamID identity, not " + expect.String()}
	}
	if _, err := b.n.VerifyPeerCert(cert, expect.SteamID); err != nil {
		var ce *ca.CertError
		if errors.As(err, &ce) {
			return &engine.EndError{Reason: ce.EndReason, Msg: "Bad cert: " + ce.Msg}
		}
		return &engine.EndError{Reason: engine.EndRemoteBadCert, Msg: "Bad cert: " + err.Error()}
	}
	return nil
}

func (b engineBackend) Dial(ctx context.Context, remote engine.Identity, p engine.P2PDialParams) (engine.P2PPath, error) {
	if remote.Type != engine.IdentitySteamID {
		return nil, &engine.EndError{Reason: engine.EndLocalNetworkConfig, Msg: "P2P needs a SteamID identity, not " + remote.String()}
	}
	c, err := b.n.Dial(ctx, remote.SteamID, ice.DialParams{
		LocalConnID: p.LocalConnID, ToVirtualPort: p.ToVirtualPort, FromVirtualPort: p.FromVirtualPort,
		Cert: p.Cert, Crypt: p.Crypt, RelayOnly: p.RelayOnly, OnAnswered: p.OnAnswered,
		FromFakeIP: p.FromFakeIP, HostedTicket: p.HostedTicket,
	})
	if err != nil {
		return nil, endError(err)
	}
	return path{c}, nil
}

func (b engineBackend) Accept(ctx context.Context) (*engine.P2PRequest, error) {
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case in, ok := <-b.n.Incoming():
			if !ok {
				return nil, ErrClosed
			}
			id, err := ca.ParseSteamIdentity(in.From)
			if err != nil {
				in.Reject(ca.EndRemoteBadCert, "P2P peers must have a SteamID identity")
				continue
			}
			req := &engine.P2PRequest{
				From: engine.SteamIDIdentity(id), RemoteConnID: in.RemoteConnID,
				ToVirtualPort: in.ToVirtualPort, FromVirtualPort: in.FromVirtualPort,
				Cert: in.Cert, Crypt: in.Crypt, Answer: answer{in},
				FromFakeIP: in.FromFakeIP, HostedTicket: in.HostedTicket,
			}
			b.checkFakeIPClaim(ctx, req) // backend_extras.go
			return req, nil
		}
	}
}

type answer struct{ in *ice.Incoming }

func (a answer) Accept(ctx context.Context, p engine.P2PAcceptParams) (engine.P2PPath, error) {
	c, err := a.in.Accept(ctx, ice.AcceptParams{LocalConnID: p.LocalConnID, Cert: p.Cert, Crypt: p.Crypt, RelayOnly: p.RelayOnly})
	if err != nil {
		return nil, endError(err)
	}
	return path{c}, nil
}

func (a answer) Reject(reason int, debug string) { a.in.Reject(reason, debug) }

// path adapts *ice.Conn to engine.P2PPath.
type path struct{ *ice.Conn }

func (p path) Route() engine.P2PRoute {
	pi := p.Path()
	return engine.P2PRoute{Relayed: pi.Relayed, RemoteAddr: pi.RemoteAddr}
}

func (p path) EndReason() (int, string, bool) {
	r, d := p.Conn.EndReason()
	return r, d, p.ClosedByPeer()
}

func endError(err error) error {
	var e *ice.Error
	if errors.As(err, &e) {
		return &engine.EndError{Reason: e.Reason, Msg: e.Msg}
	}
	return &engine.EndError{Reason: engine.EndMiscGeneric, Msg: err.Error()}
}
