package snp

// Receiver-side packet bookkeeping: the packet-number window (expansion,
// duplicates, lurch) and the gap list that ack frames are built from
// (gns_wire_notes §4.1, §4.8).

const (
	dupWindow        = 128
	lurchLimit       = 0x4000
	maxPacketGaps    = 62
	maxDataAckDelay  = 50_000 // µs
	nackFlushDelay   = 3_000  // µs
	noTime           = int64(-1 << 62)
	never            = int64(1<<63 - 1)
	ackHeaderLen     = 5
	maxAckFrameBytes = 1 + 2 + 2 + 1 + maxAckBlocksSend*(1+3+3)
)

// pktWindow tracks received packet numbers: the highest one and a bitmap of
// the 128 numbers at and below it.
type pktWindow struct {
	max  uint64
	bits [2]uint64 // bit i (0..127) = packet max-i received
}

func (w *pktWindow) expand(wire uint16) uint64 {
	v := nearest16(wire, int64(w.max))
	if v < 0 {
		v += 1 << 16
	}
	return uint64(v)
}

// check classifies packet p: 0 new, 1 duplicate, 2 too old.
func (w *pktWindow) check(p uint64) int {
	if p > w.max {
		return 0
	}
	d := w.max - p
	if d >= dupWindow {
		return 2
	}
	if w.bits[d>>6]&(1<<(d&63)) != 0 {
		return 1
	}
	return 0
}

func (w *pktWindow) mark(p uint64) {
	if p > w.max {
		shift := p - w.max
		switch {
		case shift >= dupWindow:
			w.bits = [2]uint64{}
		case shift >= 64:
			w.bits[1] = w.bits[0] << (shift - 64)
			w.bits[0] = 0
		default:
			w.bits[1] = w.bits[1]<<shift | w.bits[0]>>(64-shift)
			w.bits[0] <<= shift
		}
		w.max = p
	}
	d := w.max - p
	w.bits[d>>6] |= 1 << (d & 63)
}

// pktGap is a run [begin,end) of packet numbers not received.
type pktGap struct {
	begin, end uint64
	recvBefore int64 // when packet begin-1 arrived
	okToNack   int64
	nacked     bool // reported in an ack frame already
}

// ackTracker builds ack frames: every packet from the peer's stop_waiting
// value up to the reported latest is either in a gap (nack) or received.
type ackTracker struct {
	gaps         []pktGap
	sentinel     uint64 // highest packet we will ack + 1
	sentinelTime int64  // arrival time of sentinel-1 (noTime = unknown)
	minToAck     uint64 // peer's stop_waiting
	minToAckPkt  uint64 // packet that carried it
	ackDue       int64  // flush every ack by then (never = not scheduled)
	received     bool   // anything received (or implied) yet
	blocks       []ackBlock
	blockLatest  []uint64
	blockTime    []int64
}

func (a *ackTracker) init(maxRecv uint64) {
	a.sentinel = maxRecv + 1
	a.sentinelTime = noTime
	a.ackDue = never
	a.received = maxRecv > 0
	a.gaps = make([]pktGap, 0, maxPacketGaps+2)
	a.blocks = make([]ackBlock, 0, maxAckBlocksSend)
	a.blockLatest = make([]uint64, 0, maxAckBlocksSend)
	a.blockTime = make([]int64, 0, maxAckBlocksSend)
}

func (a *ackTracker) scheduleAck(t int64) {
	if t < a.ackDue {
		a.ackDue = t
	}
}

// record notes that packet p arrived; prevMax is the highest packet number
// before it. scheduleAck: the packet carried reliable data.
func (a *ackTracker) record(p, prevMax uint64, now int64, scheduleAck bool) {
	a.received = true
	if p < a.minToAck {
		return
	}
	if scheduleAck {
		a.scheduleAck(now + maxDataAckDelay)
	}
	switch {
	case p == a.sentinel:
		a.sentinel = p + 1
		a.sentinelTime = now
	case p > a.sentinel:
		g := pktGap{begin: a.sentinel, end: p, recvBefore: a.sentinelTime, okToNack: now}
		if p < prevMax+3 {
			g.okToNack += nackFlushDelay
		}
		a.gaps = append(a.gaps, g)
		a.sentinel = p + 1
		a.sentinelTime = now
		if len(a.gaps) >= maxPacketGaps {
			a.mergeOldGaps()
		}
	default:
		lo, hi := 0, len(a.gaps)
		for lo < hi {
			m := (lo + hi) / 2
			if a.gaps[m].end > p {
				hi = m
			} else {
				lo = m + 1
			}
		}
		i := lo
		if i == len(a.gaps) || a.gaps[i].begin > p {
			return // already received
		}
		g := &a.gaps[i]
		switch {
		case g.begin == p && g.end == p+1:
			a.gaps = append(a.gaps[:i], a.gaps[i+1:]...)
		case g.begin == p:
			g.begin++
			g.recvBefore = now
		case g.end == p+1:
			g.end--
		default:
			upper := *g
			upper.begin = p + 1
			upper.recvBefore = now
			g.end = p
			a.gaps = append(a.gaps, pktGap{})
			copy(a.gaps[i+2:], a.gaps[i+1:])
			a.gaps[i+1] = upper
			if len(a.gaps) >= maxPacketGaps {
				a.mergeOldGaps()
			}
		}
	}
}

