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
	expires  time.Time // when !live: forgotten after this
}

// fakeIPTable allocates global FakeIPs. Lookups only see live allocations.
type fakeIPTable struct {
	cfg FakeIPConfig

	mu     sync.Mutex
	byIP   map[uint32]*allocation
	byID   map[string]*allocation
	cursor uint32
	// news counts new allocations since the last sweep of expired ones
	// (sweeps are amortised: every expireEvery allocations, or when full).
	news int
}

const expireEvery = 1024

func newFakeIPTable(cfg FakeIPConfig) *fakeIPTable {
	cfg.defaults()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &fakeIPTable{cfg: cfg, byIP: map[uint32]*allocation{}, byID: map[string]*allocation{},
		cursor: binary.LittleEndian.Uint32(b[:]) % uint32(globalRangeSize)}
}

// allocate gives identity a FakeIP with nPorts ports (reusing its live or
// held allocation's address). It returns an EResult.
func (t *fakeIPTable) allocate(identity string, nPorts int, now time.Time) (uint32, []uint16, int) {
	if nPorts < 1 {
		return 0, nil, proto.ResultInvalidParam
	}
	if nPorts > fakeip.MaxPortsPerRequest {
		return 0, nil, proto.ResultLimitExceeded
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.byID[identity]
	if a == nil {
		t.news++
		if t.news >= expireEvery || len(t.byIP) >= t.cfg.Max {
			t.news = 0
			t.expireLocked(now)
		}
		if len(t.byIP) >= t.cfg.Max {
			return 0, nil, proto.ResultLimitExceeded
		}
		a = &allocation{identity: identity, ip: t.freeIPLocked()}
		t.byIP[a.ip] = a
		t.byID[identity] = a
	}
	a.live = true
	if len(a.ports) != nPorts {
		// Keep the ports the identity already had, add fresh ones.
		ports := a.ports[:min(len(a.ports), nPorts)]
		for len(ports) < nPorts {
			p := randomPort()
			dup := false
			for _, q := range ports {
				dup = dup || q == p
			}
			if !dup {
				ports = append(ports, p)
			}
		}
		a.ports = ports
	}
	return a.ip, append([]uint16(nil), a.ports...), proto.ResultOK
}

func randomPort() uint16 {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return uint16(fakeip.MinPort + int(binary.LittleEndian.Uint16(b[:]))%(65536-fakeip.MinPort))
}

// freeIPLocked walks the range from a random start; callers made sure one
// is free.
func (t *fakeIPTable) freeIPLocked() uint32 {
	for {
		ip := fakeip.GlobalFirst + t.cursor%uint32(globalRangeSize)
		t.cursor++
		if t.byIP[ip] == nil {
			return ip
		}
	}
}

// release marks identity's allocation as held until now+Hold.
func (t *fakeIPTable) release(identity string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.byID[identity]; a != nil && a.live {
		a.live = false
		a.expires = now.Add(t.cfg.Hold)
	}
}

// revive makes identity's held allocation live again.
func (t *fakeIPTable) revive(identity string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.byID[identity]; a != nil && !a.live && time.Now().Before(a.expires) {
		a.live = true
	}
}

// expireLocked forgets held allocations past their hold time.
func (t *fakeIPTable) expireLocked(now time.Time) {
	for ip, a := range t.byIP {
		if !a.live && !now.Before(a.expires) {
			delete(t.byIP, ip)
			delete(t.byID, a.identity)
		}
	}
}

// lookup resolves a live FakeIP (and port; 0 = any) to the owner and the
// port index (-1 when port was 0).
func (t *fakeIPTable) lookup(ip uint32, port uint16) (string, int, int) {
	if fakeip.ClassifyUint32(ip) != fakeip.TypeGlobal {
		return "", 0, proto.ResultInvalidParam
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.byIP[ip]
	if a == nil || !a.live {
		return "", 0, proto.ResultNoMatch
	}
	if port == 0 {
		return a.identity, -1, proto.ResultOK
	}
	for i, p := range a.ports {
		if p == port {
			return a.identity, i, proto.ResultOK
		}
	}
	return "", 0, proto.ResultNoMatch
}

// counts returns live and held allocations.
func (t *fakeIPTable) counts() (live, held int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range t.byIP {
		if a.live {
			live++
		} else {
			held++
		}
	}
	return live, held
}
