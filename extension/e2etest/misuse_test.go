package e2etest

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// API misuse through the real ABI (issue 7 item 3): wrong argument types and
// counts, hostile integers, invalid and closed handles, before init. Every
// case must give a clean error or the documented failure value, never a
// crash, and leave the host's Variant accounting balanced. The host itself
// also checks each call error against what Godot's binders would report.

var typeIDs = map[string]int{"bool": 1, "int": 2, "float": 3, "String": 4, "Dictionary": 27, "Array": 28, "PackedByteArray": 29}

func neutral(t testing.TB, typ string) V {
	switch typ {
	case "int":
		return Int(0)
	case "bool":
		return Bool(false)
	case "float":
		return Float(0)
	case "String":
		return Str("")
	case "Dictionary":
		return Dict()
	case "Array":
		return Arr()
	case "PackedByteArray":
		return Bytes(nil)
	}
	t.Fatalf("no neutral value for %s", typ)
	return nil
}

// wrongValues are not convertible to typ under Variant::can_convert_strict.
func wrongValues(typ string) []V {
	common := []V{Nil(), Vec2(1, 2), NullObject()}
	switch typ {
	case "int", "bool", "float":
		return append(common, Str("1"), Dict(), Bytes([]byte{1}))
	case "String":
		return append(common, Int(1), Float(1.5), Arr(Str("x")))
	case "Dictionary":
		return append(common, Arr(), Int(0), Str("{}"))
	case "Array":
		return append(common, Dict(), Int(0), Str("[]"))
	case "PackedByteArray":
		return append(common, Int(1), Dict(), Str("bytes"))
	}
	return common
}

// checkReturnType decodes a return value and checks its Go type against the declared type.
func checkReturnType(t *testing.T, what string, r Response, declared string) {
	t.Helper()
	v, err := Decode(r.Ret)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	ok := false
	switch declared {
	case "void":
		ok = v == nil
	case "int":
		_, ok = v.(int64)
	case "bool":
		_, ok = v.(bool)
	case "float":
		_, ok = v.(float64)
	case "String":
		_, ok = v.(string)
	case "Dictionary":
		_, ok = v.(*Dictionary)
	case "Array":
		_, ok = v.([]any)
	case "PackedByteArray":
		_, ok = v.([]byte)
	}
	if !ok {
		t.Errorf("%s returned %T %v, declared %s", what, v, v, declared)
	}
}

func neutralArgs(t testing.TB, m apiMethod) []V {
	var args []V
	for _, a := range m.Args {
		args = append(args, neutral(t, a.Type))
	}
	return args
}

func requiredArgs(m apiMethod) int {
	n := 0
	for _, a := range m.Args {
		if len(a.Default) == 0 {
			n++
		}
	}
	return n
}

func TestWrongArgumentTypesAndCounts(t *testing.T) {
	lib := requireLib(t)
	api := loadAPI(t)
	for _, v := range []string{"4.3", "4.7"} {
		t.Run(v, func(t *testing.T) {
			h := StartHost(t, "misuse", HostOpts{Lib: lib, Godot: v})
			h.MustCall(CallPath, "steamInit")
			expect := func(what string, args []V, want CallError) {
				t.Helper()
				r := h.Balanced(CallPath, what, args...)
				if !r.OK || r.CallError == nil || *r.CallError != want {
					t.Errorf("%s(%d args): call error %+v (%s), want %+v", what, len(args), r.CallError, r.Err, want)
				}
				if v, _ := Decode(r.Ret); v != nil {
					t.Errorf("%s: a failed call returned %v", what, v)
				}
			}
			for _, m := range api.Methods {
				n := len(m.Args)
				expect(m.Name, append(neutralArgs(t, m), Int(0)), CallError{3, 0, n})
				expect(m.Name, append(neutralArgs(t, m), Str("x"), Dict()), CallError{3, 0, n})
				if req := requiredArgs(m); req > 0 {
					expect(m.Name, nil, CallError{4, 0, n})
					expect(m.Name, neutralArgs(t, m)[:req-1], CallError{4, 0, n})
				}
				for i, a := range m.Args {
					for _, w := range wrongValues(a.Type) {
						args := neutralArgs(t, m)
						args[i] = w
						expect(m.Name, args, CallError{2, i, typeIDs[a.Type]})
					}
				}
			}
			h.Quit()
		})
	}
}

