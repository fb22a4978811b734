// Package fault simulates bad networks in the engine's own packet path
// (there is no netem here): loss, lag, jitter, reordering, duplication and a
// bandwidth limit, applied per direction to every datagram, handshake
// included, the way GNS's fake-network settings work (gns_wire_notes.md §6.3).
package fault

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Params configures one direction. Percentages are 0..100, times in ms.
type Params struct {
	LossPct     float64
	LagMs       float64
	ReorderPct  float64
	ReorderMs   float64
	DupPct      float64
	DupMaxMs    float64
	JitterAvgMs float64
	JitterMaxMs float64
	JitterPct   float64
	RateBps     float64 // bytes/s, 0 = unlimited
	BurstBytes  float64
}

// Active reports whether p changes anything.
func (p Params) Active() bool {
	return p.LossPct > 0 || p.LagMs > 0 || p.ReorderPct > 0 || p.DupPct > 0 ||
		(p.JitterAvgMs > 0 && p.JitterMaxMs > 0 && p.JitterPct > 0) || p.RateBps > 0
}

// Rand is the randomness source (injectable for deterministic tests).
type Rand interface{ Float64() float64 }

// Shaper decides the fate of each datagram of one direction. Safe for
// concurrent use.
type Shaper struct {
	active     atomic.Bool // p.Active(), readable without the lock
	mu         sync.Mutex
	p          Params
	rng        Rand
	tokens     float64
	lastRefill int64
	lastJitter int64 // scheduled time of the previous jittered datagram
}

