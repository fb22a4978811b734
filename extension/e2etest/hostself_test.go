package e2etest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The host's own tests, against a small C extension (minigodot/testlib):
// storage model, both call paths, signals, version gating, and that every
// kind of misuse is reported.

var allVersions = []string{"4.3", "4.4", "4.5", "4.6", "4.7"}

func testLibOpts(version string) HostOpts {
	return HostOpts{Lib: testLib, Entry: "testlib_init", Godot: version}
}

func requireTestLib(t *testing.T) {
	t.Helper()
	requireHost(t)
	if testLibErr != nil {
		t.Fatal(testLibErr)
	}
}

type describeOut struct {
	Class     string `json:"class"`
	Inherits  string `json:"inherits"`
	Singleton string `json:"singleton"`
	Register  int    `json:"registered_with"`
	Godot     string `json:"godot"`
	Methods   []struct {
		Name string `json:"name"`
		Args []struct {
			Name    string          `json:"name"`
			Type    string          `json:"type"`
			Enum    string          `json:"enum"`
			Default json.RawMessage `json:"default"`
		} `json:"args"`
		Return     string `json:"return"`
		ReturnEnum string `json:"return_enum"`
	} `json:"methods"`
	Signals []struct {
		Name string `json:"name"`
		Args []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"args"`
	} `json:"signals"`
	Constants []struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
		Enum  string          `json:"enum"`
	} `json:"constants"`
	Requested []struct {
		Name      string `json:"name"`
		Available bool   `json:"available"`
	} `json:"interface_requested"`
	Singletons []string `json:"singletons"`
}

func TestHostDescribeSelfTestLibAllVersions(t *testing.T) {
	requireTestLib(t)
	for _, v := range allVersions {
		for _, dd := range []bool{false, true} {
			o := testLibOpts(v)
			o.DisableDeprecated = dd
			out, stderr, err := Describe(t, o)
			if err != nil {
				t.Fatalf("describe %s dd=%v: %v\n%s", v, dd, err, stderr)
			}
			var d describeOut
			if err := json.Unmarshal(out, &d); err != nil {
				t.Fatalf("describe %s: %v\n%s", v, err, out)
			}
			wantReg := map[string]int{"4.3": 3, "4.4": 4, "4.5": 5, "4.6": 5, "4.7": 6}[v]
			if d.Class != "Steam" || d.Inherits != "Object" || d.Singleton != "Steam" || d.Godot != v || d.Register != wantReg {
				t.Errorf("describe %s: class %q inherits %q singleton %q godot %q registered with class%d (want class%d)", v, d.Class, d.Inherits, d.Singleton, d.Godot, d.Register, wantReg)
			}
			for _, r := range d.Requested {
				if !r.Available && r.Name != "get_godot_version" {
					t.Errorf("describe %s dd=%v: unavailable interface function %s requested", v, dd, r.Name)
				}
			}
			var add, state bool
			for _, m := range d.Methods {
				if m.Name == "add" {
					add = len(m.Args) == 2 && m.Args[1].Name == "b" && m.Args[1].Type == "int" && string(m.Args[1].Default) == "5" && m.Return == "int"
				}
				if m.Name == "get_state" {
					state = m.ReturnEnum == "State"
				}
			}
			if !add || !state {
				t.Errorf("describe %s: add(a, b=5)->int found %v; get_state return_enum State found %v", v, add, state)
			}
			if len(d.Signals) != 1 || d.Signals[0].Name != "fired" || len(d.Signals[0].Args) != 2 || d.Signals[0].Args[1].Type != "String" {
				t.Errorf("describe %s: signals %+v", v, d.Signals)
			}
			if len(d.Constants) != 3 || d.Constants[1].Name != "STATE_B" || string(d.Constants[1].Value) != "1" || d.Constants[1].Enum != "State" || d.Constants[2].Enum != "" {
				t.Errorf("describe %s: constants %+v", v, d.Constants)
			}
		}
	}
}

func TestHostRefusesUnavailableInterfaceNames(t *testing.T) {
	requireTestLib(t)
	// The test library asks for get_godot_version first: absent in a 4.5+
	// disable_deprecated build, which must log Godot's error (but the
	// version probe itself is tolerated).
	h := StartHost(t, "dd", HostOpts{Lib: testLib, Entry: "testlib_init", Godot: "4.7", DisableDeprecated: true})
	r := h.Do(map[string]any{"op": "describe"})
	var d describeOut
	if err := json.Unmarshal(r.Describe, &d); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, q := range d.Requested {
		if q.Name == "get_godot_version" && !q.Available {
			found = true
		}
	}
	if !found {
		t.Errorf("get_godot_version should be unavailable in 4.7 disable_deprecated: %+v", d.Requested)
	}
	h.Quit()
}

func TestHostCallAndPtrcallSelfTest(t *testing.T) {
	requireTestLib(t)
	for _, v := range []string{"4.3", "4.7"} {
		t.Run(v, func(t *testing.T) {
			h := StartHost(t, "self", testLibOpts(v))
			for _, p := range []Path{CallPath, PtrPath} {
				if got := h.MustCall(p, "add", Int(40), Int(2)); got != int64(42) {
					t.Errorf("%s add: %v", p, got)
				}
				if got := h.MustCall(p, "concat", Str("ab"), Int(3)); got != "ababab" {
					t.Errorf("%s concat: %v", p, got)
				}
				d := h.MustCall(p, "make_dict", Str("k"), Int(9)).(*Dictionary)
				if len(d.Keys) != 3 || d.Keys[0] != "k" || d.Keys[1] != int64(1) || d.Keys[2] != "sn_key" {
					t.Errorf("%s make_dict keys %v (StringName keys become String keys, int keys stay ints, insertion order)", p, d.Keys)
				}
				keys := h.MustCall(p, "dict_keys", Dict(Int(1), Nil(), StrName("x"), Bool(true), Float(1), Nil())).([]any)
				if len(keys) != 3 || keys[0] != int64(1) || keys[1] != "x" || keys[2] != float64(1) {
					t.Errorf("%s dict_keys: %v (int 1 and float 1.0 are different keys)", p, keys)
				}
				rev := h.MustCall(p, "reverse", Bytes([]byte{1, 2, 3})).([]byte)
				if !bytes.Equal(rev, []byte{3, 2, 1}) {
					t.Errorf("%s reverse: %v", p, rev)
				}
				if got := h.MustCall(p, "reverse", Bytes(nil)).([]byte); len(got) != 0 {
					t.Errorf("%s reverse empty: %v", p, got)
				}
				big := bytes.Repeat([]byte{0xAB, 0x01}, 256*1024)
				if got := h.MustCall(p, "bytes_sum", Bytes(big)); got != int64(256*1024*(0xAB+1)) {
					t.Errorf("%s bytes_sum 512 KiB: %v", p, got)
				}
				ports := h.MustCall(p, "ports").([]int32)
				if len(ports) != 8 || ports[0] != 27015 || ports[7] != 27022 {
					t.Errorf("%s ports: %v", p, ports)
				}
				if got := h.MustCall(p, "get_state"); got != int64(1) {
					t.Errorf("%s get_state: %v", p, got)
				}
				h.MustCall(p, "fire", Int(7))
				sigs := h.TakeSignals()
				if len(sigs) != 1 || sigs[0].Name != "fired" || sigs[0].Object != "Steam" {
					t.Fatalf("%s fire: signals %+v", p, sigs)
				}
				if a0, _ := Decode(sigs[0].Args[0]); a0 != int64(7) {
					t.Errorf("%s fired arg 0: %v", p, a0)
				}
				for _, m := range [][]V{{Int(1), Int(2)}, {Str("x"), Int(2)}} {
					name := "add"
					if m[0]["t"] == "string" {
						name = "concat"
					}
					h.Balanced(p, name, m...)
				}
				h.Balanced(p, "make_dict", Str("k"), Int(1))
				h.Balanced(p, "reverse", Bytes([]byte("hello")))
				h.Balanced(p, "ports")
				h.Balanced(p, "fire", Int(1))
			}
			// call-only behaviour: Variant parameters, defaults, conversions, errors
			if got := h.MustCall(CallPath, "add", Int(1)); got != int64(6) {
				t.Errorf("default b=5 not applied: %v", got)
			}
			if got := h.MustCall(CallPath, "add", Float(2.0), Bool(true)); got != int64(3) {
				t.Errorf("float/bool -> int conversion: %v", got)
			}
			if got := h.MustCall(CallPath, "bytes_sum", Arr(Int(3), Int(4))); got != int64(7) {
				t.Errorf("Array -> PackedByteArray conversion: %v", got)
			}
			echo := h.MustCall(CallPath, "echo", Arr(Float(1.5), Str("s"), Int32s(1, 2))).([]any)
			if len(echo) != 3 || echo[0] != 1.5 || echo[1] != "s" {
				t.Errorf("echo: %v", echo)
			}
			if got := h.MustCall(CallPath, "first", Arr(Str("only"))); got != "only" {
				t.Errorf("first: %v", got)
			}
			r := h.Invoke(PtrPath, "add", Int(1))
			if r.OK || !strings.Contains(r.Err, "not eligible") {
				t.Errorf("ptrcall with a default omitted must be refused: %+v", r)
			}
			r = h.Invoke(PtrPath, "add", Float(1), Int(1))
			if r.OK {
				t.Errorf("ptrcall with a float for an int must be refused")
			}
			for _, c := range []struct {
				args []V
				want CallError
			}{
				{[]V{Str("x")}, CallError{2, 0, 2}},
				{[]V{}, CallError{4, 0, 2}},
				{[]V{Int(1), Int(1), Int(1)}, CallError{3, 0, 2}},
				{[]V{Int(1), Vec2(1, 2)}, CallError{2, 1, 2}},
			} {
				r := h.Invoke(CallPath, "add", c.args...)
				if r.CallError == nil || *r.CallError != c.want {
					t.Errorf("add%v: call error %+v, want %+v", c.args, r.CallError, c.want)
				}
			}
			if r := h.Invoke(CallPath, "no_such_method"); r.CallError == nil || r.CallError.Error != 1 {
				t.Errorf("missing method: %+v", r)
			}
			// ClassDB.instantiate round trip, and a kept instance that shares the class
			if r := h.Do(map[string]any{"op": "instantiate", "class": "Steam"}); !r.OK {
				t.Errorf("instantiate: %s", r.Err)
			}
			r = h.Do(map[string]any{"op": "instantiate", "class": "Steam", "keep": true})
			if !r.OK || r.Object == "" {
				t.Fatalf("instantiate keep: %+v", r)
			}
			r2 := h.Do(map[string]any{"op": "call", "object": r.Object, "method": "add", "args": []V{Int(2), Int(2)}})
			if v, _ := Decode(r2.Ret); v != int64(4) {
				t.Errorf("call on an instantiated object: %+v", r2)
			}
			if r := h.Do(map[string]any{"op": "free", "object": r.Object}); !r.OK {
				t.Errorf("free: %s", r.Err)
			}
			h.Quit()
		})
	}
}

// Each misbehaviour must be reported by the host (and fail the run).
func TestHostReportsMisuse(t *testing.T) {
	requireTestLib(t)
	cases := []struct {
		name   string
		req    map[string]any
		expect string
	}{
		{"leak", map[string]any{"op": "call", "method": "bad_leak", "check_balance": true}, "not balanced"},
		{"double free", map[string]any{"op": "call", "method": "bad_double_free"}, "already freed"},
		{"write through a const argument", map[string]any{"op": "ptrcall", "method": "bad_modify", "args": []V{Bytes([]byte{1})}}, "arguments are const"},
		{"signal argument types", map[string]any{"op": "call", "method": "bad_signal"}, "registered as int"},
		{"return slot overwritten", map[string]any{"op": "ptrcall", "method": "bad_overwrite", "check_balance": true}, "not balanced"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := StartHost(t, c.name, testLibOpts("4.3"))
			h.Do(c.req)
			h.QuitExpectViolation(c.expect)
		})
	}
	t.Run("leaked instance at deinit", func(t *testing.T) {
		h := StartHost(t, "instance", testLibOpts("4.7"))
		h.Do(map[string]any{"op": "instantiate", "class": "Steam", "keep": true})
		h.QuitExpectViolation("still alive")
	})
	t.Run("call-path copy is copy-on-write", func(t *testing.T) {
		// through call, the extension converts the argument to its own
		// PackedByteArray (refcount 2), so writing copies: no violation
		h := StartHost(t, "cow", testLibOpts("4.3"))
		h.MustCall(CallPath, "bad_modify", Bytes([]byte{1}))
		h.Quit()
	})
}

// Registration and lifecycle mistakes (selected in the test library by
// TESTLIB_BAD) must each be reported, and fail the run.
func TestHostReportsABIMistakes(t *testing.T) {
	requireTestLib(t)
	cases := []struct{ bad, godot, want string }{
		{"null_hint_string", "4.3", "hint_string is NULL"},
		{"null_arg_name", "4.3", "PropertyInfo.name is NULL"},
		{"null_metadata", "4.3", "arguments_metadata is NULL"},
		{"null_return_info", "4.3", "return_value_info is NULL"},
		{"default_type", "4.3", "default is a String, parameter is declared int"},
		{"too_many_defaults", "4.3", "default_argument_count 3 > argument_count 2"},
		{"duplicate_method", "4.3", "duplicate method"},
		{"unregistered_enum", "4.3", "'Steam.Nope' which is not registered"},
		{"duplicate_constant", "4.3", "duplicate constant"},
		{"singleton_by_value", "4.3", "pass a pointer to a variable holding the Object*"},
		{"ptrcall_emit", "4.3", "emit_signal is vararg"},
		{"wrong_hash", "4.3", "has changed and no compatibility fallback"},
		{"destroy_registered_singleton", "4.3", "still registered as the singleton"},
		{"keep_object", "4.3", "object(s) still alive"},
		{"keep_class", "4.3", "is still registered"},
		{"leak_cached_name", "4.3", "StringName reference(s)"},
		{"unavailable_name", "4.3", "exists only since Godot 4.7"},
		{"unknown_name", "4.7", "not a GDExtension interface function"},
		{"core_singleton", "4.3", "during CORE initialization"},
		{"unset_deinit", "4.3", "deinitialize is unset"},
		{"no_postinit", "4.4", "NOTIFICATION_POSTINITIALIZE was not sent"},
		{"peer_no_virtuals", "4.3", "resolves no virtual methods"},
		{"peer_data_only", "4.5", "without call_virtual_with_data_func"},
	}
	for _, c := range cases {
		t.Run(c.bad, func(t *testing.T) {
			o := testLibOpts(c.godot)
			o.Env = []string{"TESTLIB_BAD=" + c.bad}
			_, stderr, err := Describe(t, o)
			if err == nil {
				t.Errorf("describe exited 0 despite %s", c.bad)
			}
			if !strings.Contains(stderr, "VIOLATION") || !strings.Contains(stderr, c.want) {
				t.Errorf("no violation containing %q; stderr:\n%s", c.want, stderr)
			}
		})
	}
}

// Malformed requests get an error response; the host keeps serving.
func TestHostProtocolErrors(t *testing.T) {
	requireTestLib(t)
	h := StartHost(t, "proto", testLibOpts("4.3"))
	for _, req := range []map[string]any{
		{"op": "bogus"},
		{"op": "call", "method": "add", "args": []any{map[string]any{"t": "int", "v": "not a number"}}},
		{"op": "call", "method": "add", "args": []any{map[string]any{"t": "bytes", "v": "abc"}}},
		{"op": "call", "method": "add", "args": []any{map[string]any{"t": "martian"}}},
		{"op": "call", "method": "add", "args": []any{"bare string"}},
		{"op": "call", "object": "NoSuchSingleton", "method": "add"},
		{"op": "ptrcall", "method": "no_such_method"},
		{"op": "free", "object": "Steam"},
		{"op": "instantiate", "class": "Nope"},
	} {
		if r := h.Do(req); r.OK || r.Err == "" {
			t.Errorf("%v: want an error response, got %+v", req, r)
		}
	}
	if got := h.MustCall(CallPath, "add", Int(1), Int(2)); got != int64(3) {
		t.Errorf("host unusable after bad requests: %v", got)
	}
	h.Quit()
}
