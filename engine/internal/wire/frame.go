// Package wire encodes and decodes GNS UDP datagrams: the lead-byte
// dispatch, padded and unpadded control messages, the 7-byte data header
// (with optional inline stats blob and time-since-previous field) and the
// handshake protobuf messages (gns_wire_notes.md §1–2). It does no I/O and
// keeps no state.
package wire

import (
	"encoding/binary"

	"google.golang.org/protobuf/encoding/protowire"
)

// Lead bytes of control messages.
const (
	MsgChallengeRequest = 32 // padded
	MsgChallengeReply   = 33
	MsgConnectRequest   = 34
	MsgConnectOK        = 35
	MsgConnectionClosed = 36 // padded
	MsgNoConnection     = 37
)

// Sizes and protocol constants.
const (
	MinDatagram     = 5    // shorter datagrams are dropped
	PaddedMinSize   = 512  // padded messages are at least this long
	MaxUDPPayload   = 1300 // never send more; never accept more for decryption
	DataHeaderSize  = 7
	AEADTagSize     = 16
	MaxControlSize  = MaxUDPPayload
	DataFlagAlways  = 0x80
	DataFlagStats   = 0x01
	DataFlagTimePrv = 0x02

	// ProtocolVersion is what we send. MinProtocolVersion is the oldest peer
	// we accept: from version 10 on, the handshake implicitly consumes packet
	// number 1 in both directions, which is the only numbering SNP
	// implements; GNS itself accepts 8, but no maintained peer is older than
	// 10 (versions 8–9 predate 2019).
	ProtocolVersion    = 13
	MinProtocolVersion = 10
)

// Kind classifies a datagram by its lead byte.
type Kind int

// Datagram kinds.
const (
	KindInvalid Kind = iota
	KindData
	KindChallengeRequest
	KindChallengeReply
	KindConnectRequest
	KindConnectOK
	KindConnectionClosed
	KindNoConnection
	KindSourceEngine // FF FF FF FF connectionless packet: ignore silently
)

// Classify returns the kind of datagram p (KindInvalid if too short or the
// lead byte is unknown).
func Classify(p []byte) Kind {
	if len(p) < MinDatagram {
		return KindInvalid
	}
	if p[0] == 0xFF && p[1] == 0xFF && p[2] == 0xFF && p[3] == 0xFF {
		return KindSourceEngine
	}
	if p[0]&0x80 != 0 {
		return KindData
	}
	switch p[0] {
	case MsgChallengeRequest:
		return KindChallengeRequest
	case MsgChallengeReply:
		return KindChallengeReply
	case MsgConnectRequest:
		return KindConnectRequest
	case MsgConnectOK:
		return KindConnectOK
	case MsgConnectionClosed:
		return KindConnectionClosed
	case MsgNoConnection:
		return KindNoConnection
	}
	return KindInvalid
}

// AppendUnpadded appends an unpadded control message: id then body.
func AppendUnpadded(dst []byte, id byte, body []byte) []byte {
	dst = append(dst, id)
	return append(dst, body...)
}

// Unpadded returns the body of an unpadded control message.
func Unpadded(p []byte) []byte { return p[1:] }

// AppendPadded appends a padded control message: id, uint16 LE body length,
// body, then zeros up to PaddedMinSize bytes in total (counted from the
// start of this message).
func AppendPadded(dst []byte, id byte, body []byte) []byte {
	start := len(dst)
	dst = append(dst, id, byte(len(body)), byte(len(body)>>8))
	dst = append(dst, body...)
	for len(dst)-start < PaddedMinSize {
		dst = append(dst, 0)
	}
	return dst
}

// Padded returns the body of a padded control message after the receiver's
// checks: total ≥ 512 bytes, 0 < length and 3+length ≤ total.
func Padded(p []byte) ([]byte, error) {
	if len(p) < PaddedMinSize {
		return nil, malformed("padded message too short")
	}
	n := int(binary.LittleEndian.Uint16(p[1:3]))
	if n == 0 || 3+n > len(p) {
		return nil, malformed("padded message length out of range")
	}
	return p[3 : 3+n], nil
}

// DataHeader is the cleartext header of an SNP data packet.
type DataHeader struct {
	ConnID           uint32 // recipient's connection ID
	PktNum           uint16 // low 16 bits of the sender's packet number
	HasStats         bool
	Stats            Stats
	HasTimeSincePrev bool
	TimeSincePrev    uint16 // units of 16 µs
}

// ParseData parses a data packet header and returns it and the payload
// (ciphertext‖tag, or plaintext with the NULL cipher). It does not allocate.
func ParseData(p []byte, h *DataHeader) (payload []byte, err error) {
	*h = DataHeader{}
	if len(p) < DataHeaderSize {
		return nil, malformed("data packet too short")
	}
	flags := p[0]
	if flags&0x80 == 0 {
		return nil, malformed("not a data packet")
	}
	if flags&^byte(DataFlagAlways|DataFlagStats|DataFlagTimePrv) != 0 {
		return nil, malformed("unknown data header flags")
	}
	h.ConnID = binary.LittleEndian.Uint32(p[1:5])
	h.PktNum = binary.LittleEndian.Uint16(p[5:7])
	rest := p[DataHeaderSize:]
	if flags&DataFlagStats != 0 {
		n, k := protowire.ConsumeVarint(rest)
		if k < 0 || n > uint64(len(rest)-k) {
			return nil, malformed("bad stats blob length")
		}
		blob := rest[k : k+int(n)]
		if err := h.Stats.Unmarshal(blob); err != nil {
			return nil, err
		}
		h.HasStats = true
		rest = rest[k+int(n):]
	}
	if flags&DataFlagTimePrv != 0 {
		if len(rest) < 2 {
			return nil, malformed("truncated time-since-previous")
		}
		h.HasTimeSincePrev = true
		h.TimeSincePrev = binary.LittleEndian.Uint16(rest)
		rest = rest[2:]
	}
	return rest, nil
}

// AppendDataHeader appends a data header. statsFlags != 0 adds an inline
// stats blob carrying just those flags.
func AppendDataHeader(dst []byte, connID uint32, pktNum uint16, statsFlags uint32) []byte {
	flags := byte(DataFlagAlways)
	if statsFlags != 0 {
		flags |= DataFlagStats
	}
	dst = append(dst, flags)
	dst = binary.LittleEndian.AppendUint32(dst, connID)
	dst = binary.LittleEndian.AppendUint16(dst, pktNum)
	if statsFlags != 0 {
		// field 3 varint: tag 0x18 then the value
		blobLen := 1 + protowire.SizeVarint(uint64(statsFlags))
		dst = protowire.AppendVarint(dst, uint64(blobLen))
		dst = append(dst, 0x18)
		dst = protowire.AppendVarint(dst, uint64(statsFlags))
	}
	return dst
}