var hostileInts = []int64{-1, math.MinInt64, math.MaxInt64, 1 << 32, 1<<32 + 7, 1 << 31, -(1 << 31)}

func TestHostileIntegers(t *testing.T) {
	lib := requireLib(t)
	api := loadAPI(t)
	for _, v := range []string{"4.3", "4.7"} {
		for _, p := range []Path{CallPath, PtrPath} {
			t.Run(v+"/"+string(p), func(t *testing.T) {
				h := StartHost(t, "ints", HostOpts{Lib: lib, Godot: v})
				h.MustCall(p, "steamInit", Bool(true), Int(0), Bool(false))
				for _, m := range api.Methods {
					if m.Name == "steamShutdown" || m.Name == "steamInit" || m.Name == "steamInitEx" {
						continue
					}
					for i, a := range m.Args {
						if a.Type != "int" {
							continue
						}
						for _, x := range hostileInts {
							args := neutralArgs(t, m)
							args[i] = Int(x)
							what := fmt.Sprintf("%s %s(arg %d = %d)", p, m.Name, i, x)
							r := h.Balanced(p, m.Name, args...)
							if !r.OK || (r.CallError != nil && r.CallError.Error != 0) {
								t.Errorf("%s: %s %+v", what, r.Err, r.CallError)
								continue
							}
							checkReturnType(t, what, r, m.Return)
						}
					}
				}
				// the engine still works afterwards
				d := h.MustCall(p, "createSocketPair", Bool(false), Int(0), Int(0)).(*Dictionary)
				if ok, _ := d.Get("success"); ok != true {
					t.Errorf("createSocketPair after hostile integers: %v", d.Vals)
				}
				h.Quit()
			})
		}
	}
}

func TestEveryMethodBeforeInit(t *testing.T) {
	lib := requireLib(t)
	api := loadAPI(t)
	for _, p := range []Path{CallPath, PtrPath} {
		t.Run(string(p), func(t *testing.T) {
			h := StartHost(t, "uninit", HostOpts{Lib: lib, Godot: "4.3"})
			for _, m := range api.Methods {
				if m.Name == "steamInit" || m.Name == "steamInitEx" {
					continue
				}
				r := h.Balanced(p, m.Name, neutralArgs(t, m)...)
				if !r.OK || (r.CallError != nil && r.CallError.Error != 0) {
					t.Errorf("%s before steamInit: %s %+v", m.Name, r.Err, r.CallError)
					continue
				}
				checkReturnType(t, m.Name+" before steamInit", r, m.Return)
			}
			h.Quit()
		})
	}
}

