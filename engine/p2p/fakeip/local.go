package fakeip

import (
	"net/netip"
	"sync"
)

// Local hands out locally unique FakeIPs (the local range) to peers that
// have no global FakeIP, as GetRemoteFakeIPForConnection and fake UDP ports
// do in GNS. Assignment is consistent: the same identity keeps its address
// while it is remembered, and each (identity, tag) keeps its port, so
// replies to a from-address reach the same peer port. Memory is bounded:
// when the range (or MaxPeers) is full the least recently used identity is
// forgotten.
type Local struct {
	mu       sync.Mutex
	max      int
	next     uint32
	clock    uint64
	byID     map[string]*localPeer
	byIP     map[uint32]*localPeer
	maxPorts int
}

type localPeer struct {
	identity string
	ip       uint32
	used     uint64
	ports    map[uint32]uint16 // tag → port
	tags     map[uint16]uint32 // port → tag
	nextPort uint16
}

// LocalRangeSize is how many local FakeIPs exist.
const LocalRangeSize = int(LocalLast - LocalFirst + 1)

// MaxLocalPortsPerPeer bounds the ports remembered per peer identity (one
// per remote fake UDP client port or connection tag).
const MaxLocalPortsPerPeer = 1024

// NewLocal returns an allocator remembering at most maxPeers identities
// (0 or more than the range: the whole local range).
func NewLocal(maxPeers int) *Local {
	if maxPeers <= 0 || maxPeers > LocalRangeSize {
		maxPeers = LocalRangeSize
	}
	return &Local{max: maxPeers, byID: map[string]*localPeer{}, byIP: map[uint32]*localPeer{}, maxPorts: MaxLocalPortsPerPeer}
}

// Assign returns the local FakeIP:port for (identity, tag).
func (l *Local) Assign(identity string, tag uint32) netip.AddrPort {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clock++
	p := l.byID[identity]
	if p == nil {
		if len(l.byID) >= l.max {
			l.evictLocked()
		}
		ip := l.freeIPLocked()
		p = &localPeer{identity: identity, ip: ip, ports: map[uint32]uint16{}, tags: map[uint16]uint32{}, nextPort: MinPort}
		l.byID[identity] = p
		l.byIP[ip] = p
	}
	p.used = l.clock
	port, ok := p.ports[tag]
	if !ok {
		if len(p.ports) >= l.maxPorts {
			// Forget an arbitrary older tag: the peer has very many ports.
			for t, old := range p.ports {
				delete(p.ports, t)
				delete(p.tags, old)
				break
			}
		}
		for {
			port = p.nextPort
			p.nextPort++
			if p.nextPort < MinPort {
				p.nextPort = MinPort
			}
			if _, taken := p.tags[port]; !taken {
				break
			}
		}
		p.ports[tag] = port
		p.tags[port] = tag
	}
	return netip.AddrPortFrom(FromUint32(p.ip), port)
}

// Lookup returns the identity and tag behind a local FakeIP:port.
func (l *Local) Lookup(ap netip.AddrPort) (identity string, tag uint32, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.byIP[ToUint32(ap.Addr())]
	if p == nil {
		return "", 0, false
	}
	tag, ok = p.tags[ap.Port()]
	if !ok {
		return "", 0, false
	}
	l.clock++
	p.used = l.clock
	return p.identity, tag, true
}

// Len is the number of identities remembered.
func (l *Local) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byID)
}

func (l *Local) freeIPLocked() uint32 {
	for {
		ip := LocalFirst + l.next%uint32(LocalRangeSize)
		l.next++
		if l.byIP[ip] == nil {
			return ip
		}
	}
}

func (l *Local) evictLocked() {
	var oldest *localPeer
	for _, p := range l.byID {
		if oldest == nil || p.used < oldest.used {
			oldest = p
		}
	}
	if oldest != nil {
		delete(l.byID, oldest.identity)
		delete(l.byIP, oldest.ip)
	}
}
