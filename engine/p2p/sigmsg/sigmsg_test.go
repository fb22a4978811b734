package sigmsg

import (
	"bytes"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func sample() *Rendezvous {
	return &Rendezvous{
		FromIdentity: "steamid:76561197960266729", FromConnectionID: 0x11223344,
		ToIdentity: "steamid:76561197960266730", ToConnectionID: 0x55667788,
		ICEEnabled: true, HasICEEnabled: true,
		ConnectRequest:   &ConnectRequest{Crypt: []byte{1, 2}, Cert: []byte{3, 4}, ToVirtualPort: 7, HasToVPort: true, FromVirtualPort: 0, HasFromVPort: true},
		ConnectOK:        &ConnectOK{Crypt: []byte{5}, Cert: []byte{6}},
		ConnectionClosed: &ConnectionClosed{Debug: "bye", ReasonCode: 1000},
		AckReliableMsg:   3, FirstReliableMsg: 4,
		ReliableMessages: []ReliableMessage{
			{ICE: &ICE{HasAuth: true, PwdFrag: "abcdefghijklmnopqrstuv"}},
			{ICE: &ICE{HasCandidate: true, Candidate: "candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host"}},
		},
		ApplicationMessages: []ApplicationMessage{{Data: []byte("hi"), MsgNum: 9, Flags: 0, LaneIdx: 1}},
	}
}

func TestRoundTrip(t *testing.T) {
	m := sample()
	got, err := Unmarshal(m.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
}

// TestFieldNumbers pins the GNS field numbers and wire types by decoding the
// output with a generic protobuf walker.
func TestFieldNumbers(t *testing.T) {
	b := sample().Marshal()
	want := map[protowire.Number]protowire.Type{
		1: protowire.Fixed32Type, 4: protowire.BytesType, 5: protowire.BytesType, 6: protowire.BytesType,
		7: protowire.VarintType, 8: protowire.BytesType, 9: protowire.Fixed32Type, 10: protowire.BytesType,
		11: protowire.VarintType, 12: protowire.VarintType, 13: protowire.BytesType, 15: protowire.BytesType,
	}
	seen := map[protowire.Number]bool{}
	err := walk(b, func(f field) error {
		if typ, ok := want[f.num]; !ok || typ != f.typ {
			t.Errorf("field %d has type %d", f.num, f.typ)
		}
		seen[f.num] = true
		return nil
	})
	if err != nil || len(seen) != len(want) {
		t.Fatalf("err %v, seen %v", err, seen)
	}
	// from_connection_id is fixed32 field 9: tag byte 0x4d.
	if !bytes.Contains(b, []byte{0x4d, 0x44, 0x33, 0x22, 0x11}) {
		t.Fatal("from_connection_id not encoded as fixed32 field 9")
	}
}

func TestRefusesGarbage(t *testing.T) {
	for _, b := range [][]byte{{0xff}, {0x22, 0x05, 0x01}, {0x0b}, {0x6a, 0x02, 0x0a, 0x05}} {
		if _, err := Unmarshal(b); err == nil {
			t.Errorf("%x decoded", b)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(sample().Marshal())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Unmarshal(b)
		if err != nil {
			return
		}
		again, err := Unmarshal(m.Marshal())
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if again.FromIdentity != m.FromIdentity || again.FromConnectionID != m.FromConnectionID ||
			len(again.ReliableMessages) != len(m.ReliableMessages) || (again.ConnectRequest == nil) != (m.ConnectRequest == nil) {
			t.Fatal("re-encode changed the message")
		}
	})
}

func BenchmarkUnmarshal(b *testing.B) {
	raw := sample().Marshal()
	for i := 0; i < b.N; i++ {
		if _, err := Unmarshal(raw); err != nil {
			b.Fatal(err)
		}
	}
}
