package snp

// Ping smoothing, liveness (keepalives, reply timeouts, urgent pings),
// rate meters, quality and status (gns_wire_notes §4.13, §4.14).

const (
	keepaliveInterval  = 10_000_000 // µs of silence before a keepalive
	urgentPingInterval = 200_000
	maxReplyTimeout    = 1_250_000
	minTimeoutsForDead = 4
	pingMinSpacing     = 100_000
	qualityInterval    = 5_000_000
)

// pingTracker keeps the 3 most recent samples (GNS smoothing).
type pingTracker struct {
	samples  [3]int
	n        int
	lastAt   int64
	smoothed int // -1 = unknown
	worst    int
}

func (p *pingTracker) init() { p.smoothed = -1 }

func (p *pingTracker) add(ms int, now int64) {
	if p.n == 3 && now-p.lastAt < pingMinSpacing {
		// Too soon: only lower the newest sample.
		if ms < p.samples[2] {
			p.samples[2] = ms
		}
	} else {
		if p.n == 3 {
			p.samples[0], p.samples[1] = p.samples[1], p.samples[2]
			p.samples[2] = ms
		} else {
			p.samples[p.n] = ms
			p.n++
		}
		p.lastAt = now
	}
	switch p.n {
	case 1:
		p.smoothed = p.samples[0]
	case 2:
		p.smoothed = min(p.samples[0], p.samples[1])
	default:
		a, b, c := p.samples[0], p.samples[1], p.samples[2]
		hi := max(a, b, c)
		p.smoothed = (a + b + c - hi) / 2
	}
	p.worst = max(p.samples[0], p.samples[1], p.samples[2])
}

// replyTimeout is how long to wait for a reply to a ping request.
func (s *Session) replyTimeout() int64 {
	if s.ping.smoothed < 0 {
		return maxReplyTimeout
	}
	t := int64(2*s.ping.worst)*1000 + 250_000
	if t > maxReplyTimeout {
		t = maxReplyTimeout
	}
	return t
}

// liveness tracks outstanding ping requests and reply timeouts.
type liveness struct {
	awaiting      bool  // a reply is expected
	replyDeadline int64 // when the current request times out
	timeouts      int   // consecutive reply timeouts
	timeoutStart  int64 // time of the first timeout in this series
	wantKeepalive bool
	urgentDue     int64 // next urgent ping (never = none)
	lastSent      int64
}

func (v *liveness) init() { v.urgentDue = never }

func (v *liveness) onReceive() {
	v.awaiting = false
	v.timeouts = 0
	v.timeoutStart = 0
	v.urgentDue = never
	v.wantKeepalive = false
}

// wantFlags returns the header flags the next packet must carry.
func (v *liveness) wantFlags(now int64) uint32 {
	if v.urgentDue <= now {
		return AckRequestE2E | AckRequestImmediate
	}
	if v.wantKeepalive {
		return AckRequestE2E
	}
	return 0
}

func (v *liveness) onSend(now int64, reliable bool, flags uint32, replyTimeout int64) {
	v.lastSent = now
	if flags&AckRequestImmediate != 0 {
		v.urgentDue = now + urgentPingInterval
		v.awaiting = true
		v.replyDeadline = now + urgentPingInterval
		return
	}
	if flags&AckRequestE2E != 0 {
		v.wantKeepalive = false
	}
	if (reliable || flags != 0) && !v.awaiting {
		v.awaiting = true
		v.replyDeadline = now + replyTimeout
	}
}

// check runs the liveness timers; true = peer dead.
func (v *liveness) check(now, lastRecv, timeoutConnected, replyTimeout int64, unacked bool) bool {
	if v.awaiting && now >= v.replyDeadline {
		v.timeouts++
		if v.timeoutStart == 0 {
			v.timeoutStart = now
		}
		v.awaiting = false
		if v.urgentDue == never || v.urgentDue > now {
			v.urgentDue = now
		}
	}
	if !v.awaiting && v.urgentDue == never && now-lastRecv >= keepaliveInterval {
		v.wantKeepalive = true
	}
	start := v.timeoutStart
	if lastRecv > start {
		start = lastRecv
	}
	return v.timeouts >= minTimeoutsForDead && now-start >= timeoutConnected
}

func (v *liveness) nextWake(lastRecv int64) int64 {
	t := never
	if v.awaiting && v.replyDeadline < t {
		t = v.replyDeadline
	}
	if v.urgentDue < t {
		t = v.urgentDue
	}
	if v.wantKeepalive {
		return 1 // as soon as possible
	}
	if k := lastRecv + keepaliveInterval; !v.awaiting && k < t {
		t = k
	}
	return t
}

// meter measures a per-second rate over ~1 s windows.
type meter struct {
	start   int64
	pkts    int64
	bytes   int64
	pktRate float32
	byteRat float32
}

