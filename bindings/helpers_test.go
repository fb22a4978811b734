package bindings

import (
	"strings"
	"sync"
	"testing"
)

// fakeHost records everything the binding tells Godot.
type fakeHost struct {
	mu       sync.Mutex
	signals  []emission
	errors   []string
	warnings []string
	// onSignal, if set, runs for each emission (after it is recorded),
	// without the recorder's lock, like a GDScript handler.
	onSignal func(name string, args []any)
	embed    *bool // if non-nil the host implements embedding and records it
}

type emission struct {
	name string
	args []any
}

func (h *fakeHost) EmitSignal(name string, args []any) {
	h.mu.Lock()
	h.signals = append(h.signals, emission{name, args})
	f := h.onSignal
	h.mu.Unlock()
	if f != nil {
		f(name, args)
	}
}

func (h *fakeHost) PrintError(msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errors = append(h.errors, msg)
}

func (h *fakeHost) PrintWarning(msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.warnings = append(h.warnings, msg)
}

func (h *fakeHost) takeErrors() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.errors
	h.errors = nil
	return e
}

func (h *fakeHost) takeWarnings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	w := h.warnings
	h.warnings = nil
	return w
}

func (h *fakeHost) takeSignals() []emission {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.signals
	h.signals = nil
	return s
}

// embeddingHost is a fakeHost that can embed callbacks.
type embeddingHost struct {
	fakeHost
	enabled []bool
}

func (h *embeddingHost) EmbedCallbacks(enable bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.enabled = append(h.enabled, enable)
	return true
}

// newSteam makes an instance with a fake host, closed at the end of the
// test (the shared engine goes with the last instance).
func newSteam(t *testing.T) (*Steam, *fakeHost) {
	t.Helper()
	h := &fakeHost{}
	s := New(h)
	t.Cleanup(s.Close)
	return s, h
}

// call invokes a method by name and fails the test on a call error.
func call(t *testing.T, s *Steam, name string, a ...any) any {
	t.Helper()
	if MethodIndex(name) < 0 {
		t.Fatalf("no method %q in the table", name)
	}
	ret, cerr := s.CallByName(name, a...)
	if cerr.Error != CallOK {
		t.Fatalf("%s(%v): call error %+v", name, a, cerr)
	}
	return ret
}

// mustDict asserts a *Dictionary and returns its keys in order.
func mustDict(t *testing.T, v any) *Dictionary {
	t.Helper()
	d, ok := v.(*Dictionary)
	if !ok || d == nil {
		t.Fatalf("want *Dictionary, got %T (%v)", v, v)
	}
	return d
}

func keysOf(d *Dictionary) []string {
	out := make([]string, len(d.Keys))
	for i, k := range d.Keys {
		out[i], _ = k.(string)
	}
	return out
}

func get(t *testing.T, d *Dictionary, key string) any {
	t.Helper()
	v, ok := d.Get(key)
	if !ok {
		t.Fatalf("dictionary has no key %q (keys %v)", key, keysOf(d))
	}
	return v
}

func containsAll(msgs []string, subs ...string) bool {
	for _, m := range msgs {
		ok := true
		for _, s := range subs {
			if !strings.Contains(m, s) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
