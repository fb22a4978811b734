package snp

// Sender side: per-lane message queues, the reliable byte stream with its
// sent ranges, the in-flight packet table and ack/nack processing
// (gns_wire_notes §4.5, §4.6, §4.9, §4.12).

const (
	maxMessageSize       = 512 * 1024
	maxUnreliableSend    = 16500 // larger unreliable messages go reliable (as GNS)
	maxPlaintextPayload  = 1248
	minSegmentData       = 16
	packetOverhead       = 7 + 16 // data header + GCM tag, for pacing
	rangeInFlight        = 0
	rangeRetry           = 1
	rangeAcked           = 2
	recInFlight          = 0
	recNacked            = 1
	recDone              = 2
	defaultRTONoPing     = 1_000_000
	rtoSlop              = maxDataAckDelay + 10_000
	maxMessagesPerPacket = 4096
)

type sendMsg struct {
	num      int64
	seq      uint64
	reliable bool
	size     int   // unreliable payload size, or framed reliable size
	sent     int   // bytes already put in segments
	pos      int64 // reliable: stream position; unreliable: logical offset in the lane arena
	nagle    int64
	queued   int64
}

type relRange struct {
	begin, end int64
	lastPkt    uint64
	state      uint8
}

type sendLane struct {
	priority int
	weight   int
	vtime    uint64

	lastMsgNum    int64
	lastRelMsgNum int64

	q     []sendMsg
	qHead int

	us streamRing // unreliable payloads of queued messages, back to back

	rs          streamRing // reliable stream bytes not yet acked
	relNextSend int64      // next never-sent stream position

	ranges    []relRange
	rHead     int
	retryScan int

	deferPkt     uint64 // packet number in which this lane's head message waits for the next packet
	pendingRel   int    // unsent new reliable bytes + bytes waiting for retry
	pendingUnrel int
	retryBytes   int
	sentUnacked  int
}

func newSendLane(priority, weight int) *sendLane {
	return &sendLane{priority: priority, weight: weight, rs: streamRing{base: 1, end: 1}, relNextSend: 1}
}

func (l *sendLane) queued() int { return len(l.q) - l.qHead }

func (l *sendLane) head() *sendMsg { return &l.q[l.qHead] }

func (l *sendLane) popHead() {
	m := l.head()
	if !m.reliable {
		l.us.free(m.pos + int64(m.size))
	}
	l.qHead++
	if l.qHead == len(l.q) {
		l.q = l.q[:0]
		l.qHead = 0
	} else if l.qHead >= 1024 && l.qHead*2 >= len(l.q) {
		n := copy(l.q, l.q[l.qHead:])
		l.q = l.q[:n]
		l.qHead = 0
	}
}

// unreliableData returns bytes [from,to) of unreliable message m in at
// most two pieces.
func (l *sendLane) unreliableData(m *sendMsg, from, to int) ([]byte, []byte) {
	return l.us.get(m.pos+int64(from), m.pos+int64(to))
}

// streamData returns stream bytes [begin,end) in at most two pieces.
func (l *sendLane) streamData(begin, end int64) ([]byte, []byte) { return l.rs.get(begin, end) }

// streamRing holds a lane's reliable stream bytes [base,end) in a ring
// whose size is a power of two: freeing acked bytes at the front costs
// nothing, and it is copied only when it grows (doubling). Once empty, a
// large ring is released.
type streamRing struct {
	buf  []byte
	base int64 // oldest byte kept
	end  int64 // next stream position to write
	use  bufUse
}

const (
	ringMin       = 4096
	ringKeepEmpty = 1 << 20 // an empty ring larger than this is released
)

func (r *streamRing) write(p []byte) {
	if need := int(r.end-r.base) + len(p); need > len(r.buf) {
		r.grow(need)
	}
	r.writeNoGrow(p)
	r.use.note(int(r.end - r.base))
}

func (r *streamRing) grow(need int) {
	size := max(ringMin, len(r.buf))
	for size < need {
		size *= 2
	}
	r.resize(size)
}

// resize moves the kept bytes into a ring of size bytes (a power of two
// holding them).
func (r *streamRing) resize(size int) {
	a, b := r.get(r.base, r.end)
	r.buf = make([]byte, size)
	r.end = r.base
	r.writeNoGrow(a)
	r.writeNoGrow(b)
}

func (r *streamRing) writeNoGrow(p []byte) {
	off := int(r.end & int64(len(r.buf)-1))
	n := copy(r.buf[off:], p)
	copy(r.buf, p[n:])
	r.end += int64(len(p))
}

// get returns [begin,end) (base <= begin <= end <= r.end) in one or two pieces.
func (r *streamRing) get(begin, end int64) ([]byte, []byte) {
	if begin >= end {
		return nil, nil
	}
	mask := int64(len(r.buf) - 1)
	o1, o2 := int(begin&mask), int((end-1)&mask)+1
	if o1 < o2 {
		return r.buf[o1:o2], nil
	}
	return r.buf[o1:], r.buf[:o2]
}

// free forgets the bytes below upTo.
func (r *streamRing) free(upTo int64) {
	freed := 0
	if upTo > r.base {
		freed = int(upTo - r.base)
		r.base = upTo
	}
	if r.base == r.end && len(r.buf) > ringKeepEmpty {
		r.buf = nil
		return
	}
	// A ring that grew in a burst shrinks once recent traffic keeps it under
	// a quarter full (shrink.go), so it does not pin its peak size.
	if live := int(r.end - r.base); freed > 0 && r.use.oversized(len(r.buf), live, freed) {
		size := ringMin
		for size < 2*live {
			size *= 2
		}
		r.resize(size)
	}
}

