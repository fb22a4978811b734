package fault

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// seqRand returns the given values in turn (then repeats the last).
type seqRand struct {
	v []float64
	i int
}

func (r *seqRand) Float64() float64 {
	x := r.v[min(r.i, len(r.v)-1)]
	r.i++
	return x
}

func TestPlanDeterministic(t *testing.T) {
	const now = 1_000_000
	cases := []struct {
		name string
		p    Params
		rnd  []float64
		want []int64
	}{
		{"off", Params{}, []float64{0.5}, []int64{now}},
		{"loss hit", Params{LossPct: 10}, []float64{0.05}, nil},
		{"loss miss", Params{LossPct: 10}, []float64{0.5}, []int64{now}},
		{"lag", Params{LagMs: 20}, []float64{0.9}, []int64{now + 20_000}},
		{"reorder hit", Params{ReorderPct: 50, ReorderMs: 15}, []float64{0.1}, []int64{now + 15_000}},
		{"reorder miss", Params{ReorderPct: 50, ReorderMs: 15}, []float64{0.9}, []int64{now}},
		// dup coin 0.1 < 0.5 hits, then delay fraction 0.5 of 10 ms.
		{"duplicate", Params{DupPct: 50, DupMaxMs: 10}, []float64{0.1, 0.5}, []int64{now, now + 1 + 5_000}},
		// jitter: pct coin 0.1 < 0.75; u = 1e-6 + 0.5*(1-1e-6) → extra = -ln(u)*avg capped at max.
		{"jitter capped", Params{JitterAvgMs: 1000, JitterMaxMs: 30, JitterPct: 75}, []float64{0.1, 0.5}, []int64{now + 30_000}},
	}
	for _, c := range cases {
		s := NewShaper(c.p, &seqRand{v: c.rnd})
		got := s.Plan(nil, now, 100)
		if len(got) != len(c.want) {
			t.Errorf("%s: %v want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %v want %v", c.name, got, c.want)
			}
		}
	}
}

func TestJitterNeverReorders(t *testing.T) {
	s := NewShaper(Params{JitterAvgMs: 5, JitterMaxMs: 50, JitterPct: 100}, nil)
	var last int64
	for i := range 1000 {
		at := s.Plan(nil, int64(1_000_000+i*10), 100)[0]
		if at <= last {
			t.Fatalf("packet %d scheduled at %d, previous %d", i, at, last)
		}
		last = at
	}
}

func TestRateLimit(t *testing.T) {
	s := NewShaper(Params{RateBps: 10_000, BurstBytes: 3000}, &seqRand{v: []float64{0.9}})
	now := int64(1_000_000)
	sent := 0
	for range 10 {
		if len(s.Plan(nil, now, 1000)) > 0 {
			sent++
		}
	}
	if sent != 3 {
		t.Fatalf("burst let %d through, want 3", sent)
	}
	// 0.1 s later 1000 bytes of tokens have refilled.
	now += 100_000
	if len(s.Plan(nil, now, 1000)) == 0 {
		t.Fatal("refill did not happen")
	}
	if len(s.Plan(nil, now, 1000)) != 0 {
		t.Fatal("over budget")
	}
}

func TestLossRateStatistical(t *testing.T) {
	s := NewShaper(Params{LossPct: 30}, nil)
	lost := 0
	for range 10000 {
		if len(s.Plan(nil, 1, 10)) == 0 {
			lost++
		}
	}
	if lost < 2700 || lost > 3300 {
		t.Fatalf("lost %d of 10000 at 30%%", lost)
	}
}

func TestLinkDelaysAndOrders(t *testing.T) {
	var mu sync.Mutex
	var got []byte
	var clock atomic.Int64
	clock.Store(1_000_000)
	now := clock.Load
	done := make(chan struct{}, 10)
	l := NewLink(NewShaper(Params{}, nil), now, func(p []byte) {
		mu.Lock()
		got = append(got, p[0])
		mu.Unlock()
		done <- struct{}{}
	})
	defer l.Close()
	l.Submit([]byte{1})
	<-done
	// With lag, packets wait and come out in order; later undelayed
	// packets do not overtake delayed ones.
	l.Shaper.SetParams(Params{LagMs: 30})
	l.Submit([]byte{2})
	l.Submit([]byte{3})
	if l.Pending() != 2 {
		t.Fatalf("pending %d", l.Pending())
	}
	clock.Add(40_000)
	l.Shaper.SetParams(Params{})
	l.Submit([]byte{4})
	deadline := time.After(5 * time.Second)
	for range 3 {
		select {
		case <-done:
		case <-deadline:
			t.Fatal("delayed packets never delivered")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if string(got) != "\x01\x02\x03\x04" {
		t.Fatalf("order % x", got)
	}
}

func TestLinkCloseDropsPending(t *testing.T) {
	delivered := make(chan struct{}, 1)
	l := NewLink(NewShaper(Params{LagMs: 50}, nil), func() int64 { return time.Now().UnixMicro() }, func([]byte) { delivered <- struct{}{} })
	l.Submit([]byte{1})
	l.Close()
	select {
	case <-delivered:
		t.Fatal("delivered after close")
	case <-time.After(100 * time.Millisecond):
	}
	if l.Pending() != 0 {
		t.Fatal("pending after close")
	}
}

// A slow deliver at a high packet rate must not start a second delivering
// goroutine for the same link (they used to pile up, one per timer firing).
func TestLinkDeliversFromOneGoroutineAtATime(t *testing.T) {
	var active, most, delivered atomic.Int32
	clock := func() int64 { return time.Now().UnixMicro() }
	l := NewLink(NewShaper(Params{LagMs: 1}, nil), clock, func([]byte) {
		n := active.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond) // slower than packets fall due
		active.Add(-1)
		delivered.Add(1)
	})
	defer l.Close()
	const packets = 60
	for i := 0; i < packets; i++ {
		l.Submit([]byte{byte(i)})
		time.Sleep(200 * time.Microsecond)
	}
	deadline := time.Now().Add(10 * time.Second)
	for delivered.Load() < packets {
		if time.Now().After(deadline) {
			t.Fatalf("delivered %d of %d", delivered.Load(), packets)
		}
		time.Sleep(time.Millisecond)
	}
	if m := most.Load(); m != 1 {
		t.Fatalf("%d delivers ran at once on one link, want 1", m)
	}
}
