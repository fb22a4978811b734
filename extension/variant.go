package main

/*
#include "gdx.h"
*/
import "C"

import (
	"fmt"
	"math"
	"unsafe"

	"godotsteam-sockets/bindings"
)

// maxDepth bounds container nesting in both directions. Godot containers
// can contain themselves; such a value is cut at this depth (reported once
// per call) instead of recursing forever.
const maxDepth = 64

// converter carries the per-call state of a conversion: the first problem
// seen, reported by the caller after the call.
type converter struct {
	problem string
}

func (c *converter) note(format string, a ...any) {
	if c.problem == "" {
		c.problem = fmt.Sprintf(format, a...)
	}
}

// ---- Godot → Go ----

// fromVariant converts the Variant at v (of any type) to the value model.
func (c *converter) fromVariant(v unsafe.Pointer, depth int) any {
	t := C.gdx_variant_get_type(v)
	switch t {
	case typeNil:
		return nil
	case typeBool:
		var b C.uint8_t
		C.gdx_variant_to(t, unsafe.Pointer(&b), v)
		return b != 0
	case typeInt:
		var i int64
		C.gdx_variant_to(t, unsafe.Pointer(&i), v)
		return i
	case typeFloat:
		var f float64
		C.gdx_variant_to(t, unsafe.Pointer(&f), v)
		return f
	case typeString, typeStringName, typeNodePath, typeDictionary, typeArray, typeByteArray, typeInt32Array:
		var slot value
		C.gdx_variant_to(t, unsafe.Pointer(&slot), v)
		out := c.fromValue(t, unsafe.Pointer(&slot), depth)
		C.gdx_destroy_value(t, unsafe.Pointer(&slot))
		return out
	}
	return bindings.Unsupported{Type: bindings.VariantType(t)}
}

// fromValue converts the typed value at p (a ptrcall argument, or a value
// taken out of a Variant) of Variant type t to the value model. It never
// modifies the value: only const accessors are used.
func (c *converter) fromValue(t C.GdxVariantType, p unsafe.Pointer, depth int) any {
	switch t {
	case typeNil: // a Variant-typed parameter: p is a Variant*
		return c.fromVariant(p, depth)
	case typeBool:
		return *(*uint8)(p) != 0
	case typeInt:
		return *(*int64)(p)
	case typeFloat:
		return *(*float64)(p)
	case typeString:
		return readString(p)
	case typeStringName:
		var s value
		C.gdx_string_from_string_name(unsafe.Pointer(&s), p)
		out := readString(unsafe.Pointer(&s))
		C.gdx_string_destroy(unsafe.Pointer(&s))
		return bindings.StringName(out)
	case typeNodePath:
		var s value
		C.gdx_string_from_node_path(unsafe.Pointer(&s), p)
		out := readString(unsafe.Pointer(&s))
		C.gdx_string_destroy(unsafe.Pointer(&s))
		return bindings.NodePath(out)
	case typeDictionary:
		d := bindings.NewDictionary()
		if depth >= maxDepth {
			c.note("a Dictionary nested deeper than %d levels (one that contains itself?) was cut off", maxDepth)
			return d
		}
		// keys() and values() list the entries in the same (insertion) order.
		var keys, values value
		C.gdx_dictionary_keys(p, unsafe.Pointer(&keys))
		C.gdx_dictionary_values(p, unsafe.Pointer(&values))
		n := int(C.gdx_container_size(typeArray, unsafe.Pointer(&keys)))
		if nv := int(C.gdx_container_size(typeArray, unsafe.Pointer(&values))); nv < n {
			n = nv
		}
		d.Keys = make([]any, 0, n)
		d.Values = make([]any, 0, n)
		for i := 0; i < n; i++ {
			k := C.gdx_array_get_const(unsafe.Pointer(&keys), C.GdxInt(i))
			v := C.gdx_array_get_const(unsafe.Pointer(&values), C.GdxInt(i))
			if k == nil || v == nil {
				continue
			}
			d.Keys = append(d.Keys, c.fromVariant(unsafe.Pointer(k), depth+1))
			d.Values = append(d.Values, c.fromVariant(unsafe.Pointer(v), depth+1))
		}
		C.gdx_destroy_value(typeArray, unsafe.Pointer(&keys))
		C.gdx_destroy_value(typeArray, unsafe.Pointer(&values))
		return d
	case typeArray:
		if depth >= maxDepth {
			c.note("an Array nested deeper than %d levels (one that contains itself?) was cut off", maxDepth)
			return []any{}
		}
		n := int(C.gdx_container_size(typeArray, p))
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			e := C.gdx_array_get_const(p, C.GdxInt(i))
			if e == nil {
				out = append(out, nil)
				continue
			}
			out = append(out, c.fromVariant(unsafe.Pointer(e), depth+1))
		}
		return out
	case typeByteArray:
		n := int(C.gdx_container_size(t, p))
		out := make([]byte, n)
		if n > 0 {
			if data := C.gdx_packed_data_const(t, p); data != nil {
				copy(out, unsafe.Slice((*byte)(data), n))
			}
		}
		return out
	case typeInt32Array:
		n := int(C.gdx_container_size(t, p))
		out := make([]int32, n)
		if n > 0 {
			if data := C.gdx_packed_data_const(t, p); data != nil {
				copy(out, unsafe.Slice((*int32)(data), n))
			}
		}
		return out
	}
	return bindings.Unsupported{Type: bindings.VariantType(t)}
}

