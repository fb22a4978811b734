package bindings

// THIS FILE IS A PLACEHOLDER stating the contract with package extension;
// the binding issue replaces it.

// Class returns the declarative description of the Steam class.
func Class() *ClassInfo { return &ClassInfo{Name: "Steam", Parent: "Object", Singleton: "Steam"} }

// Steam is one instance of the class (the singleton, or one made by
// ClassDB.instantiate). All instances share one engine.
type Steam struct{ host Host }

// New creates an instance bound to a host.
func New(host Host) *Steam { return &Steam{host: host} }

// Call invokes method Class().Methods[method] with arguments in the value
// model. It handles everything Godot's call path needs: argument count
// (too many / too few), trailing defaults, type checks following
// Variant::can_convert_strict, conversion. The ptrcall path uses the same
// function with exactly typed, complete arguments. ret is nil for void.
// Calls may re-enter (a signal handler run from run_callbacks may call back).
func (s *Steam) Call(method int, args []any) (ret any, cerr CallError) {
	return nil, CallError{Error: CallInvalidMethod}
}

// Close releases this instance (the engine shuts down with the last one).
func (s *Steam) Close() {}
