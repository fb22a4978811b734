package hostclient

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	cases := []any{
		nil, true, false, int64(0), int64(-42), int64(76561198000000001), 1.5, "", "héllo",
		[]byte{}, []byte{0, 1, 0xfe, 0xff},
		[]any{int64(1), "two", []any{false}},
		&Dict{Keys: []any{"a", int64(7)}, Vals: []any{int64(1), &Dict{}}},
	}
	for _, c := range cases {
		raw, err := json.Marshal(Encode(c))
		if err != nil {
			t.Fatalf("marshal %#v: %v", c, err)
		}
		got, err := Decode(raw)
		if err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("round trip of %#v gave %#v (wire %s)", c, got, raw)
		}
	}
}

func TestDecodeRejectsBadValues(t *testing.T) {
	for _, raw := range []string{
		`{"t":"int","v":"twelve"}`, `{"t":"bytes","v":"zz"}`, `{"t":"float","v":"lots"}`,
		`{"t":"mystery","v":1}`, `{"t":"dict","v":[[{"t":"int","v":"x"},{"t":"nil"}]]}`, `not json`,
	} {
		if v, err := Decode(json.RawMessage(raw)); err == nil {
			t.Errorf("decode(%s) = %#v, want an error", raw, v)
		}
	}
}

func TestDecodeObjectsPackedIntsAndSpecialFloats(t *testing.T) {
	for raw, want := range map[string]any{
		`{"t":"object","v":"42","class":"SteamMultiplayerPeer"}`: Object{ID: "42", Class: "SteamMultiplayerPeer"},
		`{"t":"object","v":null}`:                                Object{},
		`{"t":"int32s","v":[1,-2,"3"]}`:                          []int32{1, -2, 3},
		`{"t":"int32s","v":[]}`:                                  []int32{},
		`{"t":"float","v":"inf"}`:                                math.Inf(1),
		`{"t":"string_name","v":"peer_connected"}`:               "peer_connected",
	} {
		got, err := Decode(json.RawMessage(raw))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Decode(%s) = %#v, %v; want %#v", raw, got, err, want)
		}
	}
	if v, _ := Decode(json.RawMessage(`{"t":"float","v":"nan"}`)); !math.IsNaN(v.(float64)) {
		t.Errorf("nan decoded as %v", v)
	}
	d := &Dict{Keys: []any{"a", int64(1), "n", "s", "f"}, Vals: []any{int64(5), "x", int64(7), "t", 2.5}}
	if v, ok := d.Get("a"); !ok || v != int64(5) || d.Int("n") != 7 || d.Str("s") != "t" || d.Float("f") != 2.5 || d.Value("zz") != nil {
		t.Errorf("Dict accessors on %#v", d)
	}
	if v, ok := (*Dict)(nil).Get("a"); ok || v != nil {
		t.Error("nil Dict")
	}
}
