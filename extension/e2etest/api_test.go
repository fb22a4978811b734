package e2etest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// The GDScript contract, read from shared/spec/api.json (outside the repo).
type apiArg struct {
	Name    string          `json:"name"`
	Type    string          `json:"type"`
	Default json.RawMessage `json:"default,omitempty"`
}

type apiMethod struct {
	Name       string   `json:"name"`
	Args       []apiArg `json:"args"`
	Return     string   `json:"return"`
	ReturnEnum string   `json:"return_enum,omitempty"`
}

type apiSignal struct {
	Name string   `json:"name"`
	Args []apiArg `json:"args"`
}

type apiConst struct {
	Name  string      `json:"name"`
	Value json.Number `json:"value"`
	Enum  string      `json:"enum,omitempty"`
}

type apiSpec struct {
	Class     string      `json:"class"`
	Singleton string      `json:"singleton"`
	Inherits  string      `json:"inherits"`
	Methods   []apiMethod `json:"methods"`
	Signals   []apiSignal `json:"signals"`
	Constants []apiConst  `json:"constants"`
}

// extraMethods may be registered beyond api.json.
var extraMethods = map[string]bool{"get_godotsteam_sockets_version": true,
	"setRendezvousService": true, "startRendezvousService": true,
	"createFakeUDPPortHandle": true, "sendMessageToFakeIP": true, "receiveMessagesOnFakeUDPPort": true,
	"scheduleFakeUDPPortCleanup": true, "destroyFakeUDPPort": true}

func apiPath() string { return filepath.Join(repoRoot, "..", "shared", "spec", "api.json") }