func (m *meter) add(now int64, size int) {
	m.roll(now)
	m.pkts++
	m.bytes += int64(size)
}

func (m *meter) roll(now int64) {
	if el := now - m.start; el >= 1_000_000 {
		m.pktRate = float32(float64(m.pkts) * 1e6 / float64(el))
		m.byteRat = float32(float64(m.bytes) * 1e6 / float64(el))
		m.start, m.pkts, m.bytes = now, 0, 0
		if el >= 2_000_000 { // idle for a whole window too
			m.pktRate, m.byteRat = 0, 0
		}
	}
}

// qualityTracker computes local quality per 5 s interval.
type qualityTracker struct {
	start   int64
	recv    int64
	dropped int64
	weird   int64
	value   float32 // -1 unknown
	init    bool

	// Of the last interval with packets (for our quality report): the
	// fractions of packets dropped and out of order/duplicated; -1 unknown.
	lastDropped, lastWeird float32
	droppedTotal           int64
}

func (q *qualityTracker) roll(now int64, dup, ooo int64) {
	if !q.init {
		q.value, q.lastDropped, q.lastWeird = -1, -1, -1
		q.init = true
	}
	if now-q.start < qualityInterval {
		return
	}
	weird := dup + ooo - q.weird
	q.droppedTotal += q.dropped
	if q.recv > 0 {
		all := float32(q.recv + q.dropped)
		q.lastDropped = float32(q.dropped) / all
		q.lastWeird = min(float32(weird)/all, 1-q.lastDropped)
	} else {
		q.lastDropped, q.lastWeird = -1, -1
	}
	if q.recv > 5 {
		v := float32(100)
		if q.dropped > 0 || weird > 0 {
			v = float32(q.recv-weird) * 100 / float32(q.recv+q.dropped)
			if v < 1 {
				v = 1
			}
			if v > 99 {
				v = 99
			}
		}
		q.value = v / 100
	}
	q.weird = dup + ooo
	q.start, q.recv, q.dropped = now, 0, 0
}

// Status is the real-time status SNP knows.
type Status struct {
	Ping                int // ms, -1 unknown
	LocalQuality        float32
	RemoteQuality       float32
	OutPacketsPerSec    float32
	OutBytesPerSec      float32
	InPacketsPerSec     float32
	InBytesPerSec       float32
	SendRate            int
	PendingUnreliable   int
	PendingReliable     int
	SentUnackedReliable int
	QueueTime           int64
}

// LaneStatus is the per-lane part of the status.
type LaneStatus struct {
	PendingUnreliable   int
	PendingReliable     int
	SentUnackedReliable int
	QueueTime           int64
}

// Status returns the current status.
func (s *Session) Status(now int64) Status {
	s.inMeter.roll(now)
	s.outMeter.roll(now)
	s.quality.roll(now, s.stats.PacketsDuplicate, s.stats.PacketsOutOfOrder)
	st := Status{
		Ping:             s.ping.smoothed,
		LocalQuality:     s.quality.value,
		RemoteQuality:    s.remoteQuality(),
		OutPacketsPerSec: s.outMeter.pktRate,
		OutBytesPerSec:   s.outMeter.byteRat,
		InPacketsPerSec:  s.inMeter.pktRate,
		InBytesPerSec:    s.inMeter.byteRat,
		SendRate:         int(s.rate.rate),
	}
	for _, l := range s.lanes {
		st.PendingReliable += l.pendingRel
		st.PendingUnreliable += l.pendingUnrel
		st.SentUnackedReliable += l.sentUnacked
	}
	st.QueueTime = s.queueTime(st.PendingReliable + st.PendingUnreliable)
	return st
}

// queueTime estimates how long newly queued data waits before going out.
func (s *Session) queueTime(pending int) int64 {
	wire := float64(pending) * float64(maxPlaintextPayload+packetOverhead) / float64(maxPlaintextPayload-16)
	t := int64(wire * 1e6 / s.rate.rate)
	if s.rate.tokens < 0 {
		t += int64(-s.rate.tokens * 1e6 / s.rate.rate)
	}
	return t
}

// LaneStatus returns the status of lane i (0 <= i < LaneCount()).
func (s *Session) LaneStatus(i int, now int64) LaneStatus {
	if i < 0 || i >= len(s.lanes) {
		return LaneStatus{}
	}
	l := s.lanes[i]
	// Data of better-priority lanes goes first.
	ahead := 0
	for _, o := range s.lanes {
		if o.priority < l.priority {
			ahead += o.pendingRel + o.pendingUnrel
		}
	}
	return LaneStatus{
		PendingUnreliable:   l.pendingUnrel,
		PendingReliable:     l.pendingRel,
		SentUnackedReliable: l.sentUnacked,
		QueueTime:           s.queueTime(ahead + l.pendingRel + l.pendingUnrel),
	}
}