// findRange returns the index of the first range with end > pos.
func (l *sendLane) findRange(pos int64) int {
	lo, hi := l.rHead, len(l.ranges)
	for lo < hi {
		m := (lo + hi) / 2
		if l.ranges[m].end > pos {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// ackRanges marks every range inside [begin,end) acked.
func (l *sendLane) ackRanges(begin, end int64) (newly int) {
	for i := l.findRange(begin); i < len(l.ranges) && l.ranges[i].begin < end; i++ {
		r := &l.ranges[i]
		switch r.state {
		case rangeInFlight:
			l.sentUnacked -= int(r.end - r.begin)
		case rangeRetry:
			n := int(r.end - r.begin)
			l.retryBytes -= n
			l.pendingRel -= n
		default:
			continue
		}
		newly += int(r.end - r.begin)
		r.state = rangeAcked
	}
	// Drop acked ranges at the front and free the stream below them.
	for l.rHead < len(l.ranges) && l.ranges[l.rHead].state == rangeAcked {
		l.rHead++
	}
	if l.rHead == len(l.ranges) {
		l.ranges = l.ranges[:0]
		l.rHead = 0
		l.retryScan = 0
	} else if l.rHead >= 256 && l.rHead*2 >= len(l.ranges) {
		n := copy(l.ranges, l.ranges[l.rHead:])
		l.ranges = l.ranges[:n]
		l.retryScan -= l.rHead
		if l.retryScan < 0 {
			l.retryScan = 0
		}
		l.rHead = 0
	}
	if l.retryScan < l.rHead {
		l.retryScan = l.rHead
	}
	low := l.relNextSend
	if l.rHead < len(l.ranges) {
		low = l.ranges[l.rHead].begin
	}
	l.rs.free(low)
	return newly
}

// nackRanges queues for retry the ranges in [begin,end) last sent in pkt.
func (l *sendLane) nackRanges(begin, end int64, pkt uint64) (lost int) {
	for i := l.findRange(begin); i < len(l.ranges) && l.ranges[i].begin < end; i++ {
		r := &l.ranges[i]
		if r.state != rangeInFlight || r.lastPkt != pkt {
			continue
		}
		n := int(r.end - r.begin)
		r.state = rangeRetry
		l.sentUnacked -= n
		l.retryBytes += n
		l.pendingRel += n
		lost += n
		if i < l.retryScan {
			l.retryScan = i
		}
	}
	return lost
}

// nextRetry returns the index of the first range waiting for retry, or -1.
func (l *sendLane) nextRetry() int {
	if l.retryBytes == 0 {
		return -1
	}
	for i := l.retryScan; i < len(l.ranges); i++ {
		if l.ranges[i].state == rangeRetry {
			l.retryScan = i
			return i
		}
	}
	l.retryScan = len(l.ranges)
	return -1
}

// splitRange splits range i at pos (both halves keep their state).
func (l *sendLane) splitRange(i int, pos int64) {
	r := l.ranges[i]
	l.ranges = append(l.ranges, relRange{})
	copy(l.ranges[i+2:], l.ranges[i+1:])
	l.ranges[i].end = pos
	r.begin = pos
	l.ranges[i+1] = r
}

// segRef records which reliable stream bytes a packet carried.
type segRef struct {
	lane       int32
	begin, end int64
}

type pktRecord struct {
	num      uint64
	sentAt   int64
	size     int
	state    uint8
	reliable bool
	data     bool // carried any segment
	segs     []segRef
	inl      [2]segRef // first storage of segs: most packets carry 1 or 2 segments
}

// inflight is a ring of packet records indexed by packet number.
type inflight struct {
	recs  []pktRecord
	head  int
	first uint64 // packet number of recs[head]
	count int
}

func (f *inflight) init(next uint64) {
	f.recs = make([]pktRecord, 256)
	f.first = next
}

func (f *inflight) get(n uint64) *pktRecord {
	if n < f.first || n >= f.first+uint64(f.count) {
		return nil
	}
	return &f.recs[(f.head+int(n-f.first))&(len(f.recs)-1)]
}

// push appends the record for the next packet number.
func (f *inflight) push(n uint64) *pktRecord {
	if f.count == 0 {
		f.first = n
		f.head = 0
	}
	if f.count == len(f.recs) {
		bigger := make([]pktRecord, 2*len(f.recs))
		for i := 0; i < f.count; i++ {
			bigger[i] = f.recs[(f.head+i)&(len(f.recs)-1)]
		}
		f.recs = bigger
		f.head = 0
	}
	r := &f.recs[(f.head+f.count)&(len(f.recs)-1)]
	f.count++
	segs := r.segs[:0]
	if cap(segs) == 0 {
		segs = r.inl[:0]
	}
	*r = pktRecord{num: n, segs: segs}
	return r
}

// popDone drops finished records from the front.
func (f *inflight) popDone() {
	for f.count > 0 && f.recs[f.head].state == recDone {
		f.head = (f.head + 1) & (len(f.recs) - 1)
		f.first++
		f.count--
	}
}
