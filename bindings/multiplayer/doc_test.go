package multiplayer

import (
	"encoding/xml"
	"os"
	"testing"

	"godotsteam-sockets/bindings"
)

// The editor's class reference (extension/doc_classes/SteamMultiplayerPeer.xml,
// written by hand) documents exactly the registered methods, with their
// arguments, types and defaults.
func TestClassReferenceMatchesClass(t *testing.T) {
	raw, err := os.ReadFile("../../extension/doc_classes/SteamMultiplayerPeer.xml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name     string `xml:"name,attr"`
		Inherits string `xml:"inherits,attr"`
		Methods  []struct {
			Name   string `xml:"name,attr"`
			Return struct {
				Type string `xml:"type,attr"`
			} `xml:"return"`
			Params []struct {
				Name    string  `xml:"name,attr"`
				Type    string  `xml:"type,attr"`
				Default *string `xml:"default,attr"`
			} `xml:"param"`
			Description string `xml:"description"`
		} `xml:"methods>method"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ci := Class()
	if doc.Name != ci.Name || doc.Inherits != ci.Parent {
		t.Fatalf("documents %s(%s), registers %s(%s)", doc.Name, doc.Inherits, ci.Name, ci.Parent)
	}
	typeName := map[bindings.VariantType]string{bindings.TypeInt: "int", bindings.TypeString: "String", bindings.TypeDictionary: "Dictionary"}
	documented := map[string]bool{}
	for _, dm := range doc.Methods {
		documented[dm.Name] = true
		var m *bindings.Method
		for i := range ci.Methods {
			if ci.Methods[i].Name == dm.Name {
				m = &ci.Methods[i]
			}
		}
		if m == nil {
			t.Errorf("documents %s, which is not registered", dm.Name)
			continue
		}
		if dm.Return.Type != typeName[m.Return] || len(dm.Params) != len(m.Args) || len(dm.Description) < 40 {
			t.Errorf("%s: return %q, %d params, description %d bytes", dm.Name, dm.Return.Type, len(dm.Params), len(dm.Description))
			continue
		}
		for i, p := range dm.Params {
			a := m.Args[i]
			if p.Name != a.Name || p.Type != typeName[a.Type] || (p.Default != nil) != a.HasDefault {
				t.Errorf("%s param %d: documented %s %s default %v; registered %s %s default %v", dm.Name, i, p.Name, p.Type, p.Default != nil, a.Name, typeName[a.Type], a.HasDefault)
			}
		}
	}
	for _, m := range ci.Methods {
		if !documented[m.Name] {
			t.Errorf("%s is not documented", m.Name)
		}
	}
}