func TestInvalidAndClosedHandles(t *testing.T) {
	lib := requireLib(t)
	for _, v := range []string{"4.3", "4.7"} {
		for _, p := range []Path{CallPath, PtrPath} {
			t.Run(v+"/"+string(p), func(t *testing.T) {
				h := StartHost(t, "handles", HostOpts{Lib: lib, Godot: v})
				g := &game{Host: h, p: p, api: loadAPI(t)}
				g.init()
				check := func(what string, got, want any) {
					t.Helper()
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%s = %v, want %v", what, got, want)
					}
				}
				for _, bad := range []int64{0, 12345, -1, 1 << 40} {
					b := Int(bad)
					s := fmt.Sprintf("(%d)", bad)
					check("acceptConnection"+s, g.int("acceptConnection", b), 8)
					check("closeConnection"+s, g.bool("closeConnection", b, Int(0), Str(""), Bool(false)), false)
					check("closeListenSocket"+s, g.bool("closeListenSocket", b), false)
					check("destroyPollGroup"+s, g.bool("destroyPollGroup", b), false)
					check("flushMessagesOnConnection"+s, g.int("flushMessagesOnConnection", b), 8)
					check("getConnectionInfo"+s, len(g.dict("getConnectionInfo", b).Keys), 0)
					check("getConnectionName"+s, g.str("getConnectionName", b), "")
					rt := g.dict("getConnectionRealTimeStatus", b, Int(0), Bool(true))
					check("getConnectionRealTimeStatus"+s, fmt.Sprint(rt.Keys, rt.Vals), "[response] [3]")
					check("getConnectionUserData"+s, g.int("getConnectionUserData", b), -1)
					det := g.dict("getDetailedConnectionStatus", b)
					check("getDetailedConnectionStatus"+s, fmt.Sprintf("%d|%s", getInt(t, det, "success"), getStr(t, det, "status")), "-1|")
					check("getListenSocketAddress"+s, g.str("getListenSocketAddress", b, Bool(true)), "")
					check("receiveMessagesOnConnection"+s, len(g.array("receiveMessagesOnConnection", b, Int(10))), 0)
					check("receiveMessagesOnPollGroup"+s, len(g.array("receiveMessagesOnPollGroup", b, Int(10))), 0)
					sm := g.dict("sendMessageToConnection", b, Bytes([]byte("x")), Int(8))
					check("sendMessageToConnection"+s, fmt.Sprint(getInt(t, sm, "result"), getInt(t, sm, "message_number")), "8 -1")
					check("sendMessages"+s, fmt.Sprint(g.array("sendMessages", Arr(Bytes([]byte("x"))), b, Int(8))), "[-8]")
					check("setConnectionPollGroup"+s, g.bool("setConnectionPollGroup", b, Int(0)), false)
					check("setConnectionName"+s, g.call("setConnectionName", b, Str("x")), nil)
					check("configureConnectionLanes"+s, g.int("configureConnectionLanes", b, Int(1), Arr(Int(0)), Arr(Int(1))), 3)
					rf := g.dict("getRemoteFakeIPForConnection", b)
					check("getRemoteFakeIPForConnection"+s, fmt.Sprintf("%d|%s|%d|%d", getInt(t, rf, "result"), getStr(t, rf, "ip_address"), getInt(t, rf, "port"), getInt(t, rf, "ip_type")), "8||0|0")
					h.Balanced(p, "getConnectionInfo", b)
					h.Balanced(p, "sendMessageToConnection", b, Bytes([]byte("x")), Int(8))
				}

				// a poll group with members, destroyed; calls after close; double close; oversize
				d := g.dict("createSocketPair", Bool(false), Int(0), Int(0))
				c1, c2 := getInt(t, d, "connection1"), getInt(t, d, "connection2")
				pg := g.int("createPollGroup")
				check("setConnectionPollGroup c1", g.bool("setConnectionPollGroup", Int(c1), Int(pg)), true)
				check("setConnectionPollGroup c2", g.bool("setConnectionPollGroup", Int(c2), Int(pg)), true)
				g.call("sendMessageToConnection", Int(c1), Bytes([]byte("queued")), Int(8))
				check("destroyPollGroup with members", g.bool("destroyPollGroup", Int(pg)), true)
				check("setConnectionPollGroup to a destroyed group", g.bool("setConnectionPollGroup", Int(c1), Int(pg)), false)
				got := receiveAll(t, g, g, "receiveMessagesOnConnection", c2, 1)
				checkMessage(t, got[0], sent{data: []byte("queued"), reliable: true, inProc: true}, c2)
				over := g.dict("sendMessageToConnection", Int(c1), Bytes(make([]byte, 512<<10+1)), Int(8))
				check("oversized send", fmt.Sprint(getInt(t, over, "result"), getInt(t, over, "message_number")), "8 -1")
				check("closeConnection c1", g.bool("closeConnection", Int(c1), Int(0), Str(""), Bool(false)), true)
				check("closeConnection c1 twice", g.bool("closeConnection", Int(c1), Int(0), Str(""), Bool(false)), false)
				sm := g.dict("sendMessageToConnection", Int(c1), Bytes([]byte("late")), Int(8))
				check("send after close", getInt(t, sm, "result"), 8)
				check("getConnectionInfo after close", len(g.dict("getConnectionInfo", Int(c1)).Keys), 0)
				g.call("closeConnection", Int(c2), Int(0), Str(""), Bool(false))
				g.Quit()
			})
		}
	}
}

