package main

import (
	"math"
	"reflect"
	"testing"

	"godotsteam-sockets/bindings"
)

// The pure-Go parts of the marshalling (no Godot needed); the conversions
// through the C ABI are tested in extension/marshaltest.

func TestModelTypeCoversTheValueModel(t *testing.T) {
	cases := []struct {
		in   any
		want int
		out  any
	}{
		{nil, typeNil, nil},
		{true, typeBool, true},
		{int64(-5), typeInt, int64(-5)},
		{int(7), typeInt, int64(7)},
		{uint32(4000000000), typeInt, int64(4000000000)},
		{uint64(math.MaxUint64), typeInt, int64(-1)}, // a uint64 Steam ID keeps its bits
		{1.5, typeFloat, 1.5},
		{float32(0.5), typeFloat, 0.5},
		{"s", typeString, "s"},
		{bindings.StringName("sn"), typeStringName, bindings.StringName("sn")},
		{bindings.NodePath("a/b"), typeNodePath, bindings.NodePath("a/b")},
		{[]any{int64(1)}, typeArray, []any{int64(1)}},
		{[]byte{1}, typeByteArray, []byte{1}},
		{[]int32{1}, typeInt32Array, []int32{1}},
	}
	for _, c := range cases {
		got, out, ok := modelType(c.in)
		if !ok || int(got) != c.want || !reflect.DeepEqual(out, c.out) {
			t.Errorf("modelType(%#v) = %d, %#v, %v; want %d, %#v", c.in, got, out, ok, c.want, c.out)
		}
	}
	d := bindings.NewDictionary()
	if got, out, ok := modelType(d); !ok || got != typeDictionary || out != d {
		t.Errorf("modelType(*Dictionary) = %d, %v, %v", got, out, ok)
	}
	for _, bad := range []any{struct{}{}, bindings.Unsupported{Type: 5}, map[string]any{}, int8(1)} {
		if _, _, ok := modelType(bad); ok {
			t.Errorf("modelType(%#v) accepted a value outside the model", bad)
		}
	}
}

func TestConformGivesTheDeclaredType(t *testing.T) {
	cases := []struct {
		declared int
		in, want any
		problem  bool
	}{
		{typeInt, int64(3), int64(3), false},
		{typeFloat, int64(3), 3.0, false},
		{typeInt, 2.9, int64(2), false},
		{typeInt, math.NaN(), int64(0), true},
		{typeInt, math.Inf(1), int64(0), true},
		{typeBool, int64(1), false, true},
		{typeString, nil, "", true},
		{typeString, "x", "x", false},
		{typeArray, nil, []any{}, true},
		{typeByteArray, "text", []byte{}, true},
		{typeInt32Array, []int32{4}, []int32{4}, false},
		{typeNil, "anything", "anything", false}, // a Variant return takes any type
		{typeNil, nil, nil, false},
		{typeNil, struct{}{}, nil, true},
	}
	for _, c := range cases {
		var conv converter
		got := conv.conform(vtype(c.declared), c.in)
		if !reflect.DeepEqual(got, c.want) || (conv.problem != "") != c.problem {
			t.Errorf("conform(%d, %#v) = %#v (problem %q); want %#v, problem %v", c.declared, c.in, got, conv.problem, c.want, c.problem)
		}
	}
	var conv converter
	if d, ok := conv.conform(typeDictionary, nil).(*bindings.Dictionary); !ok || d == nil || d.Len() != 0 {
		t.Errorf("conform(Dictionary, nil) = %#v, want an empty Dictionary", d)
	}
}

func TestConverterKeepsTheFirstProblem(t *testing.T) {
	var c converter
	c.note("first %d", 1)
	c.note("second")
	if c.problem != "first 1" {
		t.Errorf("problem = %q", c.problem)
	}
}
