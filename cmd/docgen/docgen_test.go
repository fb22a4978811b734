package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"testing"

	"godotsteam-sockets/bindings"
)

// classXML is the part of Godot's class-reference schema the tests read.
type classXML struct {
	Name     string `xml:"name,attr"`
	Inherits string `xml:"inherits,attr"`
	Brief    string `xml:"brief_description"`
	Desc     string `xml:"description"`
	Methods  []struct {
		Name   string `xml:"name,attr"`
		Return struct {
			Type string `xml:"type,attr"`
			Enum string `xml:"enum,attr"`
		} `xml:"return"`
		Params []paramXML `xml:"param"`
		Desc   string     `xml:"description"`
	} `xml:"methods>method"`
	Signals []struct {
		Name   string     `xml:"name,attr"`
		Params []paramXML `xml:"param"`
		Desc   string     `xml:"description"`
	} `xml:"signals>signal"`
	Constants []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
		Enum  string `xml:"enum,attr"`
		Desc  string `xml:",chardata"`
	} `xml:"constants>constant"`
}

type paramXML struct {
	Index   int    `xml:"index,attr"`
	Name    string `xml:"name,attr"`
	Type    string `xml:"type,attr"`
	Default string `xml:"default,attr"`
}

// apiSpec is the part of api.json (the GDScript contract, copied from the
// project spec into testdata) the tests compare against.
type apiSpec struct {
	Class   string `json:"class"`
	Methods []struct {
		Name string `json:"name"`
		Args []struct {
			Name    string `json:"name"`
			Type    string `json:"type"`
			Default any    `json:"default"`
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
		Name  string `json:"name"`
		Value int64  `json:"value"`
		Enum  string `json:"enum"`
	} `json:"constants"`
}

const committedXML = "../../extension/doc_classes/Steam.xml"

func loadSpec(t *testing.T) apiSpec {
	t.Helper()
	raw, err := os.ReadFile("testdata/api.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec apiSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Methods) < 50 || len(spec.Signals) != 3 || len(spec.Constants) < 300 {
		t.Fatalf("testdata/api.json looks truncated: %d methods, %d signals, %d constants",
			len(spec.Methods), len(spec.Signals), len(spec.Constants))
	}
	return spec
}

func parse(t *testing.T, data []byte) classXML {
	t.Helper()
	var c classXML
	if err := xml.Unmarshal(data, &c); err != nil {
		t.Fatalf("class XML does not parse: %v", err)
	}
	return c
}

func generated(t *testing.T) []byte {
	t.Helper()
	out, err := Generate(bindings.Class())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCoversEveryNameInAPISpec checks that the reference documents every
// method (with its arguments, their types and defaults, and its return type),
// signal and constant of api.json, plus our get_godotsteam_sockets_version,
// each with a non-empty description.
func TestCoversEveryNameInAPISpec(t *testing.T) {
	spec := loadSpec(t)
	c := parse(t, generated(t))
	if c.Name != spec.Class || c.Inherits != "Object" {
		t.Errorf("class %q inherits %q, want %q inherits Object", c.Name, c.Inherits, spec.Class)
	}
	if strings.TrimSpace(c.Brief) == "" || strings.TrimSpace(c.Desc) == "" {
		t.Error("class brief or description is empty")
	}

	methods := map[string]int{}
	for i, m := range c.Methods {
		if _, dup := methods[m.Name]; dup {
			t.Errorf("method %s documented twice", m.Name)
		}
		methods[m.Name] = i
	}
	for _, want := range spec.Methods {
		i, ok := methods[want.Name]
		if !ok {
			t.Errorf("method %s of api.json is not documented", want.Name)
			continue
		}
		m := c.Methods[i]
		ret := want.Return
		if m.Return.Type != ret {
			t.Errorf("%s returns %q in the docs, api.json says %q", want.Name, m.Return.Type, ret)
		}
		if want.ReturnEnum != "" && m.Return.Enum != "Steam."+want.ReturnEnum {
			t.Errorf("%s return enum %q, want Steam.%s", want.Name, m.Return.Enum, want.ReturnEnum)
		}
		if len(m.Params) != len(want.Args) {
			t.Errorf("%s has %d params in the docs, api.json %d", want.Name, len(m.Params), len(want.Args))
			continue
		}
		for j, a := range want.Args {
			p := m.Params[j]
			if p.Index != j || p.Name != a.Name || p.Type != a.Type {
				t.Errorf("%s param %d = (%d %s %s), want (%d %s %s)", want.Name, j, p.Index, p.Name, p.Type, j, a.Name, a.Type)
			}
			wantDefault := ""
			if a.Default != nil {
				wantDefault = fmt.Sprint(a.Default)
			}
			if p.Default != wantDefault {
				t.Errorf("%s param %s default %q, want %q", want.Name, a.Name, p.Default, wantDefault)
			}
			if !strings.Contains(m.Desc, "[param "+a.Name+"]") {
				t.Errorf("%s: description does not explain argument %s", want.Name, a.Name)
			}
		}
		if strings.TrimSpace(m.Desc) == "" {
			t.Errorf("%s has no description", want.Name)
		}
	}
	if i, ok := methods[bindings.OurExtraMethod]; !ok {
		t.Errorf("%s is not documented", bindings.OurExtraMethod)
	} else if c.Methods[i].Return.Type != "String" {
		t.Errorf("%s returns %q, want String", bindings.OurExtraMethod, c.Methods[i].Return.Type)
	}

	signals := map[string]int{}
	for i, s := range c.Signals {
		signals[s.Name] = i
	}
	for _, want := range spec.Signals {
		i, ok := signals[want.Name]
		if !ok {
			t.Errorf("signal %s is not documented", want.Name)
			continue
		}
		s := c.Signals[i]
		if len(s.Params) != len(want.Args) {
			t.Errorf("signal %s has %d params, want %d", want.Name, len(s.Params), len(want.Args))
			continue
		}
		for j, a := range want.Args {
			if s.Params[j].Name != a.Name || s.Params[j].Type != a.Type {
				t.Errorf("signal %s param %d = %s %s, want %s %s", want.Name, j, s.Params[j].Name, s.Params[j].Type, a.Name, a.Type)
			}
			if !strings.Contains(s.Desc, "[param "+a.Name+"]") {
				t.Errorf("signal %s: description does not explain argument %s", want.Name, a.Name)
			}
		}
	}

	constants := map[string]int{}
	for i, k := range c.Constants {
		if _, dup := constants[k.Name]; dup {
			t.Errorf("constant %s documented twice", k.Name)
		}
		constants[k.Name] = i
	}
	for _, want := range spec.Constants {
		i, ok := constants[want.Name]
		if !ok {
			t.Errorf("constant %s is not documented", want.Name)
			continue
		}
		k := c.Constants[i]
		if k.Value != fmt.Sprint(want.Value) || k.Enum != want.Enum {
			t.Errorf("constant %s = %s (enum %q), api.json says %d (enum %q)", want.Name, k.Value, k.Enum, want.Value, want.Enum)
		}
		if strings.TrimSpace(k.Desc) == "" {
			t.Errorf("constant %s has no description", want.Name)
		}
	}
}

// TestMatchesRegisteredClass checks the reference against what the extension
// registers (bindings.Class()): no registered name may be missing and no
// documented name may be unregistered.
func TestMatchesRegisteredClass(t *testing.T) {
	ci := bindings.Class()
	c := parse(t, generated(t))
	if len(c.Methods) != len(ci.Methods) || len(c.Signals) != len(ci.Signals) || len(c.Constants) != len(ci.Constants) {
		t.Errorf("docs have %d methods, %d signals, %d constants; the class registers %d, %d, %d",
			len(c.Methods), len(c.Signals), len(c.Constants), len(ci.Methods), len(ci.Signals), len(ci.Constants))
	}
	for _, k := range c.Constants {
		if strings.Contains(k.Desc, "[constant ") {
			ref := k.Desc[strings.Index(k.Desc, "[constant ")+len("[constant "):]
			ref = ref[:strings.Index(ref, "]")]
			found := false
			for _, r := range ci.Constants {
				found = found || r.Name == ref
			}
			if !found {
				t.Errorf("constant %s refers to unknown constant %s", k.Name, ref)
			}
		}
	}
}

// TestReferencesResolve checks that every [method x], [signal x] and
// [constant X] link in the prose names something that exists, so the editor
// shows no dead links.
func TestReferencesResolve(t *testing.T) {
	ci := bindings.Class()
	known := map[string]bool{}
	for _, m := range ci.Methods {
		known["method "+m.Name] = true
	}
	for _, s := range ci.Signals {
		known["signal "+s.Name] = true
	}
	enums := map[string]bool{}
	for _, k := range ci.Constants {
		known["constant "+k.Name] = true
		if k.Enum != "" {
			enums[k.Enum] = true
		}
	}
	for e := range enums {
		known["enum "+e] = true
	}
	out := generated(t)
	for _, kind := range []string{"method", "signal", "constant", "enum"} {
		rest := out
		tag := []byte("[" + kind + " ")
		for {
			i := bytes.Index(rest, tag)
			if i < 0 {
				break
			}
			rest = rest[i+len(tag):]
			j := bytes.IndexByte(rest, ']')
			if j < 0 {
				t.Fatalf("unterminated [%s tag", kind)
			}
			if name := string(rest[:j]); !known[kind+" "+name] {
				t.Errorf("dead link [%s %s]", kind, name)
			}
		}
	}
}

// TestCommittedXMLIsUpToDate fails when extension/doc_classes/Steam.xml no
// longer matches the class or the descriptions: run `make docs`.
func TestCommittedXMLIsUpToDate(t *testing.T) {
	have, err := os.ReadFile(committedXML)
	if err != nil {
		t.Fatalf("%v (run 'make docs')", err)
	}
	if !bytes.Equal(have, generated(t)) {
		t.Fatalf("%s is out of date: run 'make docs' (go run ./cmd/docgen -write extension/doc_classes/Steam.xml)", committedXML)
	}
}

// TestMissingDescriptionIsAnError checks that Generate refuses a class with
// an undocumented entry instead of writing an empty description.
func TestMissingDescriptionIsAnError(t *testing.T) {
	ci := bindings.Class()
	ci.Methods = append(ci.Methods, bindings.Method{Name: "undocumentedMethod"})
	ci.Constants = append(ci.Constants, bindings.Constant{Name: "UNDOCUMENTED_CONSTANT", Value: 7})
	_, err := Generate(ci)
	if err == nil || !strings.Contains(err.Error(), "undocumentedMethod") || !strings.Contains(err.Error(), "UNDOCUMENTED_CONSTANT") {
		t.Fatalf("Generate with undocumented entries: err = %v, want an error naming both", err)
	}

	ci = bindings.Class()
	ci.Methods[0].Args = append(ci.Methods[0].Args, bindings.Arg{Name: "surprise", Type: bindings.TypeInt})
	if _, err := Generate(ci); err == nil || !strings.Contains(err.Error(), "surprise") {
		t.Fatalf("Generate with an undocumented argument: err = %v, want an error naming it", err)
	}
}
