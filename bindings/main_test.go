package bindings

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain checks that the tests leave nothing behind: every instance
// closed, the shared engine released, no goroutine still running.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if msg := leftovers(); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
			code = 1
		}
	}
	os.Exit(code)
}

func leftovers() string {
	shared.mu.Lock()
	instances, eng := shared.instances, shared.eng
	shared.mu.Unlock()
	if instances != 0 || eng != nil {
		return fmt.Sprintf("leak: %d Steam instances still open (engine running: %v)", instances, eng != nil)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := strayGoroutines()
		if len(left) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("leak: %d goroutines still running:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// strayGoroutines lists the stacks of goroutines other than this one and
// the runtime's and test framework's own (signal handling, fuzz workers).
func strayGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		switch {
		case strings.Contains(g, "bindings.strayGoroutines"),
			strings.Contains(g, "os/signal."),
			strings.Contains(g, "testing.(*F)"),
			strings.Contains(g, "testing.runFuzzing"),
			strings.Contains(g, "internal/fuzz."):
			continue
		}
		out = append(out, g)
	}
	return out
}
