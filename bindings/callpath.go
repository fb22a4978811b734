package bindings

import (
	"math"
)

// args holds a call's arguments after checking and conversion: element i
// has exactly the Go type of the declared Variant type of parameter i.
type args []any

func (a args) int(i int) int64          { return a[i].(int64) }
func (a args) bool(i int) bool          { return a[i].(bool) }
func (a args) str(i int) string         { return a[i].(string) }
func (a args) dict(i int) *Dictionary   { return a[i].(*Dictionary) }
func (a args) array(i int) []any        { return a[i].([]any) }
func (a args) bytes(i int) []byte       { return a[i].([]byte) }
func (a args) handle(i int) uint32      { return handleOf(a[i].(int64)) }
func (a args) steamID(i int) uint64     { return uint64(a[i].(int64)) }
func (a args) intClamped(i int) int     { return clampInt(a[i].(int64)) }
func (a args) int32Clamped(i int) int32 { return clampInt32(a[i].(int64)) }

// handleOf turns a GDScript int into a handle. GodotSteam casts to uint32;
// we map every value outside the uint32 range to the invalid handle 0
// instead, so a wrapped-around value can never alias a live handle.
func handleOf(v int64) uint32 {
	if v < 0 || v > math.MaxUint32 {
		return 0
	}
	return uint32(v)
}

func clampInt(v int64) int {
	if v > math.MaxInt {
		return math.MaxInt
	}
	if v < math.MinInt {
		return math.MinInt
	}
	return int(v)
}

func clampInt32(v int64) int32 {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	if v < math.MinInt32 {
		return math.MinInt32
	}
	return int32(v)
}

// prepareArgs applies Godot's call-path rules (gdextension_notes §3.3) to
// raw arguments of the value model: count checks, trailing defaults, the
// Variant::can_convert_strict type check, then conversion to the declared
// types. On failure the returned CallError says what Godot should report.
func prepareArgs(m *Method, raw []any) (args, CallError) {
	n := len(m.Args)
	if len(raw) > n {
		return nil, CallError{Error: CallTooManyArguments, Expected: int32(n)}
	}
	defaults := 0
	for i := n - 1; i >= 0 && m.Args[i].HasDefault; i-- {
		defaults++
	}
	if n-len(raw) > defaults {
		return nil, CallError{Error: CallTooFewArguments, Expected: int32(n)}
	}
	out := make(args, n)
	for i := range n {
		if i >= len(raw) {
			out[i] = m.Args[i].Default
			continue
		}
		v, ok := convertStrict(raw[i], m.Args[i].Type)
		if !ok {
			return nil, CallError{Error: CallInvalidArgument, Argument: int32(i), Expected: int32(m.Args[i].Type)}
		}
		out[i] = v
	}
	return out, CallError{}
}

// canConvertStrict mirrors Variant::can_convert_strict for the types this
// API declares.
func canConvertStrict(from, to VariantType) bool {
	if from == to {
		return true
	}
	switch to {
	case TypeNil:
		return true
	case TypeInt, TypeFloat, TypeBool:
		return from == TypeInt || from == TypeFloat || from == TypeBool
	case TypeString:
		return from == TypeStringName || from == TypeNodePath
	case TypePackedByteArray:
		return from == TypeArray
	case TypeArray:
		return from >= TypePackedByteArray && from <= 38 // every packed array type
	}
	return false
}

// convertStrict checks v against the declared type and converts it the way
// Godot's to-type constructors do. ok is false when Godot would report
// "Cannot convert argument".
func convertStrict(v any, to VariantType) (any, bool) {
	from := TypeOf(v)
	if _, unsupported := v.(Unsupported); !unsupported && from == TypeNil && v != nil {
		return nil, false // a Go type outside the value model
	}
	if !canConvertStrict(from, to) {
		return nil, false
	}
	switch to {
	case TypeInt:
		switch x := v.(type) {
		case int64:
			return x, true
		case bool:
			return boolToInt(x), true
		case float64:
			return floatToInt(x), true
		}
	case TypeFloat:
		switch x := v.(type) {
		case float64:
			return x, true
		case int64:
			return float64(x), true
		case bool:
			return float64(boolToInt(x)), true
		}
	case TypeBool:
		switch x := v.(type) {
		case bool:
			return x, true
		case int64:
			return x != 0, true
		case float64:
			return x != 0, true
		}
	case TypeString:
		switch x := v.(type) {
		case string:
			return x, true
		case StringName:
			return string(x), true
		case NodePath:
			return string(x), true
		}
	case TypeDictionary:
		if d, ok := v.(*Dictionary); ok {
			if d == nil {
				d = NewDictionary()
			}
			return d, true
		}
	case TypeArray:
		switch x := v.(type) {
		case []any:
			return x, true
		case []byte:
			out := make([]any, len(x))
			for i, b := range x {
				out[i] = int64(b)
			}
			return out, true
		case []int32:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = int64(e)
			}
			return out, true
		}
	case TypePackedByteArray:
		switch x := v.(type) {
		case []byte:
			return x, true
		case []any:
			// PackedByteArray(Array): each element becomes a byte the way
			// Godot converts it (an int truncated to 8 bits; non-numbers 0).
			out := make([]byte, len(x))
			for i, e := range x {
				out[i] = byte(variantToInt(e))
			}
			return out, true
		}
	}
	return nil, false
}

func boolToInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// floatToInt truncates toward zero like a C++ cast, but defined for every
// input: NaN becomes 0 and out-of-range values saturate.
func floatToInt(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// variantToInt converts a value loosely, like Variant's int operator: numbers
// and bools convert, anything else is 0.
func variantToInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return floatToInt(x)
	case bool:
		return boolToInt(x)
	}
	return 0
}
