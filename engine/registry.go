package engine

import (
	"math/rand/v2"
	"sync"
	"time"
)

// epoch anchors the engine's monotonic µs clock. The +1 s offset keeps every
// timestamp positive and non-zero (0 means "not set" in timers).
var epoch = time.Now()

func nowUsec() int64 { return int64(time.Since(epoch)/time.Microsecond) + 1_000_000 }

// recentIDs remembers recently freed handles so they are not reused soon.
const recentIDs = 1024

// registry maps handles to live objects. Lock order: a connection's mu may be
// held while taking registry.mu, never the reverse.
type registry struct {
	mu       sync.RWMutex
	conns    map[Handle]*conn         // API-visible connections (handle valid)
	all      map[uint32]*conn         // every live connection, incl. linger/finwait
	low16    map[uint16]int           // low 16 bits of live connection IDs
	listens  map[Handle]*listenSocket // live listen sockets
	groups   map[Handle]*pollGroup    // live poll groups
	recent   [recentIDs]uint32
	recentAt int
	recentLo map[uint16]int // low halves of recently freed connection IDs
}

func newRegistry() *registry {
	return &registry{
		conns: map[Handle]*conn{}, all: map[uint32]*conn{}, low16: map[uint16]int{},
		listens: map[Handle]*listenSocket{}, groups: map[Handle]*pollGroup{}, recentLo: map[uint16]int{},
	}
}

// newIDLocked draws a handle the way GNS draws connection IDs: 32 random
// bits, neither 16-bit half zero, unused by any live object, and (for
// connections) a low half that no live or recently freed connection has.
func (r *registry) newIDLocked(forConn bool) uint32 {
	for {
		id := rand.Uint32()
		if id&0xFFFF == 0 || id>>16 == 0 {
			continue
		}
		if _, ok := r.all[id]; ok {
			continue
		}
		if _, ok := r.listens[id]; ok {
			continue
		}
		if _, ok := r.groups[id]; ok {
			continue
		}
		if r.isRecentLocked(id) {
			continue
		}
		if forConn {
			if r.low16[uint16(id)] > 0 || r.recentLo[uint16(id)] > 0 {
				continue
			}
		}
		return id
	}
}

func (r *registry) isRecentLocked(id uint32) bool {
	for _, v := range r.recent {
		if v == id {
			return true
		}
	}
	return false
}

// forgetLocked records a freed handle so it is not handed out again soon.
func (r *registry) forgetLocked(id uint32, isConn bool) {
	old := r.recent[r.recentAt]
	if old != 0 {
		if n := r.recentLo[uint16(old)]; n > 1 {
			r.recentLo[uint16(old)] = n - 1
		} else {
			delete(r.recentLo, uint16(old))
		}
	}
	r.recent[r.recentAt] = id
	r.recentAt = (r.recentAt + 1) % recentIDs
	r.recentLo[uint16(id)]++
	_ = isConn
}

// reserveConnLocked makes c's ID taken (not yet visible to the API).
func (r *registry) reserveConnLocked(c *conn) {
	r.all[c.id] = c
	r.low16[uint16(c.id)]++
}

// publishConnLocked makes c's handle valid for the API.
func (r *registry) publishConnLocked(c *conn) {
	if r.all[c.id] == c {
		r.conns[c.id] = c
	}
}

func (r *registry) removeConnLocked(c *conn) {
	if r.all[c.id] != c {
		return
	}
	delete(r.all, c.id)
	delete(r.conns, c.id)
	if n := r.low16[uint16(c.id)]; n > 1 {
		r.low16[uint16(c.id)] = n - 1
	} else {
		delete(r.low16, uint16(c.id))
	}
	r.forgetLocked(c.id, true)
}

// eventQueue holds events until the application polls them.
type eventQueue struct {
	mu     sync.Mutex
	events []Event
}

func (q *eventQueue) post(e Event) {
	q.mu.Lock()
	q.events = append(q.events, e)
	q.mu.Unlock()
}

func (q *eventQueue) drain(dst []Event) []Event {
	q.mu.Lock()
	dst = append(dst, q.events...)
	clear(q.events)
	q.events = q.events[:0]
	q.mu.Unlock()
	return dst
}

func (q *eventQueue) pending() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events) > 0
}
