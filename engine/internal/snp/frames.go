package snp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Frame lead bytes and masks (gns_wire_notes §4.3).
const (
	frameStopWaiting = 0x80 // 100000ww
	frameLaneSelect  = 0x88 // 10001nnn
	frameAck         = 0x90 // 1001wnnn
	ackFlag16Bit     = 0x08 // w=1: latest packet number is 16 bits
	sizeRunsToEnd    = 7    // segment size bits: data runs to the end of the payload

	unrelLast      = 0x20 // e: last segment of the message
	unrelMsgNumBig = 0x10 // m: 32-bit absolute / varint delta
	unrelHasOffset = 0x08 // o: varint offset follows

	relFrame = 0x40 // 010mmsss

	ackDelayNone  = 0xFFFF
	ackDelayShift = 5 // 32 µs units

	maxAckBlocksSend = 64
	maxVarintUpper   = 100000 // decoder limit for ack/nack count upper bits
	maxLanes         = 255
)

// errDecode is wrapped by every malformed-frame error: the connection layer
// fails the connection with 5002 for any error except ErrLurch.
var errDecode = errors.New("snp: malformed frame")

// ErrLurch reports a packet number that jumped more than 0x4000 beyond the
// highest one received; the connection layer fails the connection with 5001.
var ErrLurch = errors.New("snp: packet number lurch")

func decodeErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errDecode}, args...)...)
}

// Static errors for the hot decode paths (no allocation on failure either).
var (
	errTruncated = fmt.Errorf("%w: truncated frame", errDecode)
	errVarint    = fmt.Errorf("%w: bad varint", errDecode)
	errSizeBits  = fmt.Errorf("%w: reserved segment size bits", errDecode)
	errLeadByte  = fmt.Errorf("%w: reserved frame lead byte", errDecode)
)

// appendVarint appends a protobuf-style base-128 varint.
func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// readVarint decodes a varint of at most 10 bytes. n == 0 means truncated
// or overlong.
func readVarint(b []byte) (v uint64, n int) {
	var shift uint
	for i := 0; i < len(b) && i < 10; i++ {
		c := b[i]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, i + 1
		}
		shift += 7
	}
	return 0, 0
}

// nearest16 expands 16 low bits to the value nearest ref (signed-difference
// trick used by GNS for packet numbers and message numbers).
func nearest16(low uint16, ref int64) int64 { return ref + int64(int16(low-uint16(ref))) }

func nearest32(low uint32, ref int64) int64 { return ref + int64(int32(low-uint32(ref))) }

// ---------------------------------------------------------------------------
// stop_waiting

// appendStopWaiting encodes a stop_waiting frame for packet pktNum telling
// the peer it may stop reporting packets below minWaiting.
func appendStopWaiting(b []byte, pktNum, minWaiting uint64) []byte {
	off := pktNum - minWaiting - 1
	switch {
	case off < 0x100:
		return append(b, frameStopWaiting, byte(off))
	case off < 0x10000:
		return append(b, frameStopWaiting|1, byte(off), byte(off>>8))
	case off < 0x1000000:
		return append(b, frameStopWaiting|2, byte(off), byte(off>>8), byte(off>>16))
	default:
		b = append(b, frameStopWaiting|3)
		return binary.LittleEndian.AppendUint64(b, off)
	}
}

