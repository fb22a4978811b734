package snp

import "testing"

func dumpFrames(t testing.TB, b []byte) {
	var cur int64
	var rel int64
	for p := 0; p < len(b); {
		lead := b[p]
		switch {
		case lead&0xc0 == 0:
			s, n, err := decodeUnreliableSegment(b[p:], cur != 0)
			t.Logf("@%d unrel lead %02x n=%d len=%d err=%v", p, lead, n, len(s.data), err)
			cur = 1
			p += n
		case lead&0xe0 == 0x40:
			s, n, err := decodeReliableSegment(b[p:], rel != 0)
			t.Logf("@%d rel lead %02x n=%d len=%d err=%v", p, lead, n, len(s.data), err)
			rel = 1
			p += n
		case lead&0xfc == 0x80:
			_, n, err := decodeStopWaiting(b[p:], 1<<40)
			t.Logf("@%d sw n=%d %v", p, n, err)
			p += n
		case lead&0xf0 == 0x90:
			f, n, err := decodeAck(b[p:], nil)
			t.Logf("@%d ack n=%d blocks=%d %v", p, n, len(f.blocks), err)
			p += n
		case lead&0xf8 == 0x88:
			l, n, err := decodeLaneSelect(b[p:])
			t.Logf("@%d lane %d n=%d %v", p, l, n, err)
			cur, rel = 0, 0
			p += n
		default:
			t.Logf("@%d bad %02x", p, lead)
			return
		}
	}
}
