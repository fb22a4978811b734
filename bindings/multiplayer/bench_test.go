package multiplayer

import (
	"testing"

	"godotsteam-sockets/engine"
)

// BenchmarkReceiveOrdered measures decoding and queueing one
// UNRELIABLE_ORDERED packet (the synchronizer's hot path on the receiver).
func BenchmarkReceiveOrdered(b *testing.B) {
	p := New()
	p.resetLocked()
	r := &remote{conn: 1, id: 5, announced: true}
	p.byConn[1], p.byID[5] = r, r
	p.server = true
	msg := make([]byte, orderedHeaderLen+64)
	msg[0], msg[1], msg[2] = kindData, byte(TransferUnreliableOrdered), 1
	m := &engine.Message{Conn: 1, Data: msg}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		seq := uint32(i + 1)
		msg[3], msg[4], msg[5], msg[6] = byte(seq), byte(seq>>8), byte(seq>>16), byte(seq>>24)
		p.onMessageLocked(m)
		if len(p.incoming) > 1024 {
			p.incoming = p.incoming[:0]
		}
	}
}