// ---- Go → Godot ----

// modelType returns the Variant type a Go value converts to, normalising
// the few Go types that are not in the model but have an obvious meaning.
func modelType(v any) (C.GdxVariantType, any, bool) {
	switch x := v.(type) {
	case nil:
		return typeNil, nil, true
	case bool:
		return typeBool, x, true
	case int64:
		return typeInt, x, true
	case int:
		return typeInt, int64(x), true
	case int32:
		return typeInt, int64(x), true
	case uint32:
		return typeInt, int64(x), true
	case uint64:
		return typeInt, int64(x), true
	case float64:
		return typeFloat, x, true
	case float32:
		return typeFloat, float64(x), true
	case string:
		return typeString, x, true
	case bindings.StringName:
		return typeStringName, x, true
	case bindings.NodePath:
		return typeNodePath, x, true
	case *bindings.Dictionary:
		return typeDictionary, x, true
	case []any:
		return typeArray, x, true
	case []byte:
		return typeByteArray, x, true
	case []int32:
		return typeInt32Array, x, true
	}
	return typeNil, nil, false
}

// toVariant constructs a Variant holding v into the uninitialized slot dst.
// A value outside the model becomes nil (and is reported).
func (c *converter) toVariant(dst unsafe.Pointer, v any, depth int) {
	t, nv, ok := modelType(v)
	if !ok {
		c.note("cannot give Godot a value of Go type %T", v)
		C.gdx_variant_new_nil(dst)
		return
	}
	switch t {
	case typeNil:
		C.gdx_variant_new_nil(dst)
	case typeBool:
		var b C.uint8_t
		if nv.(bool) {
			b = 1
		}
		C.gdx_variant_from(t, dst, unsafe.Pointer(&b))
	case typeInt:
		i := nv.(int64)
		C.gdx_variant_from(t, dst, unsafe.Pointer(&i))
	case typeFloat:
		f := nv.(float64)
		C.gdx_variant_from(t, dst, unsafe.Pointer(&f))
	default:
		var slot value
		c.constructValue(t, unsafe.Pointer(&slot), nv, depth)
		C.gdx_variant_from(t, dst, unsafe.Pointer(&slot))
		C.gdx_destroy_value(t, unsafe.Pointer(&slot))
	}
}

// constructValue constructs a value of the handle type t (String, ...,
// PackedInt32Array) from v, which must be of the matching model type, into
// the uninitialized slot dst.
func (c *converter) constructValue(t C.GdxVariantType, dst unsafe.Pointer, v any, depth int) {
	switch t {
	case typeString:
		stringInto(dst, v.(string))
	case typeStringName:
		stringNameInto(dst, string(v.(bindings.StringName)))
	case typeNodePath:
		var s value
		stringInto(unsafe.Pointer(&s), string(v.(bindings.NodePath)))
		C.gdx_node_path_from_string(dst, unsafe.Pointer(&s))
		C.gdx_string_destroy(unsafe.Pointer(&s))
	case typeDictionary:
		C.gdx_construct_default(t, dst)
		d := v.(*bindings.Dictionary)
		if d == nil {
			return
		}
		if depth >= maxDepth {
			c.note("a Dictionary nested deeper than %d levels was cut off", maxDepth)
			return
		}
		var kv [2]variant
		for i, k := range d.Keys {
			var val any
			if i < len(d.Values) {
				val = d.Values[i]
			}
			c.toVariant(unsafe.Pointer(&kv[0]), k, depth+1)
			c.toVariant(unsafe.Pointer(&kv[1]), val, depth+1)
			C.gdx_dictionary_set(dst, unsafe.Pointer(&kv[0]), unsafe.Pointer(&kv[1]))
			C.gdx_variant_destroy(unsafe.Pointer(&kv[0]))
			C.gdx_variant_destroy(unsafe.Pointer(&kv[1]))
		}
	case typeArray:
		C.gdx_construct_default(t, dst)
		a := v.([]any)
		if len(a) > 0 && depth >= maxDepth {
			c.note("an Array nested deeper than %d levels was cut off", maxDepth)
			return
		}
		var e variant
		for _, x := range a {
			c.toVariant(unsafe.Pointer(&e), x, depth+1)
			C.gdx_array_append(dst, unsafe.Pointer(&e))
			C.gdx_variant_destroy(unsafe.Pointer(&e))
		}
	case typeByteArray:
		C.gdx_construct_default(t, dst)
		b := v.([]byte)
		if len(b) == 0 {
			return
		}
		data := C.gdx_packed_resize(t, dst, C.GdxInt(len(b)))
		if data == nil {
			c.note("Godot could not allocate a PackedByteArray of %d bytes", len(b))
			return
		}
		copy(unsafe.Slice((*byte)(data), len(b)), b)
	case typeInt32Array:
		C.gdx_construct_default(t, dst)
		a := v.([]int32)
		if len(a) == 0 {
			return
		}
		data := C.gdx_packed_resize(t, dst, C.GdxInt(len(a)))
		if data == nil {
			c.note("Godot could not allocate a PackedInt32Array of %d elements", len(a))
			return
		}
		copy(unsafe.Slice((*int32)(data), len(a)), a)
	default:
		panic(fmt.Sprintf("constructValue: type %d is not a handle type", t))
	}
}