// decodeStopWaiting decodes a stop_waiting frame (lead byte included) in a
// packet numbered pktNum and returns the minimum packet number to report.
func decodeStopWaiting(b []byte, pktNum uint64) (minToAck uint64, n int, err error) {
	if len(b) < 1 || b[0]&0xfc != frameStopWaiting {
		return 0, 0, errLeadByte
	}
	var off uint64
	switch b[0] & 3 {
	case 0:
		if len(b) < 2 {
			return 0, 0, errTruncated
		}
		off, n = uint64(b[1]), 2
	case 1:
		if len(b) < 3 {
			return 0, 0, errTruncated
		}
		off, n = uint64(binary.LittleEndian.Uint16(b[1:])), 3
	case 2:
		if len(b) < 4 {
			return 0, 0, errTruncated
		}
		off, n = uint64(b[1])|uint64(b[2])<<8|uint64(b[3])<<16, 4
	default:
		if len(b) < 9 {
			return 0, 0, errTruncated
		}
		off, n = binary.LittleEndian.Uint64(b[1:]), 9
	}
	off++
	minToAck = pktNum - off
	if minToAck >= pktNum { // unsigned: also catches underflow
		return 0, 0, decodeErr("stop_waiting offset %d in packet %d", off, pktNum)
	}
	return minToAck, n, nil
}

// ---------------------------------------------------------------------------
// lane select

func appendLaneSelect(b []byte, lane int) []byte {
	if lane >= 1 && lane <= 7 {
		return append(b, frameLaneSelect|byte(lane-1))
	}
	return appendVarint(append(b, frameLaneSelect|7), uint64(lane))
}

func decodeLaneSelect(b []byte) (lane int, n int, err error) {
	if len(b) < 1 || b[0]&0xf8 != frameLaneSelect {
		return 0, 0, errLeadByte
	}
	if nnn := b[0] & 7; nnn < 7 {
		return int(nnn) + 1, 1, nil
	}
	v, vn := readVarint(b[1:])
	if vn == 0 {
		return 0, 0, errVarint
	}
	if v > maxLanes {
		return 0, 0, decodeErr("lane %d > %d", v, maxLanes)
	}
	return int(v), 1 + vn, nil
}

// ---------------------------------------------------------------------------
// ack

// ackBlock is one explicit block of an ack frame: acks packets received,
// then (older) nacks packets missing.
type ackBlock struct {
	acks, nacks uint64
}

func ackBlockLen(blk ackBlock) int {
	n := 1
	if blk.acks > 7 {
		n += varintLen(blk.acks >> 3)
	}
	if blk.nacks > 7 {
		n += varintLen(blk.nacks >> 3)
	}
	return n
}

// appendAck encodes an ack frame with a 16-bit latest packet number (w=1,
// always, as GNS does) and blocks newest first.
func appendAck(b []byte, latest uint64, delay uint16, blocks []ackBlock) []byte {
	lead := byte(frameAck | ackFlag16Bit)
	nb := len(blocks)
	if nb > 6 {
		lead |= 7
	} else {
		lead |= byte(nb)
	}
	b = append(b, lead, byte(latest), byte(latest>>8), byte(delay), byte(delay>>8))
	if nb > 6 {
		b = append(b, byte(nb))
	}
	for _, blk := range blocks {
		var h byte
		if blk.acks < 8 {
			h = byte(blk.acks << 4)
		} else {
			h = 0x80 | byte(blk.acks&7)<<4
		}
		if blk.nacks < 8 {
			h |= byte(blk.nacks)
		} else {
			h |= 0x08 | byte(blk.nacks&7)
		}
		b = append(b, h)
		if blk.acks >= 8 {
			b = appendVarint(b, blk.acks>>3)
		}
		if blk.nacks >= 8 {
			b = appendVarint(b, blk.nacks>>3)
		}
	}
	return b
}

// ackFrame is a decoded ack frame (latest as sent: low bits only).
type ackFrame struct {
	latestLow uint32
	wide      bool // 32-bit latest (w=0)
	delay     uint16
	blocks    []ackBlock
}