func loadAPI(t testing.TB) *apiSpec {
	t.Helper()
	b, err := os.ReadFile(apiPath())
	if err != nil {
		t.Fatalf("reading the API contract: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var s apiSpec
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("parsing %s: %v", apiPath(), err)
	}
	return &s
}

func (s *apiSpec) constant(t testing.TB, name string) int64 {
	t.Helper()
	for _, c := range s.Constants {
		if c.Name == name {
			v, err := c.Value.Int64()
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("api.json has no constant %s", name)
	return 0
}

// describeLib runs `minigodot describe` on the real library.
func describeLib(t *testing.T, o HostOpts) *apiSpec {
	t.Helper()
	out, stderr, err := Describe(t, o)
	if err != nil {
		t.Fatalf("describe (godot %s editor=%v dd=%v): %v\nstderr:\n%s", o.Godot, o.Editor, o.DisableDeprecated, err, stderr)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var s apiSpec
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("describe output: %v\n%s", err, out)
	}
	return &s
}

func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

type errorer interface {
	Helper()
	Errorf(format string, args ...any)
}

func compareWithAPI(t errorer, api, got *apiSpec) {
	t.Helper()
	if got.Class != api.Class || got.Inherits != api.Inherits || got.Singleton != api.Singleton {
		t.Errorf("class %q extends %q singleton %q; api.json: %q extends %q singleton %q", got.Class, got.Inherits, got.Singleton, api.Class, api.Inherits, api.Singleton)
	}
	gm := map[string]apiMethod{}
	for _, m := range got.Methods {
		gm[m.Name] = m
	}
	am := map[string]bool{}
	for _, want := range api.Methods {
		am[want.Name] = true
		m, ok := gm[want.Name]
		if !ok {
			t.Errorf("method %s is not registered", want.Name)
			continue
		}
		if m.Return != want.Return || m.ReturnEnum != want.ReturnEnum {
			t.Errorf("%s returns %s (enum %q), api.json: %s (enum %q)", want.Name, m.Return, m.ReturnEnum, want.Return, want.ReturnEnum)
		}
		if len(m.Args) != len(want.Args) {
			t.Errorf("%s has %d arguments, api.json %d", want.Name, len(m.Args), len(want.Args))
			continue
		}
		for i, a := range want.Args {
			g := m.Args[i]
			if g.Name != a.Name || g.Type != a.Type || !jsonEqual(g.Default, a.Default) {
				t.Errorf("%s argument %d: %s: %s = %s; api.json %s: %s = %s", want.Name, i, g.Name, g.Type, g.Default, a.Name, a.Type, a.Default)
			}
		}
	}
	for _, m := range got.Methods {
		if !am[m.Name] && !extraMethods[m.Name] {
			t.Errorf("method %s is registered but not in api.json", m.Name)
		}
	}
	gs := map[string]apiSignal{}
	for _, s := range got.Signals {
		gs[s.Name] = s
	}
	if len(got.Signals) != len(api.Signals) {
		t.Errorf("%d signals registered, api.json has %d", len(got.Signals), len(api.Signals))
	}
	for _, want := range api.Signals {
		s, ok := gs[want.Name]
		if !ok {
			t.Errorf("signal %s is not registered", want.Name)
			continue
		}
		if len(s.Args) != len(want.Args) {
			t.Errorf("signal %s has %d arguments, api.json %d", want.Name, len(s.Args), len(want.Args))
			continue
		}
		for i, a := range want.Args {
			if s.Args[i].Name != a.Name || s.Args[i].Type != a.Type {
				t.Errorf("signal %s argument %d: %s: %s; api.json %s: %s", want.Name, i, s.Args[i].Name, s.Args[i].Type, a.Name, a.Type)
			}
		}
	}
	gc := map[string]apiConst{}
	for _, c := range got.Constants {
		if _, dup := gc[c.Name]; dup {
			t.Errorf("constant %s registered twice", c.Name)
		}
		gc[c.Name] = c
	}
	ac := map[string]bool{}
	for _, want := range api.Constants {
		ac[want.Name] = true
		c, ok := gc[want.Name]
		if !ok {
			t.Errorf("constant %s is not registered", want.Name)
			continue
		}
		if c.Value.String() != want.Value.String() || c.Enum != want.Enum {
			t.Errorf("constant %s = %s (enum %q), api.json %s (enum %q)", want.Name, c.Value, c.Enum, want.Value, want.Enum)
		}
	}
	var extra []string
	for _, c := range got.Constants {
		if !ac[c.Name] {
			extra = append(extra, c.Name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		t.Errorf("constants registered but not in api.json: %s", strings.Join(extra, ", "))
	}
}

// TestDescribeMatchesAPI: every method, argument (name, type, default),
// return type and enum, signal and constant the library registers equals
// api.json; the only extras are ours (extraMethods).
func TestDescribeMatchesAPI(t *testing.T) {
	lib := requireLib(t)
	api := loadAPI(t)
	got := describeLib(t, HostOpts{Lib: lib, Godot: "4.3"})
	compareWithAPI(t, api, got)
	if t.Failed() {
		return
	}
	// and identically under every other emulation
	for _, o := range []HostOpts{
		{Lib: lib, Godot: "4.4"}, {Lib: lib, Godot: "4.5"}, {Lib: lib, Godot: "4.6"}, {Lib: lib, Godot: "4.7"},
		{Lib: lib, Godot: "4.7", DisableDeprecated: true}, {Lib: lib, Godot: "4.3", Editor: true},
	} {
		other := describeLib(t, o)
		if !reflect.DeepEqual(other.Methods, got.Methods) || !reflect.DeepEqual(other.Signals, got.Signals) || !reflect.DeepEqual(other.Constants, got.Constants) {
			t.Errorf("describe under godot %s (editor=%v dd=%v) differs from 4.3", o.Godot, o.Editor, o.DisableDeprecated)
		}
	}
}

type recorder struct{ msgs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(f string, a ...any) {
	r.msgs = append(r.msgs, f)
}

// The comparison itself must notice each kind of difference.
func TestCompareWithAPIDetectsDifferences(t *testing.T) {
	api := loadAPI(t)
	clone := func() *apiSpec {
		b, _ := json.Marshal(api)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var s apiSpec
		if err := dec.Decode(&s); err != nil {
			t.Fatal(err)
		}
		return &s
	}
	var r recorder
	compareWithAPI(&r, api, clone())
	if len(r.msgs) != 0 {
		t.Fatalf("identical specs reported different: %v", r.msgs)
	}
	mutations := map[string]func(s *apiSpec){
		"argument default": func(s *apiSpec) {
			for i := range s.Methods {
				for j := range s.Methods[i].Args {
					if len(s.Methods[i].Args[j].Default) > 0 {
						s.Methods[i].Args[j].Default = json.RawMessage("false")
						if string(api.Methods[i].Args[j].Default) == "false" {
							s.Methods[i].Args[j].Default = json.RawMessage("true")
						}
						return
					}
				}
			}
		},
		"argument name":  func(s *apiSpec) { s.Methods[0].Args[0].Name = "peer" },
		"return enum":    func(s *apiSpec) { s.Methods[0].ReturnEnum = "" },
		"missing method": func(s *apiSpec) { s.Methods = s.Methods[1:] },
		"extra method":   func(s *apiSpec) { s.Methods = append(s.Methods, apiMethod{Name: "bogus", Return: "void"}) },
		"signal type":    func(s *apiSpec) { s.Signals[0].Args[0].Type = "float" },
		"constant value": func(s *apiSpec) { s.Constants[3].Value = json.Number("12345") },
		"constant enum":  func(s *apiSpec) { s.Constants[3].Enum = "Other" },
	}
	for name, mutate := range mutations {
		got := clone()
		mutate(got)
		var r recorder
		compareWithAPI(&r, api, got)
		if len(r.msgs) == 0 {
			t.Errorf("%s: difference not reported", name)
		}
	}
}
