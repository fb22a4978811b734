// Package bindings is the Godot-facing surface of the engine: the `Steam`
// class of GodotSteam's Networking Sockets API as one declarative table
// (methods with typed, named, defaulted arguments; signals; constants), the
// conversions between Godot-shaped values and engine calls, and the event
// queue that run_callbacks() turns into signal emissions.
//
// It is pure Go and knows nothing about cgo: package extension marshals
// Variants to and from the Go value model below and calls Steam.Call.
package bindings

import "reflect"

// VariantType is Godot's GDExtensionVariantType.
type VariantType int

// The Variant types this API uses (values are Godot's).
const (
	TypeNil              VariantType = 0
	TypeBool             VariantType = 1
	TypeInt              VariantType = 2
	TypeFloat            VariantType = 3
	TypeString           VariantType = 4
	TypeStringName       VariantType = 21
	TypeNodePath         VariantType = 22
	TypeDictionary       VariantType = 27
	TypeArray            VariantType = 28
	TypePackedByteArray  VariantType = 29
	TypePackedInt32Array VariantType = 30
)

// The Go value model of a Variant, used in both directions:
//
//	Nil              nil
//	bool             bool
//	int              int64
//	float            float64
//	String           string
//	StringName       StringName
//	NodePath         NodePath
//	Dictionary       *Dictionary (insertion-ordered, any key type)
//	Array            []any
//	PackedByteArray  []byte
//	PackedInt32Array []int32
//	anything else    Unsupported{Type} (only ever an argument; rejected)

// StringName is a Godot StringName value.
type StringName string

// NodePath is a Godot NodePath value.
type NodePath string

// Unsupported stands for a Variant of a type the API never takes (Vector2,
// Object, ...); passing one is an argument-type error.
type Unsupported struct{ Type VariantType }

// Dictionary is an insertion-ordered Godot Dictionary. Keys compare like
// Godot's: same Go type and value, except that StringName and string keys
// compare by text; int64(1) and float64(1) are different keys.
type Dictionary struct {
	Keys   []any
	Values []any
}

// NewDictionary returns an empty Dictionary.
func NewDictionary() *Dictionary { return &Dictionary{} }

func normKey(k any) any {
	if sn, ok := k.(StringName); ok {
		return string(sn)
	}
	return k
}

func (d *Dictionary) index(k any) int {
	k = normKey(k)
	for i, x := range d.Keys {
		if keyEqual(normKey(x), k) {
			return i
		}
	}
	return -1
}

// keyEqual compares two normalised keys like Godot: same type and value,
// containers by content, NaN equal to NaN. Never panics, whatever the keys.
func keyEqual(a, b any) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb {
		return false
	}
	if fa, ok := a.(float64); ok {
		fb := b.(float64)
		return fa == fb || fa != fa && fb != fb
	}
	if ta == nil || ta.Comparable() && ta.Kind() != reflect.Pointer {
		return a == b
	}
	return reflect.DeepEqual(a, b)
}

// Set inserts or replaces a value (a new key goes last).
func (d *Dictionary) Set(k, v any) {
	if i := d.index(k); i >= 0 {
		d.Values[i] = v
		return
	}
	d.Keys = append(d.Keys, normKey(k))
	d.Values = append(d.Values, v)
}

// Get returns the value for k.
func (d *Dictionary) Get(k any) (any, bool) {
	if i := d.index(k); i >= 0 {
		return d.Values[i], true
	}
	return nil, false
}

// Len returns the number of entries.
func (d *Dictionary) Len() int { return len(d.Keys) }

// TypeOf returns the Variant type of a Go value of the model.
func TypeOf(v any) VariantType {
	switch x := v.(type) {
	case nil:
		return TypeNil
	case bool:
		return TypeBool
	case int64:
		return TypeInt
	case float64:
		return TypeFloat
	case string:
		return TypeString
	case StringName:
		return TypeStringName
	case NodePath:
		return TypeNodePath
	case *Dictionary:
		return TypeDictionary
	case []any:
		return TypeArray
	case []byte:
		return TypePackedByteArray
	case []int32:
		return TypePackedInt32Array
	case Unsupported:
		return x.Type
	}
	return TypeNil
}

// CallErrorType is GDExtensionCallErrorType.
type CallErrorType int

// Call error kinds (Godot's values).
const (
	CallOK               CallErrorType = 0
	CallInvalidMethod    CallErrorType = 1
	CallInvalidArgument  CallErrorType = 2
	CallTooManyArguments CallErrorType = 3
	CallTooFewArguments  CallErrorType = 4
)

// CallError is GDExtensionCallError: what went wrong in a call-path call.
type CallError struct {
	Error    CallErrorType
	Argument int32 // index of the bad argument (InvalidArgument)
	Expected int32 // declared type (InvalidArgument) or argument count
}

// Host is what the binding needs from Godot (implemented by package
// extension, and by fakes in tests). Every method is called on the thread
// that called into the binding.
type Host interface {
	// EmitSignal emits a signal of the Steam singleton.
	EmitSignal(name string, args []any)
	// PrintError reports an engine error (push_error / print_error).
	PrintError(msg string)
	// PrintWarning reports an engine warning.
	PrintWarning(msg string)
}
