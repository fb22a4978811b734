package snp

// Receive path: frame decode loop, reliable stream reassembly and in-order
// delivery, unreliable reassembly (gns_wire_notes §4.3, §4.4, §4.7).

const (
	maxBufferedUnrelSegs   = 20
	maxUnrelSegmentRecv    = 1300
	maxUnrelMsgRecv        = maxBufferedUnrelSegs * maxUnrelSegmentRecv
	maxRelStreamGapsExtend = 30
	maxRelStreamGapsSplit  = 20
	maxRelMsgNumDelta      = 1_000_000
	maxRelMsgNumAhead      = 10_000
)

type posRange struct{ begin, end int64 }

type unrelFrag struct {
	used   bool
	msgNum int64
	offset int
	last   bool
	data   []byte
}

type recvLane struct {
	highestSeenMsgNum int64
	lastRelMsgNum     int64

	streamPos int64  // stream position of buf[head]
	buf       []byte // reliable stream bytes from streamPos (with holes)
	head      int
	bufUse    bufUse
	gaps      []posRange

	frags [maxBufferedUnrelSegs]unrelFrag
	nfrag int
}

func newRecvLane() *recvLane { return &recvLane{streamPos: 1} }

func (l *recvLane) bufEnd() int64 { return l.streamPos + int64(len(l.buf)-l.head) }

// receiveReliable stores a reliable segment. ok=false: it cannot be taken
// now (limits), the packet must not be acked.
func (s *Session) receiveReliable(l *recvLane, pos int64, data []byte) bool {
	end := pos + int64(len(data))
	if len(data) == 0 || end <= l.streamPos {
		return true
	}
	if pos < l.streamPos {
		data = data[l.streamPos-pos:]
		pos = l.streamPos
	}
	if end-l.streamPos > int64(s.cfg.RecvBufferSize) {
		return false
	}
	bufEnd := l.bufEnd()
	if pos > bufEnd && len(l.gaps) >= maxRelStreamGapsExtend {
		return false
	}
	// A segment strictly inside a gap splits it.
	for i := range l.gaps {
		g := l.gaps[i]
		if pos > g.begin && end < g.end {
			if len(l.gaps) >= maxRelStreamGapsSplit {
				return false
			}
			break
		}
	}
	if end > bufEnd {
		if pos > bufEnd {
			l.gaps = append(l.gaps, posRange{bufEnd, pos})
		}
		grow := int(end - bufEnd)
		if l.head > 0 && l.head*4 >= len(l.buf) && len(l.buf)+grow > cap(l.buf) {
			l.buf = l.bufUse.compact(l.buf, l.head)
			l.head = 0
		}
		l.buf = append(l.buf, make([]byte, grow)...)
		l.bufUse.note(len(l.buf))
	}
	copy(l.buf[l.head+int(pos-l.streamPos):], data)
	// Fill holes covered by [pos,end).
	for i := 0; i < len(l.gaps); {
		g := &l.gaps[i]
		if g.end <= pos || g.begin >= end {
			i++
			continue
		}
		switch {
		case pos <= g.begin && end >= g.end:
			l.gaps = append(l.gaps[:i], l.gaps[i+1:]...)
			continue
		case pos <= g.begin:
			g.begin = end
		case end >= g.end:
			g.end = pos
		default:
			upper := posRange{end, g.end}
			g.end = pos
			l.gaps = append(l.gaps, posRange{})
			copy(l.gaps[i+2:], l.gaps[i+1:])
			l.gaps[i+1] = upper
			i++
		}
		i++
	}
	return true
}

// deliverReliable hands complete in-order messages of lane idx to the app.
// ok=false: the app refused one (queue full); it stays buffered.
func (s *Session) deliverReliable(l *recvLane, idx int, now int64) (ok bool, err error) {
	for {
		contig := l.bufEnd()
		if len(l.gaps) > 0 {
			contig = l.gaps[0].begin
		}
		n := int(contig - l.streamPos)
		if n <= 0 {
			return true, nil
		}
		avail := l.buf[l.head : l.head+n]
		h, complete, err := decodeReliableMsgHeader(avail)
		if err != nil || !complete {
			return true, err
		}
		msgNum := l.lastRelMsgNum + int64(h.delta)
		if h.deltaPresent && (h.delta > maxRelMsgNumDelta || msgNum > l.highestSeenMsgNum+maxRelMsgNumAhead) {
			return false, decodeErr("reliable message number lurch: last %d, offset %d, highest seen %d", l.lastRelMsgNum, h.delta, l.highestSeenMsgNum)
		}
		if msgNum > l.highestSeenMsgNum {
			l.highestSeenMsgNum = msgNum
		}
		if h.size > uint64(s.cfg.RecvBufferSize) || h.size > uint64(s.cfg.RecvMaxMessageSize) {
			return false, decodeErr("reliable message size %d too large", h.size)
		}
		total := h.hdrLen + int(h.size)
		if total > n {
			return true, nil
		}
		if !s.deliver(avail[h.hdrLen:total], msgNum, idx, true, now) {
			return false, nil
		}
		s.stats.MessagesRecv++
		l.lastRelMsgNum = msgNum
		l.streamPos += int64(total)
		l.head += total
		if l.head == len(l.buf) {
			l.buf = l.bufUse.drained(l.buf)
			l.head = 0
		}
	}
}

