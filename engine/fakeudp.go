package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"godotsteam-sockets/engine/p2p/fakeip"
)

// FakeUDPPort is ISteamNetworkingFakeUDPPort: a datagram port addressed by
// FakeIP:port, for porting UDP code. Underneath, each peer is one hidden
// P2P connection (encrypted and authenticated like any other, and posting
// no events); datagrams are unreliable messages unless the flags say
// otherwise.
//
// A server port (index i ≥ 0) is reachable at our global FakeIP and its
// port i: peers' datagrams to it arrive from their global FakeIP:port when
// they send from a server port of their own, else from a local FakeIP. A
// client port (-1) has no address of its own; it can only send to global
// FakeIPs, and replies come back to it.
type FakeUDPPort struct {
	s   *sockets
	idx int    // -1: client port
	tag uint32 // client ports: our from_virtual_port

	mu      sync.Mutex
	ls      *listenSocket // server ports
	pg      Handle
	byAddr  map[netip.AddrPort]Handle
	byConn  map[Handle]netip.AddrPort
	adopted []Handle // accepted, not yet sorted into the maps
	closed  bool
}

// MaxFakeUDPPeers bounds the peers one fake UDP port talks to at a time.
const MaxFakeUDPPeers = 256

// FakeUDPMessage is one received datagram.
type FakeUDPMessage struct {
	From  netip.AddrPort // the sender's FakeIP:port (global or local)
	Data  []byte
	Flags int // SendReliable if it was sent reliably
}

// ephemeralVPortBase numbers client ports' from_virtual_port (below the
// global fake ports).
const ephemeralVPortBase = fakeip.VirtualPortGlobal0 - 0x100000

// CreateFakeUDPPort returns the server port for fake port index idx (the
// same object on every call; BeginAsyncRequestFakeIP must have asked for
// that many ports, though it need not have finished) or, for idx -1, a new
// client port.
func (s *Sockets) CreateFakeUDPPort(idx int) (*FakeUDPPort, error) {
	return s.impl.createFakeUDPPort(idx)
}

func (s *sockets) createFakeUDPPort(idx int) (*FakeUDPPort, error) {
	if _, ok := s.fakeIPBackend(); !ok {
		return nil, errors.New("engine: fake UDP ports need a P2P backend with a rendezvous service that allocates FakeIPs")
	}
	p := &FakeUDPPort{s: s, idx: idx, byAddr: map[netip.AddrPort]Handle{}, byConn: map[Handle]netip.AddrPort{}}
	f := &s.fake
	if idx < 0 {
		if idx != -1 {
			return nil, fmt.Errorf("engine: fake port index %d: use 0..3 for a server port or -1 for a client port", idx)
		}
		f.mu.Lock()
		f.ephemeral++
		p.tag = f.ephemeral
		f.mu.Unlock()
		p.pg = s.createPollGroup()
		return p, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if old := f.udpPorts[idx]; old != nil {
		return old, nil
	}
	if idx >= f.requested {
		if f.requested == 0 {
			return nil, errors.New("engine: call BeginAsyncRequestFakeIP before creating a fake UDP server port")
		}
		return nil, fmt.Errorf("engine: fake port index %d out of range: %d port(s) were requested", idx, f.requested)
	}
	_, ls, err := s.listenP2P(fakeip.VirtualPortForIndex(idx), nil, func(ls *listenSocket) { ls.fakeUDP = p })
	if err != nil {
		return nil, err
	}
	p.ls = ls
	p.pg = s.createPollGroup()
	if f.udpPorts == nil {
		f.udpPorts = map[int]*FakeUDPPort{}
	}
	f.udpPorts[idx] = p
	return p, nil
}

// adopt records a connection accepted on the port's listen socket (called
// with that connection locked: only the port's own lock is taken).
func (p *FakeUDPPort) adopt(h Handle) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.adopted = append(p.adopted, h)
	}
}

// full reports whether the port already talks to MaxFakeUDPPeers peers.
func (p *FakeUDPPort) full() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.byConn)+len(p.adopted) >= MaxFakeUDPPeers
}

// tidy sorts adopted connections into the maps and drops dead ones.
func (p *FakeUDPPort) tidy() {
	p.mu.Lock()
	adopted := p.adopted
	p.adopted = nil
	conns := make([]Handle, 0, len(p.byConn))
	for h := range p.byConn {
		conns = append(conns, h)
	}
	p.mu.Unlock()
	s := p.s
	for _, h := range adopted {
		ap, _, res := s.remoteFakeIP(h)
		if res != ResultOK {
			s.closeConnection(h, 0, "", false)
			continue
		}
		s.setPollGroup(h, p.pg)
		p.mu.Lock()
		if old, ok := p.byAddr[ap]; ok && old != h {
			delete(p.byConn, old)
			go s.closeConnection(old, 0, "Replaced", false)
		}
		p.byAddr[ap] = h
		p.byConn[h] = ap
		p.mu.Unlock()
	}
	for _, h := range conns {
		info, ok := s.connectionInfo(h)
		if ok && info.State != StateClosedByPeer && info.State != StateProblemDetectedLocally {
			continue
		}
		p.forget(h)
		s.closeConnection(h, 0, "", false)
	}
}

func (p *FakeUDPPort) forget(h Handle) {
	p.mu.Lock()
	if ap, ok := p.byConn[h]; ok {
		delete(p.byConn, h)
		if p.byAddr[ap] == h {
			delete(p.byAddr, ap)
		}
	}
	p.mu.Unlock()
}