// mergeOldGaps merges the two old gaps with the fewest received packets
// between them (those packets become nacked; the peer resends, harmless).
func (a *ackTracker) mergeOldGaps() {
	best, bestN := 0, uint64(1<<63)
	for i := 0; i+1 < len(a.gaps) && i < 10; i++ {
		if n := a.gaps[i+1].begin - a.gaps[i].end; n < bestN {
			best, bestN = i, n
		}
	}
	a.gaps[best].end = a.gaps[best+1].end
	a.gaps[best].nacked = a.gaps[best].nacked && a.gaps[best+1].nacked
	a.gaps = append(a.gaps[:best+1], a.gaps[best+2:]...)
}

// stopWaiting processes a stop_waiting value from packet pktNum.
func (a *ackTracker) stopWaiting(minToAck, pktNum uint64) error {
	if limit := a.sentinel - 1; minToAck > limit {
		minToAck = limit
	}
	if minToAck == a.minToAck {
		return nil
	}
	if minToAck < a.minToAck {
		if pktNum >= a.minToAckPkt {
			return decodeErr("stop_waiting reduced %d (pkt %d) -> %d (pkt %d)", a.minToAck, a.minToAckPkt, minToAck, pktNum)
		}
		return nil
	}
	a.minToAck = minToAck
	a.minToAckPkt = pktNum
	n := 0
	for n < len(a.gaps) && a.gaps[n].begin <= minToAck {
		if a.gaps[n].end > minToAck {
			a.gaps[n].begin = minToAck
			break
		}
		n++
	}
	if n > 0 {
		a.gaps = append(a.gaps[:0], a.gaps[n:]...)
	}
	return nil
}

// nackWake returns when the oldest not-yet-reported gap may be nacked
// (blocks are reported oldest first, so later gaps wait for it).
func (a *ackTracker) nackWake() int64 {
	for i := range a.gaps {
		if !a.gaps[i].nacked {
			return a.gaps[i].okToNack
		}
	}
	return never
}

func encodeAckDelay(now, when int64) uint16 {
	if when == noTime {
		return ackDelayNone
	}
	el := now - when
	if el < 0 {
		el = 0
	}
	if el > 0xfffe<<ackDelayShift {
		return ackDelayNone
	}
	return uint16(el >> ackDelayShift)
}

// appendAckFrame writes the ack frame into b using at most room bytes. It
// returns b unchanged when nothing was received yet or no header fits.
func (a *ackTracker) appendAckFrame(b []byte, now int64, room int) []byte {
	if !a.received || room < ackHeaderLen {
		return b
	}
	if len(a.gaps) == 0 {
		a.ackDue = never
		return appendAck(b, a.sentinel-1, encodeAckDelay(now, a.sentinelTime), nil)
	}
	force := a.ackDue <= now
	a.blocks = a.blocks[:0]
	a.blockLatest = a.blockLatest[:0]
	a.blockTime = a.blockTime[:0]
	for i := range a.gaps {
		if len(a.blocks) == maxAckBlocksSend {
			break
		}
		g := &a.gaps[i]
		if !force && !g.nacked && now < g.okToNack {
			break
		}
		next, nextTime := a.sentinel, a.sentinelTime
		if i+1 < len(a.gaps) {
			next, nextTime = a.gaps[i+1].begin, a.gaps[i+1].recvBefore
		}
		a.blocks = append(a.blocks, ackBlock{acks: next - g.end, nacks: g.end - g.begin})
		a.blockLatest = append(a.blockLatest, next-1)
		a.blockTime = append(a.blockTime, nextTime)
	}
	// Fit: drop the newest blocks until the frame fits in room.
	nb := len(a.blocks)
	for nb > 0 {
		size := ackHeaderLen
		if nb > 6 {
			size++
		}
		for i := 0; i < nb; i++ {
			size += ackBlockLen(a.blocks[i])
		}
		if size <= room {
			break
		}
		nb--
	}
	if nb == 0 {
		g := &a.gaps[0]
		if a.ackDue <= now {
			a.ackDue = now + 10_000 // could not report everything; try again soon
		}
		return appendAck(b, g.begin-1, encodeAckDelay(now, g.recvBefore), nil)
	}
	for i := 0; i < nb; i++ {
		a.gaps[i].nacked = true
	}
	latest, when := a.blockLatest[nb-1], a.blockTime[nb-1]
	if nb == len(a.gaps) {
		a.ackDue = never
	} else if a.ackDue <= now {
		a.ackDue = now + 10_000
	}
	// Serialize newest first.
	blocks := a.blocks[:nb]
	for i, j := 0, nb-1; i < j; i, j = i+1, j-1 {
		blocks[i], blocks[j] = blocks[j], blocks[i]
	}
	return appendAck(b, latest, encodeAckDelay(now, when), blocks)
}
