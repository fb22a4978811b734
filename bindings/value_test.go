package bindings

import (
	"math"
	"testing"
)

func TestDictionaryKeys(t *testing.T) {
	d := NewDictionary()
	d.Set("a", int64(1))
	d.Set(StringName("a"), int64(2)) // StringName and String keys are the same key
	d.Set(int64(1), "int")
	d.Set(1.0, "float") // int 1 and float 1.0 are different keys
	d.Set([]byte{1, 2}, "bytes")
	d.Set([]byte{1, 2}, "bytes again")
	d.Set([]any{int64(1)}, "array")
	d.Set(math.NaN(), "nan")
	d.Set(math.NaN(), "nan again")
	d.Set(dict("k", int64(1)), "dict")
	d.Set(dict("k", int64(1)), "dict again")
	d.Set(nil, "nil")
	if d.Len() != 8 {
		t.Fatalf("len %d, keys %v", d.Len(), d.Keys)
	}
	for _, c := range []struct {
		k    any
		want any
	}{
		{"a", int64(2)}, {StringName("a"), int64(2)}, {int64(1), "int"}, {1.0, "float"},
		{[]byte{1, 2}, "bytes again"}, {[]any{int64(1)}, "array"}, {math.NaN(), "nan again"},
		{dict("k", int64(1)), "dict again"}, {nil, "nil"},
	} {
		if v, ok := d.Get(c.k); !ok || v != c.want {
			t.Errorf("Get(%#v) = %v %v, want %v", c.k, v, ok, c.want)
		}
	}
	if _, ok := d.Get([]byte{1}); ok {
		t.Error("a different PackedByteArray found")
	}
	if _, ok := d.Get(true); ok {
		t.Error("bool true matched a key")
	}
	if d.Keys[0] != "a" {
		t.Errorf("a StringName key is stored as String: %#v", d.Keys[0])
	}
}

func TestTypeOf(t *testing.T) {
	for v, want := range map[any]VariantType{
		nil: TypeNil, true: TypeBool, int64(1): TypeInt, 1.5: TypeFloat, "s": TypeString,
		StringName("s"): TypeStringName, NodePath("p"): TypeNodePath, Unsupported{Type: 5}: 5,
	} {
		if got := TypeOf(v); got != want {
			t.Errorf("TypeOf(%#v) = %d, want %d", v, got, want)
		}
	}
	if TypeOf(NewDictionary()) != TypeDictionary || TypeOf([]any{}) != TypeArray || TypeOf([]byte{}) != TypePackedByteArray || TypeOf([]int32{}) != TypePackedInt32Array {
		t.Error("containers")
	}
}
