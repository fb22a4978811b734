package hostclient

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Dict is a decoded Godot Dictionary, in insertion order.
type Dict struct {
	Keys []any
	Vals []any
}

// Get returns the value of the String key k.
func (d *Dict) Get(k string) (any, bool) {
	if d == nil {
		return nil, false
	}
	for i, x := range d.Keys {
		if s, ok := x.(string); ok && s == k {
			return d.Vals[i], true
		}
	}
	return nil, false
}

// Value is Get without the found flag (nil when absent).
func (d *Dict) Value(k string) any {
	v, _ := d.Get(k)
	return v
}

// Int, Str and Float return the value of k if it has that type, else zero.
func (d *Dict) Int(k string) int64 {
	v, _ := d.Value(k).(int64)
	return v
}

func (d *Dict) Str(k string) string {
	v, _ := d.Value(k).(string)
	return v
}

func (d *Dict) Float(k string) float64 {
	v, _ := d.Value(k).(float64)
	return v
}

// Object is a decoded Object reference (ID "" for a null Object).
type Object struct{ ID, Class string }

// Encode turns a Go value into the protocol's typed value: nil, bool, int,
// int64, float64, string, []byte, *Dict and []any (of those). A value that
// is already a typed value (map[string]any) is passed through.
func Encode(v any) map[string]any {
	switch x := v.(type) {
	case map[string]any:
		return x
	case nil:
		return map[string]any{"t": "nil"}
	case bool:
		return map[string]any{"t": "bool", "v": x}
	case int:
		return map[string]any{"t": "int", "v": strconv.Itoa(x)}
	case int64:
		return map[string]any{"t": "int", "v": strconv.FormatInt(x, 10)}
	case float64:
		return map[string]any{"t": "float", "v": x}
	case string:
		return map[string]any{"t": "string", "v": x}
	case []byte:
		return map[string]any{"t": "bytes", "v": hex.EncodeToString(x)}
	case *Dict:
		pairs := []any{}
		if x != nil {
			for i := range x.Keys {
				pairs = append(pairs, []any{Encode(x.Keys[i]), Encode(x.Vals[i])})
			}
		}
		return map[string]any{"t": "dict", "v": pairs}
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = Encode(e)
		}
		return map[string]any{"t": "array", "v": items}
	}
	panic(fmt.Sprintf("hostclient: cannot encode %T", v))
}

// Decode turns a typed protocol value into Go: nil, bool, int64, float64,
// string (String, StringName, NodePath), []byte, *Dict, []any, []int32 or
// Object.
func Decode(raw json.RawMessage) (any, error) {
	var tv struct {
		T     string          `json:"t"`
		V     json.RawMessage `json:"v"`
		Class string          `json:"class"`
	}
	if err := json.Unmarshal(raw, &tv); err != nil {
		return nil, err
	}
	switch tv.T {
	case "nil":
		return nil, nil
	case "bool":
		var b bool
		return b, json.Unmarshal(tv.V, &b)
	case "int":
		var s string
		if err := json.Unmarshal(tv.V, &s); err != nil {
			return nil, err
		}
		return strconv.ParseInt(s, 10, 64)
	case "float":
		var f float64
		if json.Unmarshal(tv.V, &f) == nil {
			return f, nil
		}
		var s string
		if err := json.Unmarshal(tv.V, &s); err != nil {
			return nil, err
		}
		switch s {
		case "nan":
			return math.NaN(), nil
		case "inf":
			return math.Inf(1), nil
		case "-inf":
			return math.Inf(-1), nil
		}
		return nil, fmt.Errorf("bad float %q", s)
	case "string", "string_name", "node_path":
		var s string
		return s, json.Unmarshal(tv.V, &s)
	case "bytes":
		var s string
		if err := json.Unmarshal(tv.V, &s); err != nil {
			return nil, err
		}
		return hex.DecodeString(s)
	case "dict":
		var pairs [][2]json.RawMessage
		if err := json.Unmarshal(tv.V, &pairs); err != nil {
			return nil, err
		}
		d := &Dict{}
		for _, p := range pairs {
			k, err := Decode(p[0])
			if err != nil {
				return nil, err
			}
			v, err := Decode(p[1])
			if err != nil {
				return nil, err
			}
			d.Keys = append(d.Keys, k)
			d.Vals = append(d.Vals, v)
		}
		return d, nil
	case "array":
		var items []json.RawMessage
		if err := json.Unmarshal(tv.V, &items); err != nil {
			return nil, err
		}
		out := make([]any, len(items))
		for i, it := range items {
			v, err := Decode(it)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case "int32s":
		var items []json.RawMessage
		if err := json.Unmarshal(tv.V, &items); err != nil {
			return nil, err
		}
		out := make([]int32, len(items))
		for i, it := range items {
			var n json.Number
			if err := json.Unmarshal(it, &n); err != nil {
				var s string
				if err := json.Unmarshal(it, &s); err != nil {
					return nil, err
				}
				n = json.Number(s)
			}
			v, err := strconv.ParseInt(string(n), 10, 32)
			if err != nil {
				return nil, err
			}
			out[i] = int32(v)
		}
		return out, nil
	case "object":
		var id *string
		_ = json.Unmarshal(tv.V, &id)
		if id == nil {
			return Object{}, nil
		}
		return Object{ID: *id, Class: tv.Class}, nil
	}
	return nil, fmt.Errorf("unknown value type %q", tv.T)
}
