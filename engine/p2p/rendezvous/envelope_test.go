package rendezvous

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecodeEnvelope: any broker message decodes or is refused without
// panicking; what decodes is a known kind with its required fields.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, e := range []envelope{
		{Kind: envSignal, Node: "node1", From: "steamid:76561197960265729", Data: []byte("offer")},
		{Kind: envLogin, Node: "node2"},
	} {
		b, _ := json.Marshal(&e)
		f.Add(b)
	}
	f.Add([]byte(`{"k":"sig","n":"x"}`))
	f.Add([]byte(`{"k":"other","n":"x"}`))
	f.Add([]byte(`{"k":"sig","n":"x","f":"steamid:1","d":"!!"}`))
	f.Add([]byte(`[]`))
	const max = 4096
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEnvelope(b, max)
		if err != nil {
			return
		}
		if len(b) > max || e.Node == "" || (e.Kind != envSignal && e.Kind != envLogin) || (e.Kind == envSignal && e.From == "") {
			t.Fatalf("accepted %q as %+v", b, e)
		}
		again, _ := json.Marshal(e)
		e2, err := decodeEnvelope(again, 2*max)
		if err != nil {
			t.Fatalf("re-encoded %s refused: %v", again, err)
		}
		if third, _ := json.Marshal(e2); !bytes.Equal(again, third) {
			t.Fatalf("round trip changed %s into %s", again, third)
		}
	})
}
