// Command extension is the GDExtension library of godotsteam-sockets: the
// only cgo in the project. It registers the `Steam` class that package
// bindings describes, creates its one instance as the Engine singleton
// `Steam`, and marshals Variants between Godot and bindings' Go value
// model. Build it with
//
//	CGO_ENABLED=1 go build -buildmode=c-shared -o libgodotsteam_sockets.so ./extension
//
// The entry symbol is godotsteam_sockets_init (gdx.c). All ABI detail lives
// in gdx.h/gdx.c; the Go side sees only small C wrappers, and C never keeps
// a Go pointer: instances and method userdata are integers.
package main

// main never runs in a c-shared library; the Go runtime starts when Godot
// loads the library and package init functions run before the entry point.
func main() {}
