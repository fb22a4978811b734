package rendezvous

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"

	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/internal/proto"
)

// FakeIPConfig configures global FakeIP allocation (beginAsyncRequestFakeIP).
// Each logged-in identity gets at most one FakeIP, unique on this service
// (the service serves one AppID, so unique per app), from fakeip's global
// range, with up to fakeip.MaxPortsPerRequest random ports above 1024.
type FakeIPConfig struct {
	// Disabled turns FakeIP allocation off (requests get RESULT_DISABLED).
	Disabled bool
	// Max bounds live plus held allocations (default and maximum: the size
	// of the global range, 32512).
	Max int
	// Hold keeps an allocation reserved for its identity this long after it
	// logs out, so a client that logs in again (network blip, service
	// restart of a single node aside) gets the same FakeIP back
	// (default 30 s; 0 < Hold ≤ 1 h).
	Hold time.Duration
}

func (c *FakeIPConfig) defaults() {
	if c.Max <= 0 || c.Max > globalRangeSize {
		c.Max = globalRangeSize
	}
	if c.Hold <= 0 {
		c.Hold = 30 * time.Second
	}
	c.Hold = min(c.Hold, time.Hour)
}

const globalRangeSize = int(fakeip.GlobalLast - fakeip.GlobalFirst + 1)

// allocation is one identity's FakeIP.
type allocation struct {
	identity string
	ip       uint32
	ports    []uint16
	live     bool      // owner logged in
	pending  bool      // being claimed in the broker: invisible, not reusable
	expires  time.Time // when !live: forgotten after this
}

// fakeIPTable allocates global FakeIPs. Lookups only see live allocations.
// With a broker (cluster non-nil) every address is also claimed in Redis
// before it is handed out, so nodes never hand out the same one, and
// lookups of addresses not live here ask Redis (shared.go).
type fakeIPTable struct {
	cfg FakeIPConfig
	// size of the address plan walked from fakeip.GlobalFirst
	// (globalRangeSize; tests shrink it to force collisions).
	size uint32

	mu     sync.Mutex
	byIP   map[uint32]*allocation
	byID   map[string]*allocation
	cursor uint32
	// news counts new allocations since the last sweep of expired ones
	// (sweeps are amortised: every expireEvery allocations, or when full).
	news int
}

const expireEvery = 1024

// maxClaimAttempts bounds the addresses tried in the broker for one
// request: past it the shared plan is taken for full.
const maxClaimAttempts = 64

func newFakeIPTable(cfg FakeIPConfig) *fakeIPTable {
	cfg.defaults()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &fakeIPTable{cfg: cfg, size: uint32(globalRangeSize), byIP: map[uint32]*allocation{}, byID: map[string]*allocation{},
		cursor: binary.LittleEndian.Uint32(b[:]) % uint32(globalRangeSize)}
}

// allocate gives identity a FakeIP with nPorts ports (reusing its live or
// held allocation's address, here or, with a broker, on any node). It
// returns an EResult; with a broker that cannot be asked it refuses
// (ResultBusy: the only source of that result here) rather than risk a duplicate.
func (t *fakeIPTable) allocate(identity string, nPorts int, now time.Time, c *cluster) (uint32, []uint16, int) {
	if nPorts < 1 {
		return 0, nil, proto.ResultInvalidParam
	}
	if nPorts > fakeip.MaxPortsPerRequest {
		return 0, nil, proto.ResultLimitExceeded
	}
	t.mu.Lock()
	a := t.byID[identity]
	if a != nil && a.pending { // a racing request of the same identity
		t.mu.Unlock()
		return 0, nil, proto.ResultInvalidState
	}
	if a == nil {
		if c != nil {
			t.mu.Unlock()
			return t.allocateShared(identity, nPorts, now, c)
		}
		t.news++
		if t.news >= expireEvery || len(t.byIP) >= t.cfg.Max {
			t.news = 0
			t.expireLocked(now)
		}
		if len(t.byIP) >= t.cfg.Max {
			t.mu.Unlock()
			return 0, nil, proto.ResultLimitExceeded
		}
		ip, _ := t.freeIPLocked(nil)
		a = &allocation{identity: identity, ip: ip}
		t.byIP[a.ip] = a
		t.byID[identity] = a
	}
	a.live = true
	a.ports = growPorts(a.ports, nPorts)
	ip, ports := a.ip, append([]uint16(nil), a.ports...)
	t.mu.Unlock()
	if c != nil {
		ok, err := c.claimFakeIP(identity, ip, ports)
		if err != nil {
			return 0, nil, proto.ResultBusy
		}
		if !ok { // lapsed during an outage and taken elsewhere: start afresh
			c.stats.conflicts.Add(1)
			t.drop(identity, ip)
			return t.allocateShared(identity, nPorts, now, c)
		}
	}
	return ip, ports, proto.ResultOK
}

// growPorts keeps the ports an identity already had (up to n) and adds
// fresh distinct ones.
func growPorts(had []uint16, n int) []uint16 {
	if len(had) == n {
		return had
	}
	ports := append([]uint16(nil), had[:min(len(had), n)]...)
	for len(ports) < n {
		p := randomPort()
		dup := false
		for _, q := range ports {
			dup = dup || q == p
		}
		if !dup {
			ports = append(ports, p)
		}
	}
	return ports
}