// receiveUnreliable handles one unreliable segment. ok=false: the app
// refused the message (queue full); the packet is then not acked.
func (s *Session) receiveUnreliable(l *recvLane, idx int, msgNum int64, offset uint64, data []byte, last bool, now int64) bool {
	if offset+uint64(len(data)) > maxUnrelMsgRecv || len(data) > maxUnrelSegmentRecv {
		return true // ignored, as GNS does
	}
	if offset == 0 && last {
		if len(data) > s.cfg.RecvMaxMessageSize {
			return true
		}
		if !s.deliver(data, msgNum, idx, false, now) {
			return false
		}
		s.stats.MessagesRecv++
		return true
	}
	off := int(offset)
	for i := range l.frags {
		f := &l.frags[i]
		if f.used && f.msgNum == msgNum && f.offset == off {
			return true // duplicate fragment
		}
	}
	slot := -1
	for i := range l.frags {
		if !l.frags[i].used {
			slot = i
			break
		}
	}
	if slot < 0 {
		// Evict the fragments of the oldest message.
		oldest := int64(1<<63 - 1)
		for i := range l.frags {
			if l.frags[i].msgNum < oldest {
				oldest = l.frags[i].msgNum
			}
		}
		if msgNum < oldest {
			return true // older than everything buffered: drop it
		}
		for i := range l.frags {
			if l.frags[i].msgNum == oldest {
				l.frags[i].used = false
				l.nfrag--
				if slot < 0 {
					slot = i
				}
			}
		}
	}
	f := &l.frags[slot]
	f.used, f.msgNum, f.offset, f.last = true, msgNum, off, last
	f.data = append(f.data[:0], data...)
	l.nfrag++
	// Complete? Walk contiguous fragments from offset 0.
	pos, total := 0, 0
	for {
		found := -1
		for i := range l.frags {
			g := &l.frags[i]
			if g.used && g.msgNum == msgNum && g.offset == pos {
				found = i
				break
			}
		}
		if found < 0 {
			return true
		}
		g := &l.frags[found]
		pos += len(g.data)
		total = pos
		if g.last {
			break
		}
		if len(g.data) == 0 {
			return true
		}
	}
	if total > s.cfg.RecvMaxMessageSize {
		s.dropFrags(l, msgNum)
		return true
	}
	s.scratch = s.scratch[:0]
	for pos := 0; pos < total; {
		for i := range l.frags {
			g := &l.frags[i]
			if g.used && g.msgNum == msgNum && g.offset == pos {
				s.scratch = append(s.scratch, g.data...)
				pos += len(g.data)
				break
			}
		}
	}
	if !s.deliver(s.scratch, msgNum, idx, false, now) {
		s.dropFrags(l, msgNum) // an unreliable message is never delivered twice
		return false
	}
	s.stats.MessagesRecv++
	s.dropFrags(l, msgNum)
	return true
}

func (s *Session) dropFrags(l *recvLane, msgNum int64) {
	for i := range l.frags {
		if l.frags[i].used && l.frags[i].msgNum == msgNum {
			l.frags[i].used = false
			l.nfrag--
		}
	}
}

func (s *Session) recvLaneAt(i int) *recvLane {
	for len(s.rlanes) <= i {
		s.rlanes = append(s.rlanes, newRecvLane())
	}
	return s.rlanes[i]
}

// ReceivePacket processes one decrypted payload. hdrFlags are the AckRequest*
// bits from the header's stats blob (a present stats message counts as
// AckRequestE2E). A duplicate or too-old packet is dropped and returns
// (false, nil). A malformed payload returns an error: the connection layer
// fails the connection with 5002 (or 5001 for a packet-number lurch, see
// ErrLurch).
func (s *Session) ReceivePacket(pktNum uint64, payload []byte, hdrFlags uint32, now int64) (accepted bool, err error) {
	switch s.win.check(pktNum) {
	case 1:
		s.stats.PacketsDuplicate++
		return false, nil
	case 2:
		s.stats.PacketsDropped++
		return false, nil
	}
	if pktNum > s.win.max+lurchLimit {
		return false, ErrLurch
	}
	prevMax := s.win.max
	if pktNum < prevMax {
		s.stats.PacketsOutOfOrder++
	} else if pktNum > prevMax+1 {
		s.quality.dropped += int64(pktNum - prevMax - 1)
	}
	s.win.mark(pktNum)
	s.stats.PacketsRecv++
	s.stats.BytesRecv += int64(len(payload))
	s.inMeter.add(now, len(payload)+packetOverhead)
	s.quality.recv++
	s.lastRecv = now
	s.live.onReceive()

	if hdrFlags&AckRequestImmediate != 0 {
		s.acks.scheduleAck(now)
	} else if hdrFlags&AckRequestE2E != 0 {
		s.acks.scheduleAck(now + maxDataAckDelay)
	}

	inhibit, gotReliable, err := s.decodePayload(pktNum, payload, now)
	if err != nil {
		s.stats.DecodeError++
		return false, err
	}
	if inhibit {
		// Act as if the packet was lost so the peer resends, and tell it soon.
		s.acks.scheduleAck(now + 2*maxDataAckDelay)
		return true, nil
	}
	s.acks.record(pktNum, prevMax, now, gotReliable)
	return true, nil
}