// Every emulated Godot version loads the library, registers it with the
// right functions, serves a call on both paths and unloads cleanly.
func TestEveryGodotVersion(t *testing.T) {
	lib := requireLib(t)
	cases := []HostOpts{
		{Godot: "4.3"}, {Godot: "4.4"}, {Godot: "4.5"}, {Godot: "4.6"}, {Godot: "4.7"},
		{Godot: "4.5", DisableDeprecated: true}, {Godot: "4.7", DisableDeprecated: true},
		{Godot: "4.3", Editor: true}, {Godot: "4.7", Editor: true},
	}
	for _, o := range cases {
		o.Lib = lib
		t.Run(fmt.Sprintf("%s/editor=%v/dd=%v", o.Godot, o.Editor, o.DisableDeprecated), func(t *testing.T) {
			h := StartHost(t, "v"+o.Godot, o)
			r := h.Do(map[string]any{"op": "describe"})
			var d describeOut
			if err := json.Unmarshal(r.Describe, &d); err != nil {
				t.Fatal(err)
			}
			wantReg := map[string]int{"4.3": 3, "4.4": 4, "4.5": 5, "4.6": 5, "4.7": 6}[o.Godot]
			if d.Register != wantReg {
				t.Errorf("registered with classdb_register_extension_class%d, want class%d on Godot %s", d.Register, wantReg, o.Godot)
			}
			for _, q := range d.Requested {
				if !q.Available && q.Name != "get_godot_version" {
					t.Errorf("requested %s, which Godot %s (dd=%v) does not have", q.Name, o.Godot, o.DisableDeprecated)
				}
			}
			if len(d.Singletons) != 1 || d.Singletons[0] != "Steam" {
				t.Errorf("singletons %v", d.Singletons)
			}
			for _, p := range []Path{CallPath, PtrPath} {
				init := h.MustCall(p, "steamInit", Bool(true), Int(0), Bool(false)).(*Dictionary)
				if st, _ := init.Get("status"); st != int64(1) {
					t.Errorf("%s steamInit: %v", p, init.Vals)
				}
				if pg := h.MustCall(p, "createPollGroup"); pg == int64(0) {
					t.Errorf("%s createPollGroup returned 0", p)
				}
				h.Balanced(p, "createSocketPair", Bool(false), Int(1), Int(2))
			}
			if r := h.Do(map[string]any{"op": "instantiate", "class": "Steam"}); !r.OK {
				t.Errorf("ClassDB.instantiate(\"Steam\") round trip: %s", r.Err)
			}
			h.Quit()
		})
	}
}

// Features that need Valve's backend fail with their documented failure
// value and say why in an engine error (print_error), on both paths.
func TestBackendOnlyFeaturesFailCleanly(t *testing.T) {
	lib := requireLib(t)
	for _, p := range []Path{CallPath, PtrPath} {
		t.Run(string(p), func(t *testing.T) {
			h := StartHost(t, "backend", HostOpts{Lib: lib, Godot: "4.7"})
			h.MustCall(p, "steamInit", Bool(true), Int(0), Bool(false))
			r := h.Invoke(p, "getFakeIP", Int(0))
			v, err := Decode(r.Ret)
			if err != nil || !r.OK {
				t.Fatalf("getFakeIP: %v %s", err, r.Err)
			}
			d := v.(*Dictionary)
			ports, _ := d.Get("ports")
			if pa, ok := ports.([]int32); !ok || len(pa) != 8 {
				t.Errorf("getFakeIP ports = %T %v, want a PackedInt32Array of 8", ports, ports)
			}
			if res := getInt(t, d, "result"); res == 1 {
				t.Errorf("getFakeIP result RESULT_OK without a backend")
			}
			if ip := getStr(t, d, "ip"); ip != "" {
				t.Errorf("getFakeIP ip %q", ip)
			}
			logged := false
			for _, ev := range r.Events {
				if ev.Event == "log" && ev.Level == "error" && strings.Contains(ev.Text, "getFakeIP") {
					logged = true
				}
			}
			if !logged {
				t.Errorf("getFakeIP failed without an engine error saying why: %+v", r.Events)
			}
			if ok := h.MustCall(p, "beginAsyncRequestFakeIP", Int(1)); ok != false {
				t.Errorf("beginAsyncRequestFakeIP = %v", ok)
			}
			h.Pump(p)
			for _, s := range h.TakeSignals() {
				if s.Name == "fake_ip_result" {
					t.Errorf("fake_ip_result emitted without a backend: %+v", s)
				}
			}
			h.Quit()
		})
	}
}

