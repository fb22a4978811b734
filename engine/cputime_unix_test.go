//go:build unix

package engine

import (
	"syscall"
	"time"
)

// cpuTime is this process's user+system CPU time. Benchmarks report it per
// operation ("cpu-ns/op") next to the wall time: on a shared, loaded
// machine the CPU cost is the steadier figure.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
