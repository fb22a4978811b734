package bindings

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// specPath is api.json, next to the repository (every checkout has
// ../shared at the project root).
var specPath = filepath.Join("..", "..", "shared", "spec", "api.json")

type specArg struct {
	Name    string           `json:"name"`
	Type    string           `json:"type"`
	Default *json.RawMessage `json:"default"`
}

type specMethod struct {
	Name       string    `json:"name"`
	Args       []specArg `json:"args"`
	Return     string    `json:"return"`
	ReturnEnum string    `json:"return_enum"`
}

type specSignal struct {
	Name string    `json:"name"`
	Args []specArg `json:"args"`
}

type specConstant struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
	Enum  string `json:"enum"`
}

type apiSpec struct {
	Class     string         `json:"class"`
	Singleton string         `json:"singleton"`
	Inherits  string         `json:"inherits"`
	Methods   []specMethod   `json:"methods"`
	Signals   []specSignal   `json:"signals"`
	Constants []specConstant `json:"constants"`
}

func loadSpec(t *testing.T) *apiSpec {
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatalf("read the API spec (expected at ../shared/spec/api.json from the project root): %v", err)
	}
	var s apiSpec
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("parse %s: %v", specPath, err)
	}
	return &s
}

var specTypes = map[string]VariantType{
	"bool": TypeBool, "int": TypeInt, "float": TypeFloat, "String": TypeString,
	"Dictionary": TypeDictionary, "Array": TypeArray, "PackedByteArray": TypePackedByteArray,
}

// specDefault converts a JSON default to the value model for a type.
func specDefault(t *testing.T, raw json.RawMessage, typ VariantType) any {
	t.Helper()
	switch typ {
	case TypeBool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatalf("default %s is not a bool", raw)
		}
		return b
	case TypeInt:
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			t.Fatalf("default %s is not an int", raw)
		}
		return n
	}
	t.Fatalf("unexpected default type %v", typ)
	return nil
}

func compareArgs(t *testing.T, where string, got []Arg, want []specArg) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d args, api.json has %d", where, len(got), len(want))
		return
	}
	for i, w := range want {
		g := got[i]
		wt, ok := specTypes[w.Type]
		if !ok {
			t.Errorf("%s arg %d: unknown api.json type %q", where, i, w.Type)
			continue
		}
		if g.Name != w.Name || g.Type != wt {
			t.Errorf("%s arg %d: got %s:%s, api.json %s:%s", where, i, g.Name, TypeName(g.Type), w.Name, w.Type)
		}
		if g.Enum != "" {
			t.Errorf("%s arg %s: enum %q, but api.json types it as a plain %s", where, g.Name, g.Enum, w.Type)
		}
		if (w.Default != nil) != g.HasDefault {
			t.Errorf("%s arg %s: has default %v, api.json %v", where, g.Name, g.HasDefault, w.Default != nil)
			continue
		}
		if w.Default != nil {
			want := specDefault(t, *w.Default, wt)
			if !reflect.DeepEqual(g.Default, want) {
				t.Errorf("%s arg %s: default %#v, api.json %#v", where, g.Name, g.Default, want)
			}
			if TypeOf(g.Default) != g.Type {
				t.Errorf("%s arg %s: default of type %s for a %s parameter", where, g.Name, TypeName(TypeOf(g.Default)), TypeName(g.Type))
			}
		}
	}
}

