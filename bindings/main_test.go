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
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if msg := leftovers(before); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
			code = 1
		}
	}
	os.Exit(code)
}

func leftovers(before int) string {
	shared.mu.Lock()
	instances, eng := shared.instances, shared.eng
	shared.mu.Unlock()
	if instances != 0 || eng != nil {
		return fmt.Sprintf("leak: %d Steam instances still open (engine running: %v)", instances, eng != nil)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			return fmt.Sprintf("leak: %d goroutines at start, %d at the end:\n%s", before, runtime.NumGoroutine(),
				strings.TrimSpace(string(buf[:n])))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return ""
}