// ClassDB.instantiate("Steam") yields a working object sharing the backend
// of the singleton; freeing it leaves the singleton working.
func TestInstantiatedObjectSharesTheBackend(t *testing.T) {
	lib := requireLib(t)
	for _, v := range []string{"4.3", "4.7"} {
		t.Run(v, func(t *testing.T) {
			h := StartHost(t, "instance", HostOpts{Lib: lib, Godot: v})
			h.MustCall(CallPath, "steamInit")
			r := h.Do(map[string]any{"op": "instantiate", "class": "Steam", "keep": true})
			if !r.OK || r.Object == "" {
				t.Fatalf("instantiate: %+v", r)
			}
			on := func(obj, path, method string, args ...V) any {
				t.Helper()
				r := h.Do(map[string]any{"op": path, "object": obj, "method": method, "args": nonNil(args)})
				if !r.OK || (r.CallError != nil && r.CallError.Error != 0) {
					t.Fatalf("%s %s on %s: %s %+v", path, method, obj, r.Err, r.CallError)
				}
				x, _ := Decode(r.Ret)
				return x
			}
			pg := on(r.Object, "ptrcall", "createPollGroup").(int64)
			if pg == 0 {
				t.Fatal("createPollGroup on the instance returned 0")
			}
			if ok := on("Steam", "call", "destroyPollGroup", Int(pg)); ok != true {
				t.Errorf("the singleton does not see the instance's poll group")
			}
			if fr := h.Do(map[string]any{"op": "free", "object": r.Object}); !fr.OK {
				t.Fatalf("free: %s", fr.Err)
			}
			if pg2 := on("Steam", "call", "createPollGroup"); pg2 == int64(0) {
				t.Errorf("the singleton stopped working after the instance was freed")
			}
			h.Quit()
		})
	}
}

// Hostile strings, dictionaries, arrays and byte arrays in every argument of
// every method: no crash, the declared return type, balanced accounting.
func TestHostileContainersAndStrings(t *testing.T) {
	lib := requireLib(t)
	api := loadAPI(t)
	long := strings.Repeat("x", 10000)
	hostile := map[string][]V{
		"String": {Str(long), Str("ÿ世界🎮\t\n"), Str("127.0.0.1:99999"), Str("[::1"), Str(":27015"), StrName("sn"), NodePath("a/b")},
		"Dictionary": {
			Dict(Str("NETWORKING_CONFIG_SEND_BUFFER_SIZE"), Int(1)),
			Dict(Int(999999), Int(1)),
			Dict(Int(9), Dict(Int(1), Int(2))),
			Dict(Int(9), Str(long)),
			Dict(Nil(), Nil(), Float(1.5), Bool(true)),
		},
		"Array": {
			Arr(Str("a"), Dict(), Nil()),
			Arr(Int(math.MaxInt64), Int(math.MinInt64)),
			Arr(Bytes(make([]byte, 600<<10))),
			Arr(Arr(Arr(Arr()))),
			Bytes([]byte{1, 2, 3}),
		},
		"PackedByteArray": {Bytes(make([]byte, 600<<10)), Arr(Int(1), Int(300), Str("x"))},
	}
	h := StartHost(t, "hostile", HostOpts{Lib: lib, Godot: "4.3"})
	h.MustCall(CallPath, "steamInit")
	for _, m := range api.Methods {
		if m.Name == "steamShutdown" || m.Name == "steamInit" || m.Name == "steamInitEx" {
			continue
		}
		for i, a := range m.Args {
			for _, x := range hostile[a.Type] {
				args := neutralArgs(t, m)
				args[i] = x
				what := fmt.Sprintf("%s(arg %d = %v)", m.Name, i, truncate(fmt.Sprint(x)))
				r := h.Balanced(CallPath, m.Name, args...)
				if !r.OK || (r.CallError != nil && r.CallError.Error != 0) {
					t.Errorf("%s: %s %+v", what, r.Err, r.CallError)
					continue
				}
				checkReturnType(t, what, r, m.Return)
			}
		}
	}
	h.Quit()
}

// handleArgs are the api.json argument names that carry a handle.
var handleArgs = map[string]bool{"connection_handle": true, "connection": true, "socket": true, "poll_group": true}

// neverValid is a handle the engine can never hand out (its high 16 bits
// are zero), so it shows the plain invalid-handle failure value.
const neverValid = 12345