// conform returns v as a value of exactly the declared return type t (nil
// for a Variant return means Nil). An int may stand for a float and a
// finite float for an int, as in Godot's conversions; any other mismatch is
// a binding bug, reported, and replaced by the declared type's empty value
// so that Godot always receives what the method's signature promises.
func (c *converter) conform(t C.GdxVariantType, v any) any {
	vt, nv, ok := modelType(v)
	if ok && (t == typeNil || vt == t) {
		return nv
	}
	if ok {
		switch {
		case t == typeFloat && vt == typeInt:
			return float64(nv.(int64))
		case t == typeInt && vt == typeFloat:
			if f := nv.(float64); !math.IsNaN(f) && !math.IsInf(f, 0) {
				return int64(f)
			}
		}
	}
	c.note("returned a %T where the method declares %s", v, bindings.TypeName(bindings.VariantType(t)))
	return zeroValue(t)
}

// zeroValue is the empty value of a Variant type, as Godot initializes a
// return slot.
func zeroValue(t C.GdxVariantType) any {
	switch t {
	case typeBool:
		return false
	case typeInt:
		return int64(0)
	case typeFloat:
		return float64(0)
	case typeString:
		return ""
	case typeStringName:
		return bindings.StringName("")
	case typeNodePath:
		return bindings.NodePath("")
	case typeDictionary:
		return bindings.NewDictionary()
	case typeArray:
		return []any{}
	case typeByteArray:
		return []byte{}
	case typeInt32Array:
		return []int32{}
	}
	return nil
}

// writeReturn stores v into a ptrcall return slot of declared type t that
// Godot has already initialized (empty String, empty Dictionary, 0, ...).
// The new value is built first, then the old one destroyed and replaced, so
// a failure part-way leaves the slot valid.
func (c *converter) writeReturn(t C.GdxVariantType, slot unsafe.Pointer, v any) {
	nv := c.conform(t, v)
	switch t {
	case typeNil: // a Variant return: slot is a Variant*
		var tmp variant
		c.toVariant(unsafe.Pointer(&tmp), nv, 0)
		C.gdx_variant_destroy(slot)
		C.gdx_variant_new_copy(slot, unsafe.Pointer(&tmp))
		C.gdx_variant_destroy(unsafe.Pointer(&tmp))
	case typeBool:
		var b uint8
		if nv.(bool) {
			b = 1
		}
		*(*uint8)(slot) = b
	case typeInt:
		*(*int64)(slot) = nv.(int64)
	case typeFloat:
		*(*float64)(slot) = nv.(float64)
	case typeString, typeStringName, typeNodePath, typeDictionary, typeArray, typeByteArray, typeInt32Array:
		var tmp value
		c.constructValue(t, unsafe.Pointer(&tmp), nv, 0)
		C.gdx_destroy_value(t, slot)
		// A move: these are plain refcounted handles, so the bytes of tmp
		// become the slot's value and tmp is not destroyed.
		size := C.GDX_DICTIONARY_SIZE
		if t == typeByteArray || t == typeInt32Array {
			size = C.GDX_PACKED_ARRAY_SIZE
		}
		copy(unsafe.Slice((*byte)(slot), size), unsafe.Slice((*byte)(unsafe.Pointer(&tmp)), size))
	default:
		c.note("cannot return a value of Variant type %d through ptrcall", int(t))
	}
}