// NewShaper makes a shaper; rng nil means a randomly seeded PCG.
func NewShaper(p Params, rng Rand) *Shaper {
	if rng == nil {
		rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	s := &Shaper{p: p, rng: rng, tokens: p.BurstBytes}
	s.active.Store(p.Active())
	return s
}

// Active reports whether the shaper changes anything (lock-free).
func (s *Shaper) Active() bool { return s.active.Load() }

// SetParams replaces the parameters.
func (s *Shaper) SetParams(p Params) {
	s.mu.Lock()
	s.p = p
	s.active.Store(p.Active())
	if s.tokens > p.BurstBytes {
		s.tokens = p.BurstBytes
	}
	s.mu.Unlock()
}

// Params returns the current parameters.
func (s *Shaper) Params() Params {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

func (s *Shaper) chance(pct float64) bool { return pct > 0 && s.rng.Float64()*100 < pct }

// Plan appends to dst the times (µs, same clock as now) at which copies of a
// datagram of size bytes should be delivered; none means dropped, a time
// equal to now means at once.
func (s *Shaper) Plan(dst []int64, now int64, size int) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &s.p
	// 1. rate limit: token bucket in bytes.
	if p.RateBps > 0 {
		if s.lastRefill != 0 {
			s.tokens += float64(now-s.lastRefill) * p.RateBps / 1e6
		}
		s.lastRefill = now
		if s.tokens > p.BurstBytes {
			s.tokens = p.BurstBytes
		}
		if s.tokens <= 0 {
			return dst
		}
		s.tokens -= float64(size)
	}
	// 2. loss.
	if s.chance(p.LossPct) {
		return dst
	}
	// 3. lag and jitter (exponential, capped; never reorders).
	at := now + int64(p.LagMs*1000)
	if p.JitterAvgMs > 0 && p.JitterMaxMs > 0 && s.chance(p.JitterPct) {
		u := 1e-6 + s.rng.Float64()*(1-1e-6)
		extra := math.Min(-math.Log(u)*p.JitterAvgMs, p.JitterMaxMs)
		at += int64(extra * 1000)
		if at <= s.lastJitter {
			at = s.lastJitter + 1
		}
		s.lastJitter = at
	}
	// 4. reorder: some datagrams get extra delay.
	if s.chance(p.ReorderPct) {
		at += int64(p.ReorderMs * 1000)
	}
	dst = append(dst, at)
	// 5. duplicate.
	if s.chance(p.DupPct) {
		dst = append(dst, at+1+int64(s.rng.Float64()*p.DupMaxMs*1000))
	}
	return dst
}

// Link applies a Shaper to a stream of datagrams and hands them to deliver,
// now or later (from a timer goroutine). deliver must not retain p.
type Link struct {
	Shaper  *Shaper
	deliver func(p []byte)
	now     func() int64

	mu     sync.Mutex
	queued atomic.Int32 // len(q), readable without the lock
	q      queue
	seq    uint64
	timer  *time.Timer
	armed  int64
	firing bool // a fire is delivering; it re-arms the timer when done
	closed bool
	plan   []int64
}

// NewLink makes a link. now is the µs clock used for scheduling.
func NewLink(s *Shaper, now func() int64, deliver func(p []byte)) *Link {
	return &Link{Shaper: s, deliver: deliver, now: now}
}

// Submit passes p through the shaper. p is copied if it must wait.
func (l *Link) Submit(p []byte) { l.submit(p, false) }

// SubmitOwned is Submit for a p that the caller gives up: it is queued
// without a copy (only a duplicate gets one).
func (l *Link) SubmitOwned(p []byte) { l.submit(p, true) }

func (l *Link) submit(p []byte, owned bool) {
	// Fast path: nothing simulated and nothing delayed ahead of p.
	if !l.Shaper.Active() && l.queued.Load() == 0 {
		l.deliver(p)
		return
	}
	now := l.now()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.plan = l.Shaper.Plan(l.plan[:0], now, len(p))
	immediate := false
	queuedP := false // an owned p itself sits in the queue
	for _, at := range l.plan {
		if at <= now && !immediate && len(l.q) == 0 {
			immediate = true
			continue
		}
		l.seq++
		data := p
		if !owned || immediate || queuedP {
			data = append([]byte(nil), p...)
		} else {
			queuedP = true
		}
		heap.Push(&l.q, item{at: at, seq: l.seq, data: data})
	}
	l.queued.Store(int32(len(l.q)))
	l.armLocked(now)
	l.mu.Unlock()
	if immediate {
		l.deliver(p)
	}
}

func (l *Link) armLocked(now int64) {
	if len(l.q) == 0 || l.closed || l.firing {
		return // a running fire re-arms when it has delivered
	}
	first := l.q[0].at
	if l.armed != 0 && l.armed <= first {
		return
	}
	l.armed = first
	d := time.Duration(first-now) * time.Microsecond
	if l.timer == nil {
		l.timer = time.AfterFunc(d, l.fire)
	} else {
		l.timer.Reset(d)
	}
}

// fire delivers what is due, then what fell due meanwhile, and re-arms only
// when nothing is left to deliver now: at most one fire runs per link, so a
// slow deliver at a high packet rate cannot pile up timer goroutines.
func (l *Link) fire() {
	var due [][]byte
	for {
		now := l.now()
		l.mu.Lock()
		l.armed = 0
		due = due[:0]
		for len(l.q) > 0 && l.q[0].at <= now && !l.closed {
			due = append(due, heap.Pop(&l.q).(item).data)
		}
		l.queued.Store(int32(len(l.q)))
		if len(due) == 0 {
			l.firing = false
			l.armLocked(now)
			l.mu.Unlock()
			return
		}
		l.firing = true
		l.mu.Unlock()
		for _, p := range due {
			l.deliver(p)
		}
	}
}

// Pending returns the number of datagrams waiting.
func (l *Link) Pending() int { return int(l.queued.Load()) }

// Idle reports whether datagrams pass straight through (lock-free).
func (l *Link) Idle() bool { return !l.Shaper.Active() && l.queued.Load() == 0 }

// Close drops everything pending and stops the timer.
func (l *Link) Close() {
	l.mu.Lock()
	l.closed = true
	l.q = nil
	l.queued.Store(0)
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Unlock()
}

type item struct {
	at   int64
	seq  uint64
	data []byte
}

type queue []item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