// decodeAck decodes an ack frame, appending blocks to blocks[:0] (callers
// pass a reused slice so the steady state does not allocate).
func decodeAck(b []byte, blocks []ackBlock) (f ackFrame, n int, err error) {
	if len(b) < 1 || b[0]&0xf0 != frameAck {
		return f, 0, errLeadByte
	}
	lead := b[0]
	p := 1
	if lead&ackFlag16Bit != 0 {
		if len(b) < p+2 {
			return f, 0, errTruncated
		}
		f.latestLow = uint32(binary.LittleEndian.Uint16(b[p:]))
		p += 2
	} else {
		if len(b) < p+4 {
			return f, 0, errTruncated
		}
		f.latestLow = binary.LittleEndian.Uint32(b[p:])
		f.wide = true
		p += 4
	}
	if len(b) < p+2 {
		return f, 0, errTruncated
	}
	f.delay = binary.LittleEndian.Uint16(b[p:])
	p += 2
	nb := int(lead & 7)
	if nb == 7 {
		if len(b) < p+1 {
			return f, 0, errTruncated
		}
		nb = int(b[p])
		p++
	}
	blocks = blocks[:0]
	for i := 0; i < nb; i++ {
		if len(b) < p+1 {
			return f, 0, errTruncated
		}
		h := b[p]
		p++
		blk := ackBlock{acks: uint64(h>>4) & 7, nacks: uint64(h) & 7}
		if h&0x80 != 0 {
			v, vn := readVarint(b[p:])
			if vn == 0 {
				return f, 0, errVarint
			}
			if v > maxVarintUpper {
				return f, 0, decodeErr("ack count %d<<3 is crazy", v)
			}
			blk.acks |= v << 3
			p += vn
		}
		if h&0x08 != 0 {
			v, vn := readVarint(b[p:])
			if vn == 0 {
				return f, 0, errVarint
			}
			if v > maxVarintUpper {
				return f, 0, decodeErr("nack count %d<<3 is crazy", v)
			}
			blk.nacks |= v << 3
			p += vn
		}
		blocks = append(blocks, blk)
	}
	f.blocks = blocks
	return f, p, nil
}

// ---------------------------------------------------------------------------
// segments

// segment is a decoded data segment. For unreliable segments msgNumAbs
// tells whether msgNum carries absolute low bits (msgNumLow, 16 or 32 bits)
// or a delta; the packet decoder resolves it with its lane context.
type segment struct {
	reliable bool
	last     bool // unreliable: e bit

	// unreliable message number encoding
	msgAbs   bool
	msgBits  int    // 16 or 32 when msgAbs
	msgValue uint64 // low bits (abs) or delta (relative)
	offset   uint64 // unreliable: offset within the message

	// reliable stream position encoding
	posAbs   bool
	posBits  int    // 24, 32 or 48 when posAbs
	posValue uint64 // low bits (abs) or offset from previous segment end

	data []byte
}

// decodeSegmentSize reads the size byte (if any) and slices the data. b
// starts at the size byte; lead holds the size bits.
func decodeSegmentData(b []byte, lead byte) (data []byte, n int, err error) {
	switch sb := int(lead & 7); {
	case sb <= 4:
		if len(b) < 1 {
			return nil, 0, errTruncated
		}
		size := sb<<8 | int(b[0])
		if len(b) < 1+size {
			return nil, 0, decodeErr("segment size %d overruns payload", size)
		}
		return b[1 : 1+size : 1+size], 1 + size, nil
	case sb == sizeRunsToEnd:
		return b[:len(b):len(b)], len(b), nil
	default:
		return nil, 0, errSizeBits
	}
}