// decodePayload walks the frames of one packet.
func (s *Session) decodePayload(pktNum uint64, b []byte, now int64) (inhibit, gotReliable bool, err error) {
	laneIdx := 0
	lane := s.recvLaneAt(0)
	var curMsgNum, relPos int64
	segLimit := s.cfg.RecvMaxSegmentsPerPacket
	if segLimit <= 0 {
		segLimit = 1300
	}
	for p := 0; p < len(b); {
		lead := b[p]
		switch {
		case lead&0xc0 == 0x00: // unreliable segment
			if segLimit <= 0 {
				return true, gotReliable, nil
			}
			segLimit--
			seg, n, err := decodeUnreliableSegment(b[p:], curMsgNum != 0)
			if err != nil {
				return false, false, err
			}
			p += n
			if seg.msgAbs {
				if seg.msgBits == 32 {
					curMsgNum = nearest32(uint32(seg.msgValue), lane.highestSeenMsgNum)
				} else {
					curMsgNum = nearest16(uint16(seg.msgValue), lane.highestSeenMsgNum)
				}
				if curMsgNum <= 0 {
					return false, false, decodeErr("unreliable msgnum underflow")
				}
			} else {
				curMsgNum += int64(seg.msgValue)
			}
			if curMsgNum > lane.highestSeenMsgNum {
				lane.highestSeenMsgNum = curMsgNum
			}
			if !s.receiveUnreliable(lane, laneIdx, curMsgNum, seg.offset, seg.data, seg.last, now) {
				inhibit = true
			}
		case lead&0xe0 == relFrame: // reliable segment
			if segLimit <= 0 {
				return true, gotReliable, nil
			}
			segLimit--
			seg, n, err := decodeReliableSegment(b[p:], relPos != 0)
			if err != nil {
				return false, false, err
			}
			p += n
			if seg.posAbs {
				relPos = expandStreamPos(seg.posValue, seg.posBits, lane.bufEnd())
				if relPos <= 0 {
					return false, false, decodeErr("reliable stream position underflow")
				}
			} else {
				relPos += int64(seg.posValue)
			}
			gotReliable = true
			if !s.receiveReliable(lane, relPos, seg.data) {
				inhibit = true
			}
			relPos += int64(len(seg.data))
			if curMsgNum > 0 {
				curMsgNum++
			}
		case lead&0xfc == frameStopWaiting:
			minToAck, n, err := decodeStopWaiting(b[p:], pktNum)
			if err != nil {
				return false, false, err
			}
			p += n
			if err := s.acks.stopWaiting(minToAck, pktNum); err != nil {
				return false, false, err
			}
		case lead&0xf0 == frameAck:
			f, n, err := decodeAck(b[p:], s.ackScratch)
			if err != nil {
				return false, false, err
			}
			s.ackScratch = f.blocks[:0]
			p += n
			stop, err := s.processAck(f, now)
			if err != nil {
				return false, false, err
			}
			if stop {
				// Ack for a packet we never sent: discard the rest and do
				// not ack this packet (as GNS).
				return true, false, nil
			}
		case lead&0xf8 == frameLaneSelect:
			l, n, err := decodeLaneSelect(b[p:])
			if err != nil {
				return false, false, err
			}
			p += n
			laneIdx = l
			lane = s.recvLaneAt(l)
			curMsgNum, relPos = 0, 0
		default:
			return false, false, errLeadByte
		}
	}
	// Deliver whatever became contiguous (also retries lanes whose delivery
	// the app refused before).
	for i, l := range s.rlanes {
		if !l.blocked() {
			continue
		}
		ok, err := s.deliverReliable(l, i, now)
		if err != nil {
			return false, false, err
		}
		if !ok {
			inhibit = true
		}
	}
	return inhibit, gotReliable, nil
}

// blocked reports whether complete data may be waiting at the front.
func (l *recvLane) blocked() bool {
	contig := l.bufEnd()
	if len(l.gaps) > 0 {
		contig = l.gaps[0].begin
	}
	return contig > l.streamPos
}
