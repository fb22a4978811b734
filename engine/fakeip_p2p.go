package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"godotsteam-sockets/engine/p2p/fakeip"
)

// The P2P entry points FakeIP, fake UDP ports and hosted servers share:
// createListenSocketP2P and connectP2P (p2p_path.go) without their
// virtual-port range check, with a resolve step before dialling, and with
// the FakeIP/hosted extras attached to the connection.

func isGlobalFakeIP(addr netip.AddrPort) bool {
	return addr.IsValid() && fakeip.Classify(addr.Addr()) == fakeip.TypeGlobal
}

// hasFakeIPBackend: only then is an address of the FakeIP range a FakeIP.
// Without one it is an ordinary (link-local) address, reached over UDP,
// so LANs that use 169.254.0.0/16 addresses keep working.
func (s *sockets) hasFakeIPBackend() bool {
	_, ok := s.fakeIPBackend()
	return ok
}

// listenP2P registers a P2P listen socket on vport; configure (optional)
// marks it hosted or as a fake UDP port before it is published.
func (s *sockets) listenP2P(vport int, opts []ConfigOption, configure func(*listenSocket)) (Handle, *listenSocket, error) {
	set := configSet{}
	if err := set.apply(opts); err != nil {
		return InvalidHandle, nil, err
	}
	if s.p2p.get() == nil {
		return InvalidHandle, nil, errNoP2PBackend
	}
	if s.layers(set).int(ConfigP2PTransportICEEnable) == iceEnableDisable {
		return InvalidHandle, nil, errors.New("engine: P2P_Transport_ICE_Enable is 0 (disabled): a P2P listen socket could never accept anyone")
	}
	ls := &listenSocket{s: s, opts: set, children: map[netip.AddrPort]*conn{}, p2p: true, vport: vport}
	if configure != nil {
		configure(ls)
	}
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	if s.closed {
		return InvalidHandle, nil, errClosed
	}
	s.p2p.mu.Lock()
	defer s.p2p.mu.Unlock()
	s.p2p.init()
	if s.p2p.listens[vport] != nil {
		return InvalidHandle, nil, fmt.Errorf("engine: already listening on %s", describeVPort(vport))
	}
	ls.handle = s.reg.newIDLocked(false)
	s.reg.listens[ls.handle] = ls
	s.p2p.listens[vport] = ls
	return ls.handle, ls, nil
}

func describeVPort(vport int) string {
	if idx, ok := fakeip.IndexForVirtualPort(vport); ok {
		return fmt.Sprintf("fake port index %d", idx)
	}
	return fmt.Sprintf("virtual port %d", vport)
}

// errNoP2PBackend tells the caller how to give the engine a P2P backend.
var errNoP2PBackend = errors.New("engine: no P2P backend: start a rendezvous client (engine/p2p) and call SetP2PBackend first")

// resolveFunc finds the identity and virtual port to dial (a FakeIP
// lookup, a relay ticket); it runs on the connection's goroutine.
type resolveFunc func(ctx context.Context, c *conn) (Identity, int, error)

// startP2PConn creates an outgoing P2P connection whose remote identity is
// `initial` until resolve names the real one, then dials it. extra carries
// the FakeIP / hosted-server side (nil for a plain ConnectP2P); hidden
// connections post no events.
func (s *sockets) startP2PConn(initial Identity, set configSet, extra *p2pFake, resolve resolveFunc) (Handle, error) {
	b := s.p2p.get()
	if b == nil {
		return InvalidHandle, errNoP2PBackend
	}
	l := s.layers(set)
	ice := l.int(ConfigP2PTransportICEEnable)
	if ice == iceEnableDisable {
		return InvalidHandle, errors.New("engine: P2P_Transport_ICE_Enable is 0 (disabled): no P2P transport left")
	}
	c, err := s.newConn(set, false)
	if err != nil {
		return InvalidHandle, err
	}
	tr := newP2PTransport(s, c, set)
	ctx, cancel := context.WithTimeout(s.p2pContext(), time.Duration(c.cfg.timeoutInitial)*time.Microsecond)
	tr.cancel = cancel
	fromVPort := int(l.int(ConfigLocalVirtualPort))
	hidden, forceRelay := false, false
	if extra != nil {
		hidden, forceRelay = extra.hidden, extra.forceRelay
		if extra.fromVPortSet {
			fromVPort = extra.fromVPort
		}
	}
	c.lock()
	c.remoteIdentity = initial
	c.suppressEvents = hidden
	c.p2p = &p2pConn{backend: b, vport: -1, relayOnly: ice == iceEnableRelay || forceRelay, inFlight: true, fake: extra}
	c.tr = tr
	s.reg.mu.Lock()
	s.reg.publishConnLocked(c)
	s.reg.mu.Unlock()
	now := nowUsec()
	c.setStateLocked(StateConnecting, now)
	c.thinkLocked(now)
	c.unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		remote, vport, err := resolve(ctx, c)
		var path P2PPath
		if err == nil {
			if local, ok := b.LocalIdentity(); ok && local == remote {
				err = &EndError{Reason: EndLocalNetworkConfig, Msg: "that address belongs to our own identity (use CreateSocketPair)"}
			}
		}
		if err == nil {
			c.lock()
			if c.state == StateConnecting {
				c.remoteIdentity = remote
				c.p2p.vport = vport
			}
			c.unlock()
			path, err = s.dialP2P(ctx, c, b, remote, vport, fromVPort)
		}
		c.onP2PPath(path, err)
	}()
	return c.id, nil
}