// decodeUnreliableSegment decodes an unreliable segment. haveMsgNum tells
// whether an unreliable message number is already established in the lane
// context (then the message number field is relative).
func decodeUnreliableSegment(b []byte, haveMsgNum bool) (s segment, n int, err error) {
	if len(b) < 1 || b[0]&0xc0 != 0 {
		return s, 0, errLeadByte
	}
	lead := b[0]
	p := 1
	s.last = lead&unrelLast != 0
	if !haveMsgNum {
		s.msgAbs = true
		if lead&unrelMsgNumBig != 0 {
			if len(b) < p+4 {
				return s, 0, errTruncated
			}
			s.msgBits, s.msgValue = 32, uint64(binary.LittleEndian.Uint32(b[p:]))
			p += 4
		} else {
			if len(b) < p+2 {
				return s, 0, errTruncated
			}
			s.msgBits, s.msgValue = 16, uint64(binary.LittleEndian.Uint16(b[p:]))
			p += 2
		}
	} else if lead&unrelMsgNumBig != 0 {
		v, vn := readVarint(b[p:])
		if vn == 0 {
			return s, 0, errVarint
		}
		s.msgValue = v
		p += vn
	} else {
		s.msgValue = 1
	}
	if lead&unrelHasOffset != 0 {
		v, vn := readVarint(b[p:])
		if vn == 0 {
			return s, 0, errVarint
		}
		s.offset = v
		p += vn
	}
	data, dn, err := decodeSegmentData(b[p:], lead)
	if err != nil {
		return s, 0, err
	}
	s.data = data
	return s, p + dn, nil
}

// decodeReliableSegment decodes a reliable segment. havePos tells whether
// a reliable stream position is established in the lane context.
func decodeReliableSegment(b []byte, havePos bool) (s segment, n int, err error) {
	if len(b) < 1 || b[0]&0xe0 != relFrame {
		return s, 0, errLeadByte
	}
	lead := b[0]
	p := 1
	s.reliable = true
	mm := (lead >> 3) & 3
	if !havePos {
		s.posAbs = true
		switch mm {
		case 0:
			if len(b) < p+3 {
				return s, 0, errTruncated
			}
			s.posBits, s.posValue = 24, uint64(b[p])|uint64(b[p+1])<<8|uint64(b[p+2])<<16
			p += 3
		case 1:
			if len(b) < p+4 {
				return s, 0, errTruncated
			}
			s.posBits, s.posValue = 32, uint64(binary.LittleEndian.Uint32(b[p:]))
			p += 4
		case 2:
			if len(b) < p+6 {
				return s, 0, errTruncated
			}
			s.posBits = 48
			s.posValue = uint64(binary.LittleEndian.Uint16(b[p:])) | uint64(binary.LittleEndian.Uint32(b[p+2:]))<<16
			p += 6
		default:
			return s, 0, decodeErr("reserved reliable stream position size")
		}
	} else {
		switch mm {
		case 0:
		case 1:
			if len(b) < p+1 {
				return s, 0, errTruncated
			}
			s.posValue = uint64(b[p])
			p++
		case 2:
			if len(b) < p+2 {
				return s, 0, errTruncated
			}
			s.posValue = uint64(binary.LittleEndian.Uint16(b[p:]))
			p += 2
		default:
			if len(b) < p+4 {
				return s, 0, errTruncated
			}
			s.posValue = uint64(binary.LittleEndian.Uint32(b[p:]))
			p += 4
		}
	}
	data, dn, err := decodeSegmentData(b[p:], lead)
	if err != nil {
		return s, 0, err
	}
	s.data = data
	return s, p + dn, nil
}

// expandStreamPos turns the low bits of an absolute reliable stream position
// into the full position nearest expect (GNS window: ±half the modulus).
func expandStreamPos(low uint64, bits int, expect int64) int64 {
	mask := int64(1)<<bits - 1
	pos := (expect &^ mask) + int64(low)
	if pos+(mask>>1) < expect {
		pos += mask + 1
	}
	return pos
}

// segWriter encodes the segments of one packet, tracking the lane context
// exactly like the decoder (msgnum and stream position are relative after
// the first segment; a reliable segment bumps an established msgnum).
type segWriter struct {
	lane       int
	curMsgNum  int64 // 0 = none established in this lane context
	relPosEnd  int64 // 0 = none established
	lastLead   int   // offset of the last segment's lead byte, -1 if the last frame is not a segment
	lastSizeAt int   // offset of the last segment's size byte
}

func (w *segWriter) reset() {
	w.lane = 0
	w.curMsgNum = 0
	w.relPosEnd = 0
	w.lastLead = -1
}

