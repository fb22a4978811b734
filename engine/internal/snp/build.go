package snp

// Packet building, ack processing and timers.

// rto is the retransmission timeout: 3 × smoothed ping + 60 ms, 1 s without
// a ping estimate (gns_wire_notes §4.9).
func (s *Session) rto() int64 {
	p := s.ping.smoothed
	if p < 0 {
		return defaultRTONoPing
	}
	return int64(p)*3000 + rtoSlop
}

// nagleReady reports whether queued new data should go out now, and the
// earliest Nagle deadline otherwise.
func (s *Session) nagleReady(now int64, maxPlain int) (bool, int64) {
	if s.pendingMsgs == 0 {
		return false, never
	}
	if s.pendingNew >= maxPlain {
		return true, 0
	}
	earliest := never
	for _, l := range s.lanes {
		if l.queued() == 0 {
			continue
		}
		m := l.head()
		if m.seq <= s.flushSeq || m.nagle <= now {
			return true, 0
		}
		if m.nagle < earliest {
			earliest = m.nagle
		}
	}
	return false, earliest
}

func (s *Session) haveRetries() bool {
	for _, l := range s.lanes {
		if l.retryBytes > 0 {
			return true
		}
	}
	return false
}

// BuildPacket writes the next plaintext SNP payload to send now, if any, into
// dst[:0] (capacity permitting) with at most maxPlaintext bytes (1232 with
// AES-GCM at MTU 1300, 1248 with the NULL cipher). It returns the payload, the
// packet number to use (for the wire header and the AEAD nonce) and header
// flags (AckRequest*) to put in an inline stats blob (0 = no blob). ok=false
// means nothing should be sent now. The connection layer calls it in a loop
// after SendMessage, ReceivePacket and timer wake-ups until ok is false.
func (s *Session) BuildPacket(now int64, dst []byte, maxPlaintext int) (payload []byte, pktNum uint64, hdrFlags uint32, ok bool) {
	if maxPlaintext > maxPlaintextPayload {
		maxPlaintext = maxPlaintextPayload
	}
	if maxPlaintext < 64 {
		return nil, 0, 0, false
	}
	s.runRTO(now)
	s.rate.refill(now, s.pendingMsgs > 0 || s.haveRetries())

	newOK, retryOK := s.pktWindowOpen()
	retries := retryOK && s.haveRetries()
	dataReady := false
	if newOK {
		dataReady, _ = s.nagleReady(now, maxPlaintext)
	}
	tokensOK := s.rate.tokens >= 0
	ackDue := s.acks.ackDue <= now || s.acks.nackWake() <= now
	hdrFlags = s.live.wantFlags(now)

	sendData := tokensOK && (retries || dataReady)
	if !sendData && !ackDue && hdrFlags == 0 {
		return nil, 0, 0, false
	}

	pktNum = s.nextPkt
	b := dst[:0]
	b = appendStopWaiting(b, pktNum, s.minWaiting)
	room := maxPlaintext - len(b)
	if sendData && room > maxAckFrameBytes/2 {
		room = maxAckFrameBytes / 2 // leave space for data
	}
	b = s.acks.appendAckFrame(b, now, room)

	rec := s.inflight.push(pktNum)
	if tokensOK && retryOK {
		// Once a packet goes out, fill it with whatever is queued (Nagle only
		// decides whether to send a packet at all).
		before := len(b)
		b = s.fillData(b, now, maxPlaintext, rec, newOK)
		rec.data = len(b) > before
	}
	s.nextPkt++
	rec.sentAt = now
	rec.size = len(b) + packetOverhead
	rec.state = recInFlight
	if len(rec.segs) > 0 {
		rec.reliable = true
	}
	// Only data packets tell whether the application keeps the sender busy:
	// ack-only packets (answers to the peer's ack requests) say nothing.
	s.rate.onSend(now, rec.size, !rec.data || len(rec.segs) > 0 || s.pendingMsgs > 0)
	s.stats.PacketsSent++
	s.stats.BytesSent += int64(len(b))
	s.outMeter.add(now, rec.size)
	s.live.onSend(now, rec.reliable, hdrFlags, s.replyTimeout())
	if rec.data && s.rate.wantAckRequest(now, s.nextPkt-s.minWaiting > pktsAheadAsk) {
		// Not through liveness: this is no ping, only a request for timely acks.
		hdrFlags |= AckRequestE2E | AckRequestImmediate
	}
	return b, pktNum, hdrFlags, true
}

