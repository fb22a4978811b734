package bindings

import (
	"math"
	"reflect"
	"testing"
)

func TestCallArgumentCounts(t *testing.T) {
	s, h := newSteam(t)
	cases := []struct {
		method string
		args   []any
		want   CallError
	}{
		{"acceptConnection", []any{int64(1), int64(2)}, CallError{Error: CallTooManyArguments, Expected: 1}},
		{"acceptConnection", nil, CallError{Error: CallTooFewArguments, Expected: 1}},
		{"createPollGroup", []any{int64(1)}, CallError{Error: CallTooManyArguments, Expected: 0}},
		{"closeConnection", []any{int64(1), int64(0), ""}, CallError{Error: CallTooFewArguments, Expected: 4}},
		// get_status has a default, lanes has not.
		{"getConnectionRealTimeStatus", []any{int64(1)}, CallError{Error: CallTooFewArguments, Expected: 3}},
		{"getConnectionRealTimeStatus", []any{int64(1), int64(0), true, true}, CallError{Error: CallTooManyArguments, Expected: 3}},
		{"steamInit", []any{true, int64(0), false, false}, CallError{Error: CallTooManyArguments, Expected: 3}},
		{"getListenSocketAddress", nil, CallError{Error: CallTooFewArguments, Expected: 2}},
	}
	for _, c := range cases {
		_, got := s.CallByName(c.method, c.args...)
		if got != c.want {
			t.Errorf("%s%v: %+v, want %+v", c.method, c.args, got, c.want)
		}
	}
	if e := h.takeErrors(); len(e) != 0 {
		t.Errorf("count errors must be reported through CallError only, got prints %q", e)
	}
}

func TestCallDefaults(t *testing.T) {
	// Each default is used exactly when its argument is left out.
	m := &methodTable[MethodIndex("steamInit")].Method
	for _, c := range []struct {
		raw  []any
		want args
	}{
		{nil, args{true, int64(0), false}},
		{[]any{false}, args{false, int64(0), false}},
		{[]any{false, int64(480)}, args{false, int64(480), false}},
		{[]any{false, int64(480), true}, args{false, int64(480), true}},
	} {
		got, cerr := prepareArgs(m, c.raw)
		if cerr.Error != CallOK || !reflect.DeepEqual(got, c.want) {
			t.Errorf("steamInit%v: %v %+v, want %v", c.raw, got, cerr, c.want)
		}
	}
	m = &methodTable[MethodIndex("getFakeIP")].Method
	if got, _ := prepareArgs(m, nil); !reflect.DeepEqual(got, args{int64(0)}) {
		t.Errorf("getFakeIP(): %v", got)
	}
	m = &methodTable[MethodIndex("getListenSocketAddress")].Method
	if got, _ := prepareArgs(m, []any{int64(5)}); !reflect.DeepEqual(got, args{int64(5), true}) {
		t.Errorf("getListenSocketAddress(5): %v", got)
	}
	m = &methodTable[MethodIndex("getConnectionRealTimeStatus")].Method
	if got, _ := prepareArgs(m, []any{int64(5), int64(0)}); !reflect.DeepEqual(got, args{int64(5), int64(0), true}) {
		t.Errorf("getConnectionRealTimeStatus(5, 0): %v", got)
	}
}

