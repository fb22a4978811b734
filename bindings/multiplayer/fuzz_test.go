package multiplayer

import (
	"testing"

	"godotsteam-sockets/engine"
)

// FuzzOnMessage feeds arbitrary wire messages to a host and a connecting
// client: never a panic, and delivered packets always have a valid channel
// and mode and a known sender.
func FuzzOnMessage(f *testing.F) {
	f.Add([]byte{kindData, byte(TransferReliable), 0, 'h', 'i'})
	f.Add([]byte{kindData, byte(TransferUnreliableOrdered), 3, 1, 0, 0, 0, 'x'})
	f.Add([]byte{kindAssign, 7, 0, 0, 0})
	f.Add([]byte{kindData, 9, 99})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, server := range []bool{true, false} {
			p := New()
			p.resetLocked()
			p.server = server
			p.status = StatusConnecting
			r := &remote{conn: 5, id: 9, announced: true}
			if !server {
				r.id = ServerID
			}
			p.byConn[5] = r
			p.byID[r.id] = r
			p.onMessageLocked(&engine.Message{Data: data, Conn: 5})
			p.onMessageLocked(&engine.Message{Data: data, Conn: 6})
			for _, pk := range p.incoming {
				if pk.Channel < 0 || pk.Channel >= MaxChannels || pk.Mode > TransferReliable || pk.From != r.id {
					t.Fatalf("bad packet %+v", pk)
				}
			}
			if p.selfID == 1 || p.selfID < 0 {
				t.Fatalf("assigned reserved id %d", p.selfID)
			}
		}
	})
}
