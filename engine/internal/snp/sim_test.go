package snp

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// A deterministic in-memory network with a virtual clock wiring two
// Sessions together: loss, duplication, reordering, lag with jitter and an
// optional bottleneck (rate-limited FIFO with a queue limit).

type linkCfg struct {
	loss, dup, reorder float64 // probabilities 0..1
	lag, jitter        int64   // µs; jitter is uniform [0, jitter)
	reorderTime        int64   // µs added to reordered packets
	bottleneck         float64 // bytes/s, 0 = none
	queueLimit         int     // bytes in the bottleneck queue
}

type simPacket struct {
	at    int64
	seq   int64
	to    int
	wire  uint16
	flags uint32
	data  []byte
}

type pktHeap []*simPacket

func (h pktHeap) Len() int { return len(h) }
func (h pktHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h pktHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pktHeap) Push(x any)   { *h = append(*h, x.(*simPacket)) }
func (h *pktHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type simNet struct {
	t        testing.TB
	now      int64
	rng      *rand.Rand
	link     [2]linkCfg // link[i] = direction i -> 1-i
	s        [2]*Session
	q        pktHeap
	seq      int64
	busyTill [2]int64 // bottleneck serialisation
	queued   [2]int
	sent     [2]int
	maxPlain int
	dead     [2]bool
	onTick   func()
}

func newSimNet(t testing.TB, seed int64, cfg Config, link linkCfg, deliver [2]Deliverer) *simNet {
	n := &simNet{t: t, now: 1_000_000_000, rng: rand.New(rand.NewSource(seed)), maxPlain: 1232}
	n.link = [2]linkCfg{link, link}
	for i := 0; i < 2; i++ {
		n.s[i] = NewSession(cfg, 13, n.now, deliver[i])
	}
	return n
}

func (n *simNet) transmit(from int, wire uint16, flags uint32, payload []byte) {
	n.sent[from]++
	l := n.link[from]
	if n.rng.Float64() < l.loss {
		return
	}
	at := n.now
	if l.bottleneck > 0 {
		size := len(payload) + packetOverhead + 28
		start := n.busyTill[from]
		if start < n.now {
			start = n.now
		}
		backlog := int(float64(start-n.now) * l.bottleneck / 1e6)
		if backlog+size > l.queueLimit {
			return // tail drop
		}
		n.busyTill[from] = start + int64(float64(size)*1e6/l.bottleneck)
		at = n.busyTill[from]
	}
	at += l.lag
	if l.jitter > 0 {
		at += n.rng.Int63n(l.jitter)
	}
	if n.rng.Float64() < l.reorder {
		at += l.reorderTime
	}
	n.push(at, 1-from, wire, flags, payload)
	if n.rng.Float64() < l.dup {
		n.push(at+1+n.rng.Int63n(10_000), 1-from, wire, flags, payload)
	}
}

func (n *simNet) push(at int64, to int, wire uint16, flags uint32, payload []byte) {
	n.seq++
	heap.Push(&n.q, &simPacket{at: at, seq: n.seq, to: to, wire: wire, flags: flags, data: append([]byte(nil), payload...)})
}

// pump lets endpoint i send what it wants now.
func (n *simNet) pump(i int) {
	if n.dead[i] {
		return
	}
	if n.s[i].CheckTimeouts(n.now) {
		n.dead[i] = true
		return
	}
	buf := make([]byte, 0, 1300)
	for k := 0; k < 1000; k++ {
		p, num, flags, ok := n.s[i].BuildPacket(n.now, buf, n.maxPlain)
		if !ok {
			return
		}
		if len(p) > n.maxPlain {
			dumpFrames(n.t, p)
			n.t.Fatalf("payload %d > max %d", len(p), n.maxPlain)
		}
		n.transmit(i, uint16(num), flags, p)
	}
	n.t.Fatalf("endpoint %d keeps building packets at t=%d", i, n.now)
}

// run advances virtual time until done() or the deadline (virtual µs).
func (n *simNet) run(until int64, done func() bool) bool {
	n.pump(0)
	n.pump(1)
	for n.now < until {
		if done() {
			return true
		}
		next := int64(math.MaxInt64)
		if len(n.q) > 0 {
			next = n.q[0].at
		}
		for i := 0; i < 2; i++ {
			if w := n.s[i].NextWakeTime(); w != 0 && w < next {
				next = w
			}
		}
		if next == math.MaxInt64 {
			return done()
		}
		if next <= n.now {
			next = n.now + 1
		}
		n.now = next
		for len(n.q) > 0 && n.q[0].at <= n.now {
			p := heap.Pop(&n.q).(*simPacket)
			s := n.s[p.to]
			if n.dead[p.to] {
				continue
			}
			num := s.ExpandPacketNumber(p.wire)
			if _, err := s.ReceivePacket(num, p.data, p.flags, n.now); err != nil {
				n.t.Fatalf("endpoint %d: receive error: %v", p.to, err)
			}
		}
		if n.onTick != nil {
			n.onTick()
		}
		n.pump(0)
		n.pump(1)
	}
	return done()
}

// ---------------------------------------------------------------------------
// traffic generator and checker

func msgBytes(lane int, num int64, size int) []byte {
	b := make([]byte, size)
	x := uint64(lane)<<56 ^ uint64(num)*0x9E3779B97F4A7C15 ^ uint64(size)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

type expected struct {
	size     int
	reliable bool
}

type trafficChecker struct {
	t         testing.TB
	want      map[[2]int64]expected // (lane, msgnum)
	nextRel   map[int][]int64       // per lane: reliable msgnums in send order
	gotRel    map[int]int           // per lane: how many reliable delivered
	seenUnrel map[[2]int64]bool
	bytes     int64
	unrelGot  int
	failed    bool
}

func newChecker(t testing.TB) *trafficChecker {
	return &trafficChecker{t: t, want: map[[2]int64]expected{}, nextRel: map[int][]int64{},
		gotRel: map[int]int{}, seenUnrel: map[[2]int64]bool{}}
}

func (c *trafficChecker) sent(lane int, num int64, size int, reliable bool) {
	c.want[[2]int64{int64(lane), num}] = expected{size, reliable}
	if reliable {
		c.nextRel[lane] = append(c.nextRel[lane], num)
	}
}

func (c *trafficChecker) fail(format string, args ...any) {
	if !c.failed {
		c.failed = true
		c.t.Errorf(format, args...)
	}
}

func (c *trafficChecker) deliver(data []byte, num int64, lane int, reliable bool, now int64) bool {
	key := [2]int64{int64(lane), num}
	w, ok := c.want[key]
	if !ok {
		c.fail("unexpected message lane %d num %d", lane, num)
		return true
	}
	if w.reliable != reliable || w.size != len(data) {
		c.fail("lane %d num %d: reliable %v size %d, want %v %d", lane, num, reliable, len(data), w.reliable, w.size)
		return true
	}
	if string(data) != string(msgBytes(lane, num, w.size)) {
		c.fail("lane %d num %d: corrupted payload", lane, num)
		return true
	}
	if reliable {
		i := c.gotRel[lane]
		if i >= len(c.nextRel[lane]) || c.nextRel[lane][i] != num {
			c.fail("lane %d: reliable msg %d delivered out of order (index %d)", lane, num, i)
			return true
		}
		c.gotRel[lane] = i + 1
	} else {
		if c.seenUnrel[key] {
			c.fail("lane %d: unreliable msg %d delivered twice", lane, num)
		}
		c.seenUnrel[key] = true
		c.unrelGot++
	}
	c.bytes += int64(len(data))
	return true
}

func (c *trafficChecker) reliableDone() bool {
	for lane, nums := range c.nextRel {
		if c.gotRel[lane] != len(nums) {
			return false
		}
	}
	return true
}

// feeder sends a planned list of messages as fast as the send buffer allows.
type plannedMsg struct {
	lane     int
	size     int
	reliable bool
}

type feeder struct {
	s       *Session
	c       *trafficChecker
	plan    []plannedMsg
	next    int
	limited int
	now     *int64
}

func (f *feeder) feed() {
	for f.next < len(f.plan) {
		m := f.plan[f.next]
		flags := 0
		if m.reliable {
			flags = SendReliable
		}
		// The number is only known after sending; generate with the
		// predicted number (per-lane counters are deterministic).
		num := f.s.lanes[m.lane].lastMsgNum + 1
		data := msgBytes(m.lane, num, m.size)
		got, res := f.s.SendMessage(data, flags, m.lane, true, *f.now)
		if res == ResultLimitExceeded {
			f.limited++
			return
		}
		if res != ResultOK || got != num {
			f.c.fail("send: num %d res %d, want %d", got, res, num)
			return
		}
		reliable := m.reliable || m.size > maxUnreliableSend
		f.c.sent(m.lane, num, m.size, reliable)
		f.next++
	}
}

func mixedPlan(rng *rand.Rand, totalBytes int64, lanes int, unreliableEvery int) []plannedMsg {
	var plan []plannedMsg
	var sum int64
	for i := 0; sum < totalBytes; i++ {
		var size int
		switch r := rng.Intn(100); {
		case r < 50:
			size = 1 + rng.Intn(200)
		case r < 80:
			size = 200 + rng.Intn(3000)
		case r < 95:
			size = 3000 + rng.Intn(60000)
		default:
			size = 64*1024 + rng.Intn(512*1024-64*1024+1)
		}
		m := plannedMsg{lane: rng.Intn(lanes), size: size, reliable: true}
		if unreliableEvery > 0 && i%unreliableEvery == 0 {
			m.reliable = false
			m.size = 1 + rng.Intn(4000)
		}
		plan = append(plan, m)
		sum += int64(size)
	}
	return plan
}

func runTransfer(t *testing.T, seed int64, cfg Config, link linkCfg, total int64, lanes int, limit int64) (*simNet, *trafficChecker, *feeder) {
	t.Helper()
	c := newChecker(t)
	var net *simNet
	net = newSimNet(t, seed, cfg, link, [2]Deliverer{nil, c.deliver})
	if lanes > 1 {
		prio := make([]int, lanes)
		w := make([]int, lanes)
		for i := range w {
			w[i] = 1 + i
		}
		if r := net.s[0].ConfigureLanes(prio, w); r != ResultOK {
			t.Fatalf("ConfigureLanes: %d", r)
		}
	}
	f := &feeder{s: net.s[0], c: c, plan: mixedPlan(rand.New(rand.NewSource(seed)), total, lanes, 7), now: &net.now}
	net.onTick = f.feed
	f.feed()
	ok := net.run(net.now+limit, func() bool { return f.next == len(f.plan) && c.reliableDone() })
	if !ok {
		st := net.s[0].Status(net.now)
		t.Fatalf("transfer incomplete after %.1f virtual s: sent %d/%d msgs, %d bytes delivered, status %+v stats %+v",
			float64(limit)/1e6, f.next, len(f.plan), c.bytes, st, net.s[0].Stats())
	}
	if c.failed {
		t.FailNow()
	}
	return net, c, f
}

func TestSimFaultyTransfer20MB(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	if raceEnabled {
		t.Skip("minutes under the race detector; `make test` runs it in the non-race stage")
	}
	cfg := DefaultConfig()
	cfg.SendRateMin = 256 * 1024
	cfg.SendRateMax = 8 << 20
	cfg.SendBufferSize = 1 << 20
	link := linkCfg{loss: 0.10, dup: 0.05, reorder: 0.20, reorderTime: 15_000, lag: 50_000, jitter: 10_000}
	net, c, f := runTransfer(t, 1, cfg, link, 20<<20, 4, 600_000_000)
	st := net.s[0].Stats()
	t.Logf("delivered %d bytes (%d unreliable msgs of %d sent) in %.1f virtual s; retransmits %d, pkts %d, limited %d, rate %d",
		c.bytes, c.unrelGot, countUnrel(f.plan), float64(net.now-1_000_000_000)/1e6, st.Retransmits, st.PacketsSent, f.limited, int(net.s[0].rate.rate))
	if c.unrelGot == 0 {
		t.Errorf("no unreliable message arrived")
	}
}

func countUnrel(plan []plannedMsg) int {
	n := 0
	for _, m := range plan {
		if !m.reliable && m.size <= maxUnreliableSend {
			n++
		}
	}
	return n
}

func TestSimCleanTransferFixedRate(t *testing.T) {
	cfg := DefaultConfig()
	link := linkCfg{lag: 20_000}
	net, c, _ := runTransfer(t, 2, cfg, link, 2<<20, 1, 60_000_000)
	el := float64(net.now-1_000_000_000) / 1e6
	rate := float64(c.bytes) / el
	t.Logf("%.0f B/s over %.2f s", rate, el)
	if rate > 1.1*float64(cfg.SendRateMax) {
		t.Errorf("fixed rate exceeded: %.0f B/s > %d", rate, cfg.SendRateMax)
	}
	if rate < 0.6*float64(cfg.SendRateMax) {
		t.Errorf("fixed rate too slow: %.0f B/s", rate)
	}
	if st := net.s[0].Stats(); st.Retransmits != 0 {
		t.Errorf("retransmits on a clean link: %d", st.Retransmits)
	}
}

var _ = fmt.Sprintf
