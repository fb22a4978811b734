package p2p_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if a test leaves a goroutine behind (nodes,
// services, engines and ICE agents must all be closed).
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if msg := leftoverGoroutines(5 * time.Second); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
			code = 1
		}
	}
	os.Exit(code)
}

func leftoverGoroutines(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var left []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "p2p_test.leftoverGoroutines") || strings.Contains(g, "os/signal.") {
				continue
			}
			left = append(left, g)
		}
		if len(left) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("leak: %d goroutines still running after the tests:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
