package bindings

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strings"
	"testing"
)

// valueDecoder builds values of the model from fuzz bytes.
type valueDecoder struct{ b []byte }

func (d *valueDecoder) byte() byte {
	if len(d.b) == 0 {
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *valueDecoder) u64() uint64 {
	var buf [8]byte
	n := copy(buf[:], d.b)
	d.b = d.b[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

func (d *valueDecoder) bytes() []byte {
	n := int(d.byte())
	if n > len(d.b) {
		n = len(d.b)
	}
	out := append([]byte{}, d.b[:n]...)
	d.b = d.b[n:]
	return out
}

func (d *valueDecoder) value(depth int) any {
	switch d.byte() % 12 {
	case 0:
		return nil
	case 1:
		return d.byte()&1 == 1
	case 2:
		return int64(d.u64())
	case 3:
		return math.Float64frombits(d.u64())
	case 4:
		return string(d.bytes())
	case 5:
		return StringName(d.bytes())
	case 6:
		return NodePath(d.bytes())
	case 7:
		dict := NewDictionary()
		if depth > 0 {
			for n := d.byte() % 8; n > 0; n-- {
				dict.Set(d.value(depth-1), d.value(depth-1))
			}
		}
		return dict
	case 8:
		var a []any
		if depth > 0 {
			for n := d.byte() % 8; n > 0; n-- {
				a = append(a, d.value(depth-1))
			}
		}
		return a
	case 9:
		return d.bytes()
	case 10:
		b := d.bytes()
		out := make([]int32, len(b)/4)
		for i := range out {
			out[i] = int32(binary.LittleEndian.Uint32(b[i*4:]))
		}
		return out
	default:
		return Unsupported{Type: VariantType(d.byte() % 39)}
	}
}

// FuzzConfigOptions: any Dictionary converts or fails with a message; a
// success has one option per entry, with the right value kinds.
func FuzzConfigOptions(f *testing.F) {
	f.Add([]byte{7, 3, 2, 9, 0, 0, 0, 0, 0, 0, 0, 2, 0x88, 0x13, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{7, 1, 4, 3, 'k', 'e', 'y', 2, 1})
	f.Add([]byte{7, 2, 2, 40, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := (&valueDecoder{data}).value(3)
		dict, ok := d.(*Dictionary)
		if !ok {
			dict = NewDictionary()
			dict.Set(int64(9), d)
		}
		opts, err := convertConfigOptions(dict)
		if err != nil {
			if opts != nil || !strings.Contains(err.Error(), "config_options") {
				t.Fatalf("failure %v returned options %v", err, opts)
			}
			return
		}
		if len(opts) != dict.Len() {
			t.Fatalf("%d entries gave %d options", dict.Len(), len(opts))
		}
		for i, o := range opts {
			if int64(o.Key) != dict.Keys[i].(int64) {
				t.Fatalf("option %d key %d, entry key %v", i, o.Key, dict.Keys[i])
			}
		}
	})
}

// FuzzConvertStrict: conversion never panics and yields the declared type.
func FuzzConvertStrict(f *testing.F) {
	f.Add([]byte{2, 1, 0, 0, 0, 0, 0, 0, 0}, byte(TypeBool))
	f.Add([]byte{8, 3, 2, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 1, 4, 1, 'x'}, byte(TypePackedByteArray))
	f.Add([]byte{10, 8, 1, 0, 0, 0, 2, 0, 0, 0}, byte(TypeArray))
	f.Add([]byte{3, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, byte(TypeInt))
	f.Add([]byte{5, 2, 'h', 'i'}, byte(TypeString))
	f.Fuzz(func(t *testing.T, data []byte, to byte) {
		v := (&valueDecoder{data}).value(3)
		target := []VariantType{TypeBool, TypeInt, TypeFloat, TypeString, TypeDictionary, TypeArray, TypePackedByteArray}[int(to)%7]
		got, ok := convertStrict(v, target)
		if ok != canConvertStrict(TypeOf(v), target) {
			if _, packed := v.(Unsupported); !packed {
				t.Fatalf("convert %#v to %s: ok %v disagrees with can_convert_strict", v, TypeName(target), ok)
			}
		}
		if ok && TypeOf(got) != target {
			t.Fatalf("convert %#v to %s gave a %T", v, TypeName(target), got)
		}
	})
}

// FuzzParseIPAddr: parsing never panics, and what parses prints back to
// text that parses to the same address and port.
func FuzzParseIPAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:27015", "[::1]:27015", "::1", "1.2.3.4", " 1.2.3.4:5 x", "[fe80::1%2]:9",
		"1:2:3:4:5:6:7:8:80", "[::ffff:1.2.3.4]", "[::1] port 9", ":27015", "localhost"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ap, ok, _ := parseIPAddr(s)
		if !ok {
			return
		}
		text := formatIPAddr(ap, true)
		back, ok2, ignored := parseIPAddr(text)
		want := netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if !ok2 || ignored != "" || back != want {
			t.Fatalf("%q → %v → %q → %v %v %q", s, ap, text, back, ok2, ignored)
		}
	})
}

// FuzzCall: any arguments to any method give a call error or a value of the
// declared type, never a panic. Methods that would open sockets to arbitrary
// addresses are left out (tests use loopback only).
func FuzzCall(f *testing.F) {
	f.Add(uint8(0), []byte{2, 5, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(MethodIndex("sendMessages")), []byte{8, 2, 9, 1, 'a', 4, 1, 'b', 2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 8})
	f.Add(uint8(MethodIndex("configureConnectionLanes")), []byte{2, 1, 2, 2, 8, 1, 2, 0, 8, 1, 3, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f})
	f.Add(uint8(MethodIndex("getConnectionRealTimeStatus")), []byte{2, 0, 2, 0xff})
	h := &fakeHost{}
	s := New(h)
	f.Cleanup(s.Close)
	skip := map[string]bool{"createListenSocketIP": true, "connectByIPAddress": true, "createSocketPair": true, "createPollGroup": true}
	f.Fuzz(func(t *testing.T, method uint8, data []byte) {
		i := int(method) % len(methodTable)
		m := methodTable[i]
		if skip[m.Name] {
			return
		}
		dec := &valueDecoder{data}
		var a []any
		for n := dec.byte() % 6; n > 0; n-- {
			a = append(a, dec.value(2))
		}
		ret, cerr := s.Call(i, a)
		if cerr.Error == CallOK && m.HasReturn && TypeOf(ret) != m.Return {
			t.Fatalf("%s%v returned %T", m.Name, a, ret)
		}
		if containsAll(h.takeErrors(), "internal error") {
			t.Fatalf("%s%v panicked", m.Name, a)
		}
		h.takeWarnings()
	})
}