// selectLane switches the lane context, emitting a lane-select frame when
// needed (or forced, to reset the context of the current lane).
func (w *segWriter) selectLane(b []byte, lane int, force bool) []byte {
	if lane == w.lane && !force {
		return b
	}
	b = appendLaneSelect(b, lane)
	w.lane = lane
	w.curMsgNum = 0
	w.relPosEnd = 0
	w.lastLead = -1
	return b
}

// laneSelectLen is the size of the lane-select frame needed to write on lane.
func (w *segWriter) laneSelectLen(lane int) int {
	if w.lane == lane {
		return 0
	}
	if lane >= 1 && lane <= 7 {
		return 1
	}
	return 1 + varintLen(uint64(lane))
}

// unreliableHeaderLen is the worst-case header size (including any lane
// select) of an unreliable segment on lane.
func (w *segWriter) unreliableHeaderLen(lane int, msgNum int64, offset int) int {
	if lane != w.lane {
		n := w.laneSelectLen(lane) + 2 + 4
		if offset > 0 {
			n += varintLen(uint64(offset))
		}
		return n
	}
	n := 2 // lead + size
	if w.curMsgNum == 0 || msgNum <= w.curMsgNum {
		n += 4
	} else if msgNum-w.curMsgNum > 1 {
		n += varintLen(uint64(msgNum - w.curMsgNum))
	}
	if offset > 0 {
		n += varintLen(uint64(offset))
	}
	if w.curMsgNum != 0 && msgNum <= w.curMsgNum {
		n += 2 // lane re-select to reset the context
	}
	return n
}

// appendUnreliable writes an unreliable segment with an explicit size byte.
// The data comes in two pieces (the second may be empty).
func (w *segWriter) appendUnreliable(b []byte, msgNum int64, offset int, data, data2 []byte, last bool) []byte {
	n := len(data) + len(data2)
	if w.curMsgNum != 0 && msgNum <= w.curMsgNum {
		// Cannot express a non-positive delta: reset the context.
		b = w.selectLane(b, w.lane, true)
	}
	leadAt := len(b)
	var lead byte
	if last {
		lead |= unrelLast
	}
	if offset > 0 {
		lead |= unrelHasOffset
	}
	lead |= byte(n >> 8)
	if w.curMsgNum == 0 {
		lead |= unrelMsgNumBig
		b = append(b, lead)
		b = binary.LittleEndian.AppendUint32(b, uint32(msgNum))
	} else if d := msgNum - w.curMsgNum; d == 1 {
		b = append(b, lead)
	} else {
		b = append(b, lead|unrelMsgNumBig)
		b = appendVarint(b, uint64(d))
	}
	w.curMsgNum = msgNum
	if offset > 0 {
		b = appendVarint(b, uint64(offset))
	}
	w.lastLead = leadAt
	w.lastSizeAt = len(b)
	b = append(b, byte(n))
	b = append(b, data...)
	return append(b, data2...)
}

// reliableHeaderLen is the worst-case header size (including any lane
// select) of a reliable segment on lane.
func (w *segWriter) reliableHeaderLen(lane int, pos int64) int {
	if lane != w.lane {
		return w.laneSelectLen(lane) + 1 + 6 + 1
	}
	if w.relPosEnd == 0 {
		return 1 + 6 + 1
	}
	if pos < w.relPosEnd {
		return 2 + 1 + 6 + 1
	}
	return 1 + 4 + 1
}