// TestEveryMethodWithClosedHandlesAndAfterShutdown: every api.json method
// taking a handle, given a closed connection, a closed listen socket and a
// destroyed poll group (that had a member) in each handle argument, behaves
// exactly as with a handle that never existed; double close / destroy and
// double shutdown fail cleanly; after steamShutdown every method and every
// old handle fails the same way; Variant accounting stays balanced.
func TestEveryMethodWithClosedHandlesAndAfterShutdown(t *testing.T) {
	lib := requireLib(t)
	api := loadAPI(t)
	for _, p := range []Path{CallPath, PtrPath} {
		t.Run(string(p), func(t *testing.T) {
			h := StartHost(t, "closed", HostOpts{Lib: lib, Godot: "4.7"})
			g := &game{Host: h, p: p, api: api}
			g.init()
			d := g.dict("createSocketPair", Bool(false), Int(0), Int(0))
			c1, c2 := getInt(t, d, "connection1"), getInt(t, d, "connection2")
			ls := g.int("createListenSocketIP", Str("127.0.0.1:0"), Dict())
			pg := g.int("createPollGroup")
			if ls == 0 || pg == 0 || !g.bool("setConnectionPollGroup", Int(c2), Int(pg)) {
				t.Fatalf("setup: listen socket %d, poll group %d", ls, pg)
			}
			g.call("sendMessageToConnection", Int(c1), Bytes([]byte("in flight")), Int(8))
			for _, step := range []struct {
				method string
				args   []V
				want   bool
			}{
				{"closeConnection", []V{Int(c1), Int(0), Str(""), Bool(false)}, true},
				{"closeConnection", []V{Int(c1), Int(0), Str(""), Bool(false)}, false},
				{"closeListenSocket", []V{Int(ls)}, true},
				{"closeListenSocket", []V{Int(ls)}, false},
				{"destroyPollGroup", []V{Int(pg)}, true}, // c2 is a member
				{"destroyPollGroup", []V{Int(pg)}, false},
			} {
				if got := g.bool(step.method, step.args...); got != step.want {
					t.Errorf("%s(%v) = %v, want %v", step.method, step.args[0], got, step.want)
				}
			}
			sameAsNeverValid := func(phase string, handles []int64) {
				t.Helper()
				for _, m := range api.Methods {
					if m.Name == "steamInit" || m.Name == "steamInitEx" || m.Name == "steamShutdown" {
						continue
					}
					for i, a := range m.Args {
						if !handleArgs[a.Name] {
							continue
						}
						ref := neutralArgs(t, m)
						ref[i] = Int(neverValid)
						want := h.Balanced(p, m.Name, ref...)
						for _, hd := range handles {
							args := neutralArgs(t, m)
							args[i] = Int(hd)
							what := fmt.Sprintf("%s: %s(%s = %d)", phase, m.Name, a.Name, hd)
							r := h.Balanced(p, m.Name, args...)
							if !r.OK || (r.CallError != nil && r.CallError.Error != 0) {
								t.Errorf("%s: %s %+v", what, r.Err, r.CallError)
								continue
							}
							checkReturnType(t, what, r, m.Return)
							got, _ := Decode(r.Ret)
							exp, _ := Decode(want.Ret)
							if fmt.Sprint(got) != fmt.Sprint(exp) {
								t.Errorf("%s returned %v; a never-valid handle gives %v", what, got, exp)
							}
						}
					}
				}
			}
			sameAsNeverValid("closed", []int64{c1, ls, pg})
			if info := g.dict("getConnectionInfo", Int(c2)); len(info.Keys) == 0 {
				t.Errorf("the surviving end of the pair lost its handle")
			}

			g.call("steamShutdown")
			g.call("steamShutdown") // twice: no crash, no error
			sameAsNeverValid("after shutdown", []int64{c2, c1})
			for _, m := range api.Methods {
				if m.Name == "steamInit" || m.Name == "steamInitEx" {
					continue
				}
				r := h.Balanced(p, m.Name, neutralArgs(t, m)...)
				if !r.OK || (r.CallError != nil && r.CallError.Error != 0) {
					t.Errorf("%s after steamShutdown: %s %+v", m.Name, r.Err, r.CallError)
					continue
				}
				checkReturnType(t, m.Name+" after steamShutdown", r, m.Return)
			}
			// A new session starts clean: the old handles stay invalid.
			g.init()
			if info := g.dict("getConnectionInfo", Int(c2)); len(info.Keys) != 0 {
				t.Errorf("a handle from before steamShutdown is valid again: %v", info.Vals)
			}
			h.Quit()
		})
	}
}