// allocateShared finds identity a new address claimed in the broker: the
// one it held on any node if there is one, else free addresses here until
// one is free in Redis too.
func (t *fakeIPTable) allocateShared(identity string, nPorts int, now time.Time, c *cluster) (uint32, []uint16, int) {
	prev, hasPrev, err := c.previousFakeIP(identity)
	if err != nil {
		return 0, nil, proto.ResultBusy
	}
	var had []uint16
	if hasPrev { // keep the ports it had too
		rec, err := c.lookupFakeIP(prev)
		if err != nil {
			return 0, nil, proto.ResultBusy
		}
		if rec != nil && rec.identity == identity {
			had = rec.ports
		}
	}
	ports := growPorts(had, nPorts)
	tried := map[uint32]bool{}
	for attempt := 0; attempt < maxClaimAttempts; attempt++ {
		t.mu.Lock()
		if t.byID[identity] != nil { // a racing request of the same identity
			t.mu.Unlock()
			return 0, nil, proto.ResultInvalidState
		}
		t.news++
		if t.news >= expireEvery || len(t.byIP) >= t.cfg.Max {
			t.news = 0
			t.expireLocked(now)
		}
		if len(t.byIP) >= t.cfg.Max {
			t.mu.Unlock()
			return 0, nil, proto.ResultLimitExceeded
		}
		var ip uint32
		ok := false
		if hasPrev && t.byIP[prev] == nil && !tried[prev] {
			ip, ok = prev, true
		} else {
			ip, ok = t.freeIPLocked(tried)
		}
		if !ok {
			t.mu.Unlock()
			return 0, nil, proto.ResultLimitExceeded
		}
		tried[ip] = true
		a := &allocation{identity: identity, ip: ip, pending: true}
		t.byIP[ip] = a
		t.byID[identity] = a
		t.mu.Unlock()

		claimed, err := c.claimFakeIP(identity, ip, ports)
		t.mu.Lock()
		if err != nil || !claimed {
			delete(t.byIP, ip)
			delete(t.byID, identity)
			t.mu.Unlock()
			if err != nil {
				return 0, nil, proto.ResultBusy
			}
			continue // another node's: try the next address
		}
		a.pending, a.live, a.ports = false, true, ports
		t.mu.Unlock()
		return ip, append([]uint16(nil), ports...), proto.ResultOK
	}
	return 0, nil, proto.ResultLimitExceeded
}

func randomPort() uint16 {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return uint16(fakeip.MinPort + int(binary.LittleEndian.Uint16(b[:]))%(65536-fakeip.MinPort))
}

// freeIPLocked walks the plan from a random start for an address neither
// allocated here nor in skip.
func (t *fakeIPTable) freeIPLocked(skip map[uint32]bool) (uint32, bool) {
	for i := uint32(0); i < t.size; i++ {
		ip := fakeip.GlobalFirst + t.cursor%t.size
		t.cursor++
		if t.byIP[ip] == nil && !skip[ip] {
			return ip, true
		}
	}
	return 0, false
}

// release marks identity's allocation as held until now+Hold. It returns
// the allocation's address and ports (ok false: nothing was live).
func (t *fakeIPTable) release(identity string, now time.Time) (uint32, []uint16, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.byID[identity]; a != nil && a.live {
		a.live = false
		a.expires = now.Add(t.cfg.Hold)
		return a.ip, append([]uint16(nil), a.ports...), true
	}
	return 0, nil, false
}

// revive makes identity's held allocation live again (and returns it).
func (t *fakeIPTable) revive(identity string) (uint32, []uint16, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.byID[identity]; a != nil && !a.live && !a.pending && time.Now().Before(a.expires) {
		a.live = true
		return a.ip, append([]uint16(nil), a.ports...), true
	}
	return 0, nil, false
}

// drop forgets identity's allocation of ip.
func (t *fakeIPTable) drop(identity string, ip uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.byID[identity]; a != nil && a.ip == ip && !a.pending {
		delete(t.byID, identity)
		delete(t.byIP, ip)
	}
}

// liveSnapshot copies the live allocations (for renewal in the broker).
func (t *fakeIPTable) liveSnapshot() []allocation {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]allocation, 0, len(t.byID))
	for _, a := range t.byID {
		if a.live {
			out = append(out, allocation{identity: a.identity, ip: a.ip, ports: append([]uint16(nil), a.ports...)})
		}
	}
	return out
}

// expireLocked forgets held allocations past their hold time.
func (t *fakeIPTable) expireLocked(now time.Time) {
	for ip, a := range t.byIP {
		if !a.live && !a.pending && !now.Before(a.expires) {
			delete(t.byIP, ip)
			delete(t.byID, a.identity)
		}
	}
}

// lookup resolves a live FakeIP (and port; 0 = any) to the owner and the
// port index (-1 when port was 0). An address not live here is looked up
// in the broker when there is one.
func (t *fakeIPTable) lookup(ip uint32, port uint16, c *cluster) (string, int, int) {
	if fakeip.ClassifyUint32(ip) != fakeip.TypeGlobal {
		return "", 0, proto.ResultInvalidParam
	}
	t.mu.Lock()
	a := t.byIP[ip]
	var identity string
	var ports []uint16
	if a != nil && a.live {
		identity, ports = a.identity, a.ports
	}
	t.mu.Unlock()
	if identity == "" {
		if c == nil {
			return "", 0, proto.ResultNoMatch
		}
		rec, err := c.lookupFakeIP(ip)
		if err != nil {
			return "", 0, proto.ResultBusy
		}
		if rec == nil || !rec.live {
			return "", 0, proto.ResultNoMatch
		}
		identity, ports = rec.identity, rec.ports
	}
	if port == 0 {
		return identity, -1, proto.ResultOK
	}
	for i, p := range ports {
		if p == port {
			return identity, i, proto.ResultOK
		}
	}
	return "", 0, proto.ResultNoMatch
}

// counts returns live and held allocations.
func (t *fakeIPTable) counts() (live, held int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range t.byIP {
		switch {
		case a.live:
			live++
		case !a.pending:
			held++
		}
	}
	return live, held
}