// SendTo sends one datagram (SendMessageToFakeIP). flags are the
// NETWORKING_SEND_* bits (0: unreliable). Returns ResultOK when queued;
// ResultInvalidParam for an address that is not a FakeIP;
// ResultNoConnection for a local FakeIP we have no connection from (they
// cannot be dialled); ResultInvalidState for a server port before our
// FakeIP is allocated; ResultLimitExceeded with too many peers; else the
// send's result.
func (p *FakeUDPPort) SendTo(to netip.AddrPort, data []byte, flags int) Result {
	p.tidy()
	to = netip.AddrPortFrom(to.Addr().Unmap(), to.Port())
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ResultInvalidState
	}
	h, ok := p.byAddr[to]
	n := len(p.byConn)
	p.mu.Unlock()
	if !ok {
		switch fakeip.Classify(to.Addr()) {
		case fakeip.TypeLocal:
			return ResultNoConnection
		case fakeip.TypeGlobal:
		default:
			return ResultInvalidParam
		}
		if to.Port() == 0 {
			return ResultInvalidParam
		}
		if n >= MaxFakeUDPPeers {
			return ResultLimitExceeded
		}
		var err error
		if h, err = p.dial(to); err != nil {
			p.s.logf("engine: fake UDP port: cannot reach %s: %v", to, err)
			var re *ResultError
			if errors.As(err, &re) {
				return re.Result
			}
			return ResultNoConnection
		}
	}
	_, res := p.s.sendMessage(h, data, flags, 0)
	return res
}

// dial opens the hidden connection to a global FakeIP.
func (p *FakeUDPPort) dial(to netip.AddrPort) (Handle, error) {
	s := p.s
	fb, ok := s.fakeIPBackend()
	if !ok {
		return InvalidHandle, &ResultError{Result: ResultDisabled, Msg: "no FakeIP-capable P2P backend"}
	}
	extra := &p2pFake{remote: to, remoteType: fakeip.TypeGlobal, viaFakeIP: true, hidden: true, fromVPortSet: true}
	if p.idx >= 0 {
		our, ok := s.ourFakeIP(p.idx)
		if !ok {
			return InvalidHandle, &ResultError{Result: ResultInvalidState, Msg: "our FakeIP is not allocated (yet)"}
		}
		extra.fromFakeIP = our.String()
		extra.fromVPort = fakeip.VirtualPortForIndex(p.idx)
	} else {
		extra.fromVPort = ephemeralVPortBase + int(p.tag)
	}
	resolve := func(ctx context.Context, _ *conn) (Identity, int, error) {
		owner, idx, err := fb.LookupFakeIP(ctx, to)
		if err != nil {
			return Identity{}, 0, &EndError{Reason: EndMiscP2PRendezvous, Msg: fmt.Sprintf("FakeIP %s: %v", to, err)}
		}
		if idx < 0 {
			return Identity{}, 0, &EndError{Reason: EndMiscP2PRendezvous, Msg: fmt.Sprintf("FakeIP %s has no such port", to)}
		}
		return owner, fakeip.VirtualPortForIndex(idx), nil
	}
	h, err := s.startP2PConn(IPIdentity(to), configSet{}, extra, resolve)
	if err != nil {
		return InvalidHandle, err
	}
	s.setPollGroup(h, p.pg)
	p.mu.Lock()
	p.byAddr[to] = h
	p.byConn[h] = to
	p.mu.Unlock()
	return h, nil
}

// Receive returns up to max datagrams, oldest first.
func (p *FakeUDPPort) Receive(max int) []FakeUDPMessage {
	p.tidy()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed || max <= 0 {
		return nil
	}
	msgs := p.s.receiveOnPollGroup(p.pg, max)
	out := make([]FakeUDPMessage, 0, len(msgs))
	for _, m := range msgs {
		p.mu.Lock()
		from, ok := p.byConn[m.Conn]
		p.mu.Unlock()
		if !ok {
			if ap, _, res := p.s.remoteFakeIP(m.Conn); res == ResultOK {
				from = ap
			}
		}
		out = append(out, FakeUDPMessage{From: from, Data: m.Data, Flags: m.Flags})
	}
	return out
}

// ScheduleCleanup closes the connection to a peer we are done with.
func (p *FakeUDPPort) ScheduleCleanup(addr netip.AddrPort) {
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	p.mu.Lock()
	h, ok := p.byAddr[addr]
	p.mu.Unlock()
	if ok {
		p.forget(h)
		p.s.closeConnection(h, 0, "Fake UDP peer cleaned up", true)
	}
}

// Close destroys the port (DestroyFakeUDPPort) and its connections.
func (p *FakeUDPPort) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	conns := append([]Handle(nil), p.adopted...)
	for h := range p.byConn {
		conns = append(conns, h)
	}
	p.byConn, p.byAddr, p.adopted = map[Handle]netip.AddrPort{}, map[netip.AddrPort]Handle{}, nil
	ls := p.ls
	p.mu.Unlock()
	s := p.s
	for _, h := range conns {
		s.closeConnection(h, 0, "Fake UDP port destroyed", false)
	}
	if ls != nil {
		s.closeListenSocket(ls.handle)
		s.fake.mu.Lock()
		if s.fake.udpPorts[p.idx] == p {
			delete(s.fake.udpPorts, p.idx)
		}
		s.fake.mu.Unlock()
	}
	s.destroyPollGroup(p.pg)
}

// Index is the port's fake port index (-1 for a client port).
func (p *FakeUDPPort) Index() int { return p.idx }
