package main

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"godotsteam-sockets/bindings"
)

// Generate renders the class reference of ci in Godot's class-reference XML
// format. It fails if any method, argument, signal or constant has no
// description, so a new API entry cannot ship undocumented.
func Generate(ci *bindings.ClassInfo) ([]byte, error) {
	var missing []string
	need := func(kind, name, text string) string {
		if strings.TrimSpace(text) == "" {
			missing = append(missing, kind+" "+name)
		}
		return text
	}

	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" ?>` + "\n")
	fmt.Fprintf(&b, "<class name=%q inherits=%q xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\"../class.xsd\">\n", ci.Name, ci.Parent)
	writeText(&b, 1, "brief_description", classBrief)
	writeText(&b, 1, "description", classDescription)
	b.WriteString("\t<tutorials>\n")
	for _, t := range classTutorials {
		fmt.Fprintf(&b, "\t\t<link title=\"%s\">%s</link>\n", esc(t.title), esc(t.url))
	}
	b.WriteString("\t</tutorials>\n")

	methods := append([]bindings.Method(nil), ci.Methods...)
	sort.Slice(methods, func(i, j int) bool { return methods[i].Name < methods[j].Name })
	b.WriteString("\t<methods>\n")
	for _, m := range methods {
		fmt.Fprintf(&b, "\t\t<method name=\"%s\">\n", esc(m.Name))
		if m.HasReturn {
			fmt.Fprintf(&b, "\t\t\t<return type=\"%s\"%s />\n", esc(bindings.TypeName(m.Return)), enumAttr(m.ReturnEnum, ci.Name))
		} else {
			b.WriteString("\t\t\t<return type=\"void\" />\n")
		}
		writeParams(&b, m.Args, ci.Name)
		for _, a := range m.Args {
			if !mentionsParam(methodDocs[m.Name], a.Name) {
				missing = append(missing, "argument "+m.Name+"."+a.Name)
			}
		}
		writeText(&b, 3, "description", need("method", m.Name, methodDocs[m.Name]))
		b.WriteString("\t\t</method>\n")
	}
	b.WriteString("\t</methods>\n")

	b.WriteString("\t<signals>\n")
	for _, s := range ci.Signals {
		fmt.Fprintf(&b, "\t\t<signal name=\"%s\">\n", esc(s.Name))
		writeParams(&b, s.Args, ci.Name)
		for _, a := range s.Args {
			if !mentionsParam(signalDocs[s.Name], a.Name) {
				missing = append(missing, "argument "+s.Name+"."+a.Name)
			}
		}
		writeText(&b, 3, "description", need("signal", s.Name, signalDocs[s.Name]))
		b.WriteString("\t\t</signal>\n")
	}
	b.WriteString("\t</signals>\n")

	b.WriteString("\t<constants>\n")
	for _, c := range ci.Constants {
		attrs := fmt.Sprintf("name=\"%s\" value=\"%d\"", esc(c.Name), c.Value)
		if c.Enum != "" {
			attrs += fmt.Sprintf(" enum=\"%s\"", esc(c.Enum))
		}
		if c.Bitfield {
			attrs += ` is_bitfield="true"`
		}
		text := need("constant", c.Name, constantDescription(c))
		fmt.Fprintf(&b, "\t\t<constant %s>\n", attrs)
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			fmt.Fprintf(&b, "\t\t\t%s\n", esc(line))
		}
		b.WriteString("\t\t</constant>\n")
	}
	b.WriteString("\t</constants>\n")
	b.WriteString("</class>\n")

	if len(missing) > 0 {
		return nil, fmt.Errorf("no description for %d entries (add them to cmd/docgen/descriptions.go): %s",
			len(missing), strings.Join(missing, ", "))
	}
	return b.Bytes(), nil
}

// mentionsParam reports whether a description documents an argument: Godot's
// XML has no per-argument text, so every argument must appear as [param name].
func mentionsParam(text, name string) bool { return strings.Contains(text, "[param "+name+"]") }

func writeParams(b *bytes.Buffer, args []bindings.Arg, class string) {
	for i, a := range args {
		attrs := fmt.Sprintf("index=\"%d\" name=\"%s\" type=\"%s\"", i, esc(a.Name), esc(bindings.TypeName(a.Type)))
		attrs += enumAttr(a.Enum, class)
		if a.HasDefault {
			attrs += fmt.Sprintf(" default=\"%s\"", esc(defaultText(a.Default)))
		}
		fmt.Fprintf(b, "\t\t\t<param %s />\n", attrs)
	}
}

// enumAttr qualifies an enum of the class the way Godot writes it ("Steam.Result").
func enumAttr(enum, class string) string {
	if enum == "" {
		return ""
	}
	if !strings.Contains(enum, ".") {
		enum = class + "." + enum
	}
	return fmt.Sprintf(" enum=\"%s\"", esc(enum))
}

// defaultText formats a default value as GDScript source, as Godot's docs do.
func defaultText(v any) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return strconv.Quote(x)
	case nil:
		return "null"
	case *bindings.Dictionary:
		if x == nil || x.Len() == 0 {
			return "{}"
		}
	case []any:
		if len(x) == 0 {
			return "[]"
		}
	}
	return fmt.Sprint(v)
}

// writeText writes <tag> with each line of text indented one level deeper.
func writeText(b *bytes.Buffer, depth int, tag, text string) {
	ind := strings.Repeat("\t", depth)
	fmt.Fprintf(b, "%s<%s>\n", ind, tag)
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.TrimSpace(line) == "" {
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(b, "%s\t%s\n", ind, esc(line))
	}
	fmt.Fprintf(b, "%s</%s>\n", ind, tag)
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func esc(s string) string { return xmlEscaper.Replace(s) }