// The peer reports the newest packet it acks in 16 bits, expanded nearest
// to our next packet number (as GNS does). If we ran more than 32768
// packets ahead of what the peer acks (a receiver refusing packets because
// its buffer is full, while we keep sending into a lossy bottleneck), an
// old ack would be read as acking packets the peer never took: data lost
// silently. So the distance from the newest acked packet is capped: past
// pktsAheadNew only retransmissions go out (they fill the receiver's gaps
// and get the acks moving again), past pktsAheadData no data at all.
// Past pktsAheadAsk data packets ask for an immediate ack (at most every
// 5 ms), so that a stream the peer would never ack by itself (unreliable
// only, fixed rate) keeps the distance short.
// pktsAheadData also stays below the receiver's lurch limit (16384: a
// packet that far beyond the newest one it has fails the connection).
const (
	pktsAheadAsk  = 2048
	pktsAheadNew  = 12000
	pktsAheadData = 16000
)

// pktWindowOpen reports whether new data and retransmissions may be sent
// under the packet-number distance cap.
func (s *Session) pktWindowOpen() (newData, retries bool) {
	ahead := s.nextPkt - s.minWaiting
	return ahead < pktsAheadNew, ahead < pktsAheadData
}

// fillData appends retries, then new data (if newData), lane by lane.
func (s *Session) fillData(b []byte, now int64, maxPlain int, rec *pktRecord, newData bool) []byte {
	s.seg.reset()
	s.dataStart = len(b)
	maxRelSeg := maxPlain - 95
	if maxRelSeg > 1137 {
		maxRelSeg = 1137
	}
	full := false
	// Retries first, lanes in priority order.
	for _, li := range s.laneOrder {
		l := s.lanes[li]
		for !full && l.retryBytes > 0 {
			i := l.nextRetry()
			if i < 0 {
				break
			}
			r := &l.ranges[i]
			n := int(r.end - r.begin)
			hdr := s.seg.reliableHeaderLen(li, r.begin)
			room := maxPlain - len(b) - hdr
			if room < minInt(minSegmentData, n) {
				full = true
				break
			}
			if n > room {
				l.splitRange(i, r.begin+int64(room))
				r = &l.ranges[i]
				n = room
			}
			b = s.seg.selectLane(b, li, false)
			d1, d2 := l.streamData(r.begin, r.end)
			b = s.seg.appendReliable(b, r.begin, d1, d2)
			r.state = rangeInFlight
			r.lastPkt = rec.num
			l.retryBytes -= n
			l.pendingRel -= n
			l.sentUnacked += n
			rec.segs = append(rec.segs, segRef{lane: int32(li), begin: r.begin, end: r.end})
			s.stats.Retransmits++
		}
		if full {
			return s.seg.finish(b)
		}
	}
	// New data: strict priority between classes, WFQ inside a class.
	for msgs := 0; newData && msgs < maxMessagesPerPacket; msgs++ {
		li := s.pickLane()
		if li < 0 {
			break
		}
		l := s.lanes[li]
		m := l.head()
		var sent int
		if m.reliable {
			sent, b = s.sendReliableNew(b, li, l, maxPlain, maxRelSeg, rec)
		} else {
			sent, b = s.sendUnreliable(b, li, l, m, maxPlain)
		}
		if sent == deferSegment {
			l.deferPkt = rec.num // other lanes may still fill this packet
			continue
		}
		if sent < 0 {
			break
		}
		l.vtime += uint64(sent+1) * 65536 / uint64(l.weight)
		if len(s.lanes) > 1 { // one lane: no class to catch up with (ConfigureLanes seeds it)
			s.classVT[l.priority] = l.vtime
		}
	}
	return s.seg.finish(b)
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// pickLane chooses the lane to take new data from: lowest priority value
// with queued messages, then smallest virtual finish time.
func (s *Session) pickLane() int {
	best := -1
	for _, li := range s.laneOrder {
		l := s.lanes[li]
		if l.queued() == 0 || l.deferPkt == s.nextPkt {
			continue
		}
		if best >= 0 && l.priority != s.lanes[best].priority {
			break // strict priority: a better class has data
		}
		if best < 0 || l.vtime < s.lanes[best].vtime {
			best = li
		}
	}
	return best
}

// sendReliableNew emits one reliable segment of never-sent stream bytes,
// coalescing consecutive reliable messages. Returns -1 when nothing fits.
func (s *Session) sendReliableNew(b []byte, li int, l *sendLane, maxPlain, maxSeg int, rec *pktRecord) (int, []byte) {
	begin := l.relNextSend
	hdr := s.seg.reliableHeaderLen(li, begin)
	room := maxPlain - len(b) - hdr
	if room > maxSeg {
		room = maxSeg
	}
	// How much contiguous reliable data is queued at the head of the lane?
	avail := 0
	for i := l.qHead; i < len(l.q) && avail < room; i++ {
		m := &l.q[i]
		if !m.reliable {
			break
		}
		avail += m.size - m.sent
	}
	if avail == 0 || room < minInt(minSegmentData, avail) {
		return -1, b
	}
	n := minInt(avail, room)
	end := begin + int64(n)
	b = s.seg.selectLane(b, li, false)
	d1, d2 := l.streamData(begin, end)
	b = s.seg.appendReliable(b, begin, d1, d2)
	l.relNextSend = end
	l.ranges = append(l.ranges, relRange{begin: begin, end: end, lastPkt: rec.num, state: rangeInFlight})
	l.pendingRel -= n
	l.sentUnacked += n
	s.pendingNew -= n
	rec.segs = append(rec.segs, segRef{lane: int32(li), begin: begin, end: end})
	// Consume the messages covered.
	left := n
	for left > 0 {
		m := l.head()
		take := minInt(left, m.size-m.sent)
		m.sent += take
		left -= take
		if m.sent == m.size {
			l.popHead()
			s.pendingMsgs--
		}
	}
	// Zero-size reliable messages cannot exist (the header is >= 1 byte).
	return n, b
}

// deferSegment is sendUnreliable's answer when the head message should
// wait for the next packet rather than be cut into a small piece.
const deferSegment = -2

// sendUnreliable emits one segment of the head unreliable message.
func (s *Session) sendUnreliable(b []byte, li int, l *sendLane, m *sendMsg, maxPlain int) (int, []byte) {
	remaining := m.size - m.sent
	hdr := s.seg.unreliableHeaderLen(li, m.num, m.sent)
	room := maxPlain - len(b) - hdr
	if room < 0 || room < minInt(minSegmentData, remaining) {
		return -1, b
	}
	// The receiver (GNS, and us) buffers at most 20 segments of unreliable
	// messages per lane and drops a message that needs more: a piece that
	// does not finish the message must fill at least 3/4 of a packet, unless
	// the packet carries no other data (so the message always progresses).
	// A 16500-byte message then takes at most 19 segments.
	if remaining > room && room < maxPlain*3/4 && len(b) > s.dataStart {
		return deferSegment, b
	}
	n := minInt(remaining, room)
	d1, d2 := l.unreliableData(m, m.sent, m.sent+n)
	b = s.seg.selectLane(b, li, false)
	b = s.seg.appendUnreliable(b, m.num, m.sent, d1, d2, m.sent+n == m.size)
	m.sent += n
	l.pendingUnrel -= n
	s.pendingNew -= n
	if m.sent == m.size {
		l.popHead()
		s.pendingMsgs--
	}
	return n, b
}

// processAck applies an ack frame. stop=true: it acks a packet we never
// sent; the rest of the packet must be discarded.
func (s *Session) processAck(f ackFrame, now int64) (stop bool, err error) {
	var latest int64
	if f.wide {
		latest = nearest32(f.latestLow, int64(s.nextPkt))
	} else {
		latest = nearest16(uint16(f.latestLow), int64(s.nextPkt))
	}
	if latest < 0 {
		return false, decodeErr("ack latest packet number underflow")
	}
	if uint64(latest) >= s.nextPkt {
		return true, nil
	}
	if f.delay != ackDelayNone {
		if r := s.inflight.get(uint64(latest)); r != nil && r.state != recDone {
			elapsed := now - r.sentAt
			rtt := elapsed - int64(f.delay)<<ackDelayShift
			ms := rtt / 1000
			if rtt >= -1000 && ms <= 2000 {
				if ms < 0 {
					ms, rtt = 0, 0
				}
				s.ping.add(int(ms), now)
				s.rate.onRTT(now, rtt)
			}
		}
	}
	if len(f.blocks) > 0 {
		s.acks.scheduleAck(now + 250_000/int64(len(f.blocks)))
	}
	end := latest + 1
	for i := 0; i <= len(f.blocks); i++ {
		var ackBegin, nackBegin int64
		if i == len(f.blocks) {
			if end <= int64(s.minWaiting) {
				break
			}
			ackBegin = int64(s.minWaiting)
			nackBegin = ackBegin
		} else {
			blk := f.blocks[i]
			ackBegin = end - int64(blk.acks)
			if ackBegin < 0 {
				return false, decodeErr("ack range underflow")
			}
			nackBegin = ackBegin - int64(blk.nacks)
			if nackBegin < 0 {
				return false, decodeErr("nack range underflow")
			}
		}
		s.ackPackets(uint64(ackBegin), uint64(end), now)
		s.nackPackets(uint64(nackBegin), uint64(ackBegin), now)
		end = nackBegin
	}
	if uint64(latest) > s.minWaiting {
		s.minWaiting = uint64(latest)
	}
	s.rate.endRound(now)
	s.inflight.popDone()
	return false, nil
}

func (s *Session) clampRecRange(begin, end uint64) (uint64, uint64) {
	f := &s.inflight
	if begin < f.first {
		begin = f.first
	}
	if last := f.first + uint64(f.count); end > last {
		end = last
	}
	return begin, end
}

func (s *Session) ackPackets(begin, end uint64, now int64) {
	s.statsAcked(begin, end, now)
	begin, end = s.clampRecRange(begin, end)
	for n := begin; n < end; n++ {
		r := s.inflight.get(n)
		if r.state == recDone {
			continue
		}
		for _, sg := range r.segs {
			s.lanes[sg.lane].ackRanges(sg.begin, sg.end)
		}
		s.rate.onAcked(r.size, r.data)
		r.state = recDone
	}
}

func (s *Session) nackPackets(begin, end uint64, now int64) {
	begin, end = s.clampRecRange(begin, end)
	for n := begin; n < end; n++ {
		r := s.inflight.get(n)
		if r.state != recInFlight {
			continue
		}
		s.lostPacket(r, now)
	}
}

func (s *Session) lostPacket(r *pktRecord, now int64) {
	r.state = recNacked
	s.statsLost(r.num)
	for _, sg := range r.segs {
		s.lanes[sg.lane].nackRanges(sg.begin, sg.end, r.num)
	}
	if r.data {
		s.rate.onLoss(now, r.size)
	}
}

// runRTO treats packets unacked for longer than the RTO as lost and
// forgets old records.
func (s *Session) runRTO(now int64) {
	rto := s.rto()
	f := &s.inflight
	if s.rtoScan < f.first {
		s.rtoScan = f.first
	}
	for s.rtoScan < f.first+uint64(f.count) {
		r := f.get(s.rtoScan)
		if r.state == recInFlight {
			if now-r.sentAt < rto {
				break
			}
			s.lostPacket(r, now)
		}
		s.rtoScan++
	}
	// Forget nacked records after 2×RTO (late acks are unlikely then).
	forget := 2*rto + 100_000
	for f.count > 0 {
		r := &f.recs[f.head]
		if r.state == recInFlight || (r.state == recNacked && now-r.sentAt < forget) {
			break
		}
		r.state = recDone
		f.popDone()
	}
}

// CheckTimeouts runs timers: retransmission timeouts, ack deadlines and
// liveness. It returns true when the peer must be declared dead (nothing
// received for TimeoutConnected despite keepalives): the connection layer
// then fails the connection with 5003 "Connection dropped".
func (s *Session) CheckTimeouts(now int64) (dead bool) {
	s.runRTO(now)
	return s.live.check(now, s.lastRecv, s.cfg.TimeoutConnected, s.replyTimeout(), s.hasUnacked())
}

func (s *Session) hasUnacked() bool {
	for _, l := range s.lanes {
		if l.sentUnacked > 0 || l.retryBytes > 0 {
			return true
		}
	}
	return false
}

// NextWakeTime returns when BuildPacket or CheckTimeouts should be called
// next (absolute µs), or 0 when nothing is scheduled.
func (s *Session) NextWakeTime() int64 {
	t := never
	upd := func(v int64) {
		if v < t {
			t = v
		}
	}
	upd(s.acks.ackDue)
	upd(s.acks.nackWake())
	upd(s.live.nextWake(s.lastRecv))
	// Data waiting: Nagle deadline or token refill.
	newOK, retryOK := s.pktWindowOpen()
	retries := retryOK && s.haveRetries()
	if (newOK && s.pendingMsgs > 0) || retries {
		ready := retries
		if !ready {
			var nagle int64
			ready, nagle = s.nagleReady(s.rate.last, maxPlaintextPayload-16)
			if !ready {
				upd(nagle)
			}
		}
		if ready {
			upd(s.rate.whenTokens())
		}
	}
	// Oldest in-flight packet's RTO.
	f := &s.inflight
	for n := s.rtoScan; n < f.first+uint64(f.count); n++ {
		if r := f.get(n); r.state == recInFlight {
			upd(r.sentAt + s.rto())
			break
		}
	}
	if t == never {
		return 0
	}
	return t
}
