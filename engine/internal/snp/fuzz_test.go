package snp

import "testing"

func FuzzDecodeAck(f *testing.F) {
	f.Add([]byte{0x98, 1, 0, 0xff, 0xff})
	f.Add(appendAck(nil, 77, 3, []ackBlock{{9, 9}, {1, 200}}))
	f.Fuzz(func(t *testing.T, b []byte) { decodeAck(b, nil) })
}

func FuzzDecodeStopWaiting(f *testing.F) {
	f.Add([]byte{0x80, 1}, uint64(2))
	f.Add([]byte{0x83, 1, 2, 3, 4, 5, 6, 7, 8}, uint64(1<<40))
	f.Fuzz(func(t *testing.T, b []byte, p uint64) { decodeStopWaiting(b, p) })
}

func FuzzDecodeLaneSelect(f *testing.F) {
	f.Add([]byte{0x8f, 0x00})
	f.Add([]byte{0x8f, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) { decodeLaneSelect(b) })
}

func FuzzDecodeSegments(f *testing.F) {
	f.Add([]byte{0x37, 1, 0, 0, 0, 'h', 'i'}, false)
	f.Add([]byte{0x57, 1, 0, 0, 0, 0, 0, 2, 'h', 'i'}, false)
	f.Add([]byte{0x48, 5, 2, 'h', 'i'}, true)
	f.Fuzz(func(t *testing.T, b []byte, ctx bool) {
		decodeUnreliableSegment(b, ctx)
		decodeReliableSegment(b, ctx)
		decodeReliableMsgHeader(b)
	})
}

func FuzzReceivePacket(f *testing.F) {
	f.Add([]byte{0x80, 1, 0x98, 1, 0, 0xff, 0xff, 0x37, 1, 0, 0, 0, 'h', 'i'}, uint16(2))
	f.Add([]byte{0x80, 1, 0x98, 1, 0, 0xff, 0xff, 0x57, 1, 0, 0, 0, 0, 0, 2, 'h', 'i'}, uint16(2))
	f.Add([]byte{0x80, 1, 0x89, 0x57, 1, 0, 0, 0, 0, 0, 0x22, 0xe0}, uint16(3))
	f.Fuzz(func(t *testing.T, b []byte, wire uint16) {
		s := NewSession(DefaultConfig(), 13, 1_000_000_000, nil)
		s.SendMessage([]byte("x"), SendReliable|SendNoNagle, 0, true, 1_000_000_000)
		s.BuildPacket(1_000_000_000, nil, 1232)
		s.ReceivePacket(s.ExpandPacketNumber(wire), b, AckRequestImmediate, 1_000_000_000)
		s.BuildPacket(1_000_000_001, nil, 1232)
	})
}
