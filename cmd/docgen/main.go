// Command docgen writes extension/doc_classes/Steam.xml, the Godot class
// reference of the Steam singleton that the extension loads into the editor
// (F1 → "Steam").
//
// The structure (every method with its typed, named and defaulted arguments,
// return types and enums; the signals; every constant with its value and enum)
// comes from bindings.Class(), the same table the extension registers, so the
// reference cannot drift from what Godot sees. The prose comes from
// descriptions.go, written for this project.
//
//	go run ./cmd/docgen -write extension/doc_classes/Steam.xml   (make docs)
//	go run ./cmd/docgen -check extension/doc_classes/Steam.xml   (exit 1 if stale)
//	go run ./cmd/docgen                                          (print to stdout)
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"godotsteam-sockets/bindings"
)

func main() {
	write := flag.String("write", "", "write the XML to this file")
	check := flag.String("check", "", "exit 1 if this file differs from the generated XML")
	flag.Parse()

	xml, err := Generate(bindings.Class())
	if err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
	switch {
	case *check != "":
		have, err := os.ReadFile(*check)
		if err != nil {
			fmt.Fprintln(os.Stderr, "docgen:", err)
			os.Exit(1)
		}
		if !bytes.Equal(have, xml) {
			fmt.Fprintf(os.Stderr, "docgen: %s is out of date; run 'make docs'\n", *check)
			os.Exit(1)
		}
	case *write != "":
		if err := os.WriteFile(*write, xml, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "docgen:", err)
			os.Exit(1)
		}
		fmt.Printf("docgen: wrote %s (%d bytes)\n", *write, len(xml))
	default:
		os.Stdout.Write(xml)
	}
}
