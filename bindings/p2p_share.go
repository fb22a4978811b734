package bindings

import "godotsteam-sockets/engine"

// P2P over the shared engine for other classes (SteamMultiplayerPeer's
// create_host / create_client). A node logs in one engine, so such a class
// uses the Steam singleton's engine; the events of its connections are
// claimed here, so they reach that class instead of becoming Steam signals.

// claim is one consumer's set of handles (listen sockets and connections)
// and its queue of routed events. Guarded by shared.mu.
type claim struct {
	eng     *engine.Sockets
	handles map[engine.Handle]bool
	queue   []engine.Event
}

var claims []*claim // guarded by shared.mu

// routeClaimsLocked moves the claimed events of shared.pending to their
// claims, keeping the order of the rest. A connection accepted on a claimed
// listen socket is claimed with it. shared.mu must be held.
func routeClaimsLocked() {
	if len(claims) == 0 || len(shared.pending) == 0 {
		return
	}
	kept := make([]engine.Event, 0, len(shared.pending))
	for _, ev := range shared.pending {
		if c := claimForLocked(ev); c != nil {
			c.queue = append(c.queue, ev)
			continue
		}
		kept = append(kept, ev)
	}
	shared.pending = kept
}

func claimForLocked(ev engine.Event) *claim {
	ch, ok := ev.(*engine.ConnectionStatusChanged)
	if !ok {
		return nil
	}
	for _, c := range claims {
		if c.eng != shared.eng {
			continue
		}
		if c.handles[ch.Conn] {
			return c
		}
		if ch.Info.ListenSocket != engine.InvalidHandle && c.handles[ch.Info.ListenSocket] {
			c.handles[ch.Conn] = true
			return c
		}
	}
	return nil
}

// P2PTransport is the Steam singleton's engine, logged in to the P2P
// service, lent to another class. It satisfies multiplayer.Transport.
type P2PTransport struct {
	eng *engine.Sockets
	c   *claim
}

// NewP2PTransport starts (or reuses) the shared engine and its P2P node,
// configured as for Steam.connectP2P (setRendezvousService, the environment
// or the project setting). host receives warnings; it may be nil.
func NewP2PTransport(host Host) (*P2PTransport, error) {
	s := &Steam{host: host} // not a live instance: it emits no signals
	if _, err := s.p2pNode(); err != nil {
		return nil, err
	}
	eng := s.sockets()
	c := &claim{eng: eng, handles: map[engine.Handle]bool{}}
	shared.mu.Lock()
	claims = append(claims, c)
	shared.mu.Unlock()
	return &P2PTransport{eng: eng, c: c}, nil
}

// Sockets is the shared engine.
func (t *P2PTransport) Sockets() *engine.Sockets { return t.eng }

// Claim routes the events of h (a listen socket: also of the connections
// it accepts) to Events.
func (t *P2PTransport) Claim(h engine.Handle) {
	shared.mu.Lock()
	t.c.handles[h] = true
	shared.mu.Unlock()
}

// Events returns the claimed events since the last call, in order. It
// polls the engine itself; unclaimed events stay queued for run_callbacks.
func (t *P2PTransport) Events() []engine.Event {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.eng == t.eng && t.eng != nil {
		shared.pending = t.eng.PollEvents(shared.pending)
		routeClaimsLocked()
	}
	q := t.c.queue
	t.c.queue = nil
	return q
}

// Release stops routing and drops what is queued. Repeatable.
func (t *P2PTransport) Release() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	for i, c := range claims {
		if c == t.c {
			claims = append(claims[:i:i], claims[i+1:]...)
			break
		}
	}
	t.c.queue = nil
}