// appendReliable writes a reliable segment for stream position pos.
// The data comes in two pieces (the second may be empty).
func (w *segWriter) appendReliable(b []byte, pos int64, data, data2 []byte) []byte {
	n := len(data) + len(data2)
	if w.relPosEnd != 0 && pos < w.relPosEnd {
		b = w.selectLane(b, w.lane, true)
	}
	leadAt := len(b)
	sizeHi := byte(n >> 8)
	if w.relPosEnd == 0 {
		b = append(b, relFrame|2<<3|sizeHi)
		b = binary.LittleEndian.AppendUint16(b, uint16(pos))
		b = binary.LittleEndian.AppendUint32(b, uint32(pos>>16))
	} else {
		switch d := uint64(pos - w.relPosEnd); {
		case d == 0:
			b = append(b, relFrame|sizeHi)
		case d < 0x100:
			b = append(b, relFrame|1<<3|sizeHi, byte(d))
		case d < 0x10000:
			b = append(b, relFrame|2<<3|sizeHi, byte(d), byte(d>>8))
		default:
			b = append(b, relFrame|3<<3|sizeHi)
			b = binary.LittleEndian.AppendUint32(b, uint32(d))
		}
	}
	w.relPosEnd = pos + int64(n)
	if w.curMsgNum != 0 {
		w.curMsgNum++
	}
	w.lastLead = leadAt
	w.lastSizeAt = len(b)
	b = append(b, byte(n))
	b = append(b, data...)
	return append(b, data2...)
}

// finish turns the last segment (if it is the last frame) into the
// "runs to the end" form, as GNS does.
func (w *segWriter) finish(b []byte) []byte {
	if w.lastLead < 0 {
		return b
	}
	b[w.lastLead] |= sizeRunsToEnd
	copy(b[w.lastSizeAt:], b[w.lastSizeAt+1:])
	w.lastLead = -1
	return b[:len(b)-1]
}

// noteOtherFrame records that a non-segment frame was written after the
// last segment (so it must keep its size byte).
func (w *segWriter) noteOtherFrame() { w.lastLead = -1 }

// ---------------------------------------------------------------------------
// reliable message framing inside the stream (§4.4)

// appendReliableMsgHeader writes the in-stream header of a reliable message.
func appendReliableMsgHeader(b []byte, msgNumDelta int64, size int) []byte {
	at := len(b)
	b = append(b, 0)
	if msgNumDelta != 1 {
		b[at] |= 0x40
		b = appendVarint(b, uint64(msgNumDelta))
	}
	if size < 0x20 {
		b[at] |= byte(size)
	} else {
		b[at] |= 0x20 | byte(size&0x1f)
		b = appendVarint(b, uint64(size>>5))
	}
	return b
}

func reliableMsgHeaderLen(msgNumDelta int64, size int) int {
	n := 1
	if msgNumDelta != 1 {
		n += varintLen(uint64(msgNumDelta))
	}
	if size >= 0x20 {
		n += varintLen(uint64(size >> 5))
	}
	return n
}

// relMsgHeader is a decoded in-stream reliable message header.
type relMsgHeader struct {
	deltaPresent bool
	delta        uint64
	size         uint64
	hdrLen       int
}

// decodeReliableMsgHeader parses a header from the contiguous stream prefix.
// complete=false means more bytes are needed (not an error).
func decodeReliableMsgHeader(b []byte) (h relMsgHeader, complete bool, err error) {
	if len(b) == 0 {
		return h, false, nil
	}
	lead := b[0]
	if lead&0x80 != 0 {
		return h, false, decodeErr("invalid reliable message header byte 0x%02x", lead)
	}
	p := 1
	h.delta = 1
	if lead&0x40 != 0 {
		v, n := readVarint(b[p:])
		if n == 0 {
			if len(b)-p >= 10 {
				return h, false, errVarint
			}
			return h, false, nil
		}
		h.deltaPresent = true
		h.delta = v
		p += n
	}
	h.size = uint64(lead & 0x1f)
	if lead&0x20 != 0 {
		v, n := readVarint(b[p:])
		if n == 0 {
			if len(b)-p >= 10 {
				return h, false, errVarint
			}
			return h, false, nil
		}
		if v > 0xffffffff>>5 {
			return h, false, decodeErr("reliable message size too large")
		}
		h.size += v << 5
		p += n
	}
	h.hdrLen = p
	return h, true, nil
}