func TestConvertStrict(t *testing.T) {
	d := NewDictionary()
	ok := func(v any, to VariantType, want any) {
		t.Helper()
		got, good := convertStrict(v, to)
		if !good || !reflect.DeepEqual(got, want) {
			t.Errorf("convert %#v to %s: %#v %v, want %#v", v, TypeName(to), got, good, want)
		}
	}
	bad := func(v any, to VariantType) {
		t.Helper()
		if got, good := convertStrict(v, to); good {
			t.Errorf("convert %#v to %s accepted (%#v); Godot rejects it", v, TypeName(to), got)
		}
	}
	ok(int64(7), TypeInt, int64(7))
	ok(true, TypeInt, int64(1))
	ok(false, TypeInt, int64(0))
	ok(2.9, TypeInt, int64(2))
	ok(-2.9, TypeInt, int64(-2))
	ok(math.NaN(), TypeInt, int64(0))
	ok(1e300, TypeInt, int64(math.MaxInt64))
	ok(-1e300, TypeInt, int64(math.MinInt64))
	ok(int64(3), TypeFloat, 3.0)
	ok(true, TypeFloat, 1.0)
	ok(int64(0), TypeBool, false)
	ok(int64(-5), TypeBool, true)
	ok(0.5, TypeBool, true)
	ok(0.0, TypeBool, false)
	ok("x", TypeString, "x")
	ok(StringName("sn"), TypeString, "sn")
	ok(NodePath("a/b"), TypeString, "a/b")
	ok(d, TypeDictionary, d)
	ok((*Dictionary)(nil), TypeDictionary, NewDictionary())
	ok([]any{int64(1)}, TypeArray, []any{int64(1)})
	ok([]byte{1, 2}, TypeArray, []any{int64(1), int64(2)})
	ok([]int32{-1, 7}, TypeArray, []any{int64(-1), int64(7)})
	ok([]byte{9}, TypePackedByteArray, []byte{9})
	ok([]any{int64(1), int64(256 + 2), 3.7, true, "x", nil}, TypePackedByteArray, []byte{1, 2, 3, 1, 0, 0})

	bad(nil, TypeInt)
	bad(nil, TypeString)
	bad(nil, TypeDictionary)
	bad("1", TypeInt)
	bad("true", TypeBool)
	bad(int64(1), TypeString)
	bad(StringName("x"), TypeInt)
	bad([]any{}, TypeDictionary)
	bad(d, TypeArray)
	bad("abc", TypePackedByteArray)
	bad([]int32{1}, TypePackedByteArray)
	bad(Unsupported{Type: 5}, TypeInt)         // Vector2
	bad(Unsupported{Type: 24}, TypeDictionary) // Object
	bad(Unsupported{Type: 31}, TypeArray)      // PackedInt64Array: not in the value model
	bad(int(3), TypeInt)                       // not a value-model type
	bad(int32(3), TypeInt)
}

func TestCallInvalidArgumentReportsIndexAndType(t *testing.T) {
	s, _ := newSteam(t)
	cases := []struct {
		method string
		args   []any
		arg    int32
		want   VariantType
	}{
		{"acceptConnection", []any{"1"}, 0, TypeInt},
		{"closeConnection", []any{int64(1), int64(0), int64(5), false}, 2, TypeString},
		{"closeConnection", []any{int64(1), int64(0), "", "no"}, 3, TypeBool},
		{"connectByIPAddress", []any{"127.0.0.1:1", []any{}}, 1, TypeDictionary},
		{"connectByIPAddress", []any{nil, NewDictionary()}, 0, TypeString},
		{"sendMessageToConnection", []any{int64(1), "text", int64(8)}, 1, TypePackedByteArray},
		{"sendMessages", []any{NewDictionary(), int64(1), int64(8)}, 0, TypeArray},
		{"configureConnectionLanes", []any{int64(1), int64(1), []any{int64(0)}, Unsupported{Type: 20}}, 3, TypeArray},
		{"steamInit", []any{"yes"}, 0, TypeBool},
		{"getListenSocketAddress", []any{int64(1), NewDictionary()}, 1, TypeBool},
	}
	for _, c := range cases {
		ret, got := s.CallByName(c.method, c.args...)
		want := CallError{Error: CallInvalidArgument, Argument: c.arg, Expected: int32(c.want)}
		if got != want || ret != nil {
			t.Errorf("%s%v: %v %+v, want %+v", c.method, c.args, ret, got, want)
		}
	}
}