func TestTableMatchesSpec(t *testing.T) {
	spec := loadSpec(t)
	ci := Class()
	if ci.Name != spec.Class || ci.Singleton != spec.Singleton || ci.Parent != spec.Inherits {
		t.Errorf("class %s/%s/%s, api.json %s/%s/%s", ci.Name, ci.Singleton, ci.Parent, spec.Class, spec.Singleton, spec.Inherits)
	}

	// Methods: api.json's, in its order, then our extras (OurExtraMethods),
	// the version method last.
	if len(ci.Methods) != len(spec.Methods)+len(OurExtraMethods) {
		t.Fatalf("%d methods, want api.json's %d plus our %v", len(ci.Methods), len(spec.Methods), OurExtraMethods)
	}
	for i, w := range spec.Methods {
		g := ci.Methods[i]
		if g.Name != w.Name {
			t.Errorf("method %d: %s, api.json %s", i, g.Name, w.Name)
			continue
		}
		if methodTable[i].ours {
			t.Errorf("%s is marked as our extra but api.json lists it", g.Name)
		}
		compareArgs(t, g.Name, g.Args, w.Args)
		if w.Return == "void" {
			if g.HasReturn {
				t.Errorf("%s returns %s, api.json void", g.Name, TypeName(g.Return))
			}
		} else if !g.HasReturn || g.Return != specTypes[w.Return] {
			t.Errorf("%s returns %v/%s, api.json %s", g.Name, g.HasReturn, TypeName(g.Return), w.Return)
		}
		if g.ReturnEnum != w.ReturnEnum {
			t.Errorf("%s return enum %q, api.json %q", g.Name, g.ReturnEnum, w.ReturnEnum)
		}
	}
	for i, name := range OurExtraMethods {
		j := len(spec.Methods) + i
		if ci.Methods[j].Name != name || !methodTable[j].ours {
			t.Errorf("method %d: %s (ours=%v), want our extra %s", j, ci.Methods[j].Name, methodTable[j].ours, name)
		}
	}
	extra := ci.Methods[len(ci.Methods)-1]
	if extra.Name != OurExtraMethod || !methodTable[len(methodTable)-1].ours || len(extra.Args) != 0 || !extra.HasReturn || extra.Return != TypeString {
		t.Errorf("last method %+v, want our %s() -> String", extra, OurExtraMethod)
	}

	// Signals.
	if len(ci.Signals) != len(spec.Signals) {
		t.Fatalf("%d signals, api.json %d", len(ci.Signals), len(spec.Signals))
	}
	for i, w := range spec.Signals {
		if ci.Signals[i].Name != w.Name {
			t.Errorf("signal %d: %s, api.json %s", i, ci.Signals[i].Name, w.Name)
			continue
		}
		compareArgs(t, "signal "+w.Name, ci.Signals[i].Args, w.Args)
	}

	// Constants: the same list, values and enums.
	if len(ci.Constants) != len(spec.Constants) {
		t.Fatalf("%d constants, api.json %d", len(ci.Constants), len(spec.Constants))
	}
	for i, w := range spec.Constants {
		g := ci.Constants[i]
		if g.Name != w.Name || g.Value != w.Value || g.Enum != w.Enum || g.Bitfield {
			t.Errorf("constant %d: %+v, api.json %+v", i, g, w)
		}
	}
}

func TestTableIsConsistent(t *testing.T) {
	ci := Class()
	enums := map[string]bool{}
	names := map[string]bool{}
	for _, c := range ci.Constants {
		if names[c.Name] {
			t.Errorf("duplicate constant %s", c.Name)
		}
		names[c.Name] = true
		if c.Enum != "" {
			enums[c.Enum] = true
		}
	}
	methodNames := map[string]bool{}
	for i, m := range ci.Methods {
		if methodNames[m.Name] {
			t.Errorf("duplicate method %s", m.Name)
		}
		methodNames[m.Name] = true
		if MethodIndex(m.Name) != i {
			t.Errorf("MethodIndex(%s) = %d, want %d", m.Name, MethodIndex(m.Name), i)
		}
		if m.ReturnEnum != "" && !enums[m.ReturnEnum] {
			t.Errorf("%s returns enum %s, which has no constants", m.Name, m.ReturnEnum)
		}
		if methodTable[i].impl == nil {
			t.Errorf("%s has no implementation", m.Name)
		}
		seenDefault := false
		for _, a := range m.Args {
			if seenDefault && !a.HasDefault {
				t.Errorf("%s: argument %s without default after a defaulted one", m.Name, a.Name)
			}
			seenDefault = seenDefault || a.HasDefault
		}
	}
	if MethodIndex("no_such_method") != -1 {
		t.Error("MethodIndex of an unknown name is not -1")
	}
	// Class returns copies: changing one must not change the table.
	ci.Methods[0].Name = "changed"
	ci.Methods[22].Args[2].Default = false
	again := Class()
	if again.Methods[0].Name != "acceptConnection" || again.Methods[22].Args[2].Default != true {
		t.Error("Class() shares its slices with the table")
	}
}