func TestCallBadMethodIndexAndClosedInstance(t *testing.T) {
	h := &fakeHost{}
	s := New(h)
	for _, i := range []int{-1, len(methodTable), 1 << 30} {
		if _, cerr := s.Call(i, nil); cerr.Error != CallInvalidMethod {
			t.Errorf("Call(%d): %+v", i, cerr)
		}
	}
	if _, cerr := s.CallByName("nope"); cerr.Error != CallInvalidMethod {
		t.Errorf("CallByName(nope): %+v", cerr)
	}
	if len(h.takeErrors()) != 4 {
		t.Error("bad method calls should each print an error")
	}
	s.Close()
	s.Close() // idempotent
	if _, cerr := s.CallByName("createPollGroup"); cerr.Error != CallInvalidMethod {
		t.Errorf("call after Close: %+v", cerr)
	}
	if !containsAll(h.takeErrors(), "createPollGroup", "freed") {
		t.Error("call after Close printed no error")
	}
}

func TestCallRecoversFromPanics(t *testing.T) {
	h := &fakeHost{}
	s := New(h)
	defer s.Close()
	i := MethodIndex("getSteamID")
	saved := methodTable[i].impl
	methodTable[i].impl = func(*Steam, args) any { panic("boom") }
	defer func() { methodTable[i].impl = saved }()
	ret, cerr := s.Call(i, nil)
	if ret != nil || cerr.Error != CallInvalidMethod {
		t.Fatalf("panicking method: %v %+v", ret, cerr)
	}
	if !containsAll(h.takeErrors(), "getSteamID", "internal error", "boom") {
		t.Error("the panic was not reported through PrintError")
	}
}

func TestHandleConversion(t *testing.T) {
	for _, c := range []struct {
		in   int64
		want uint32
	}{{0, 0}, {1, 1}, {math.MaxUint32, math.MaxUint32}, {-1, 0}, {math.MaxUint32 + 1, 0}, {math.MaxUint32 + 6, 0}, {math.MinInt64, 0}} {
		if got := handleOf(c.in); got != c.want {
			t.Errorf("handleOf(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

// Every method accepts its declared types exactly (the ptrcall shape) and
// returns a value of its declared return type, even with hostile values.
func TestEveryMethodReturnsItsDeclaredType(t *testing.T) {
	s, _ := newSteam(t)
	samples := map[VariantType][]any{
		TypeInt:             {int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), int64(1 << 33)},
		TypeBool:            {false, true},
		TypeString:          {"", "garbage:::", "\x00\xff"},
		TypeDictionary:      {NewDictionary(), dict(int64(9), int64(1)), dict("bad", NewDictionary())},
		TypeArray:           {[]any{}, []any{nil, "x", []byte{1}}},
		TypePackedByteArray: {[]byte{}, []byte("abc")},
	}
	skip := map[string]bool{"steamShutdown": true, "resetIdentity": true}
	for i, m := range methodTable {
		if skip[m.Name] {
			continue
		}
		for variant := 0; variant < 5; variant++ {
			a := make([]any, len(m.Args))
			for j, arg := range m.Args {
				vals := samples[arg.Type]
				a[j] = vals[(variant+j)%len(vals)]
			}
			// Keep real sockets on loopback.
			switch m.Name {
			case "createListenSocketIP":
				a[0] = "127.0.0.1:0"
			case "connectByIPAddress":
				a[0] = "127.0.0.1:9"
			}
			ret, cerr := s.Call(i, a)
			if cerr.Error != CallOK {
				t.Errorf("%s%v: %+v", m.Name, a, cerr)
				continue
			}
			if !m.HasReturn {
				if ret != nil {
					t.Errorf("void %s returned %#v", m.Name, ret)
				}
				continue
			}
			if TypeOf(ret) != m.Return || ret == nil && m.Return != TypeNil {
				t.Errorf("%s%v returned %T, declared %s", m.Name, a, ret, TypeName(m.Return))
			}
		}
	}
}
