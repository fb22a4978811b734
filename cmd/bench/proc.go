package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serverProc is a benchmark server running as a child process.
type serverProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  string
}

// startServer re-executes this binary as `server` and waits for its
// "ready ADDR" line.
func startServer(impl string, o netOptions) (*serverProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"server", "127.0.0.1:0", "--impl", impl, "--stdin-watch"}
	if o.rateMin > 0 {
		args = append(args, "--rate-min", strconv.Itoa(o.rateMin))
	}
	if o.rateMax > 0 {
		args = append(args, "--rate-max", strconv.Itoa(o.rateMax))
	}
	if o.sendBuffer > 0 {
		args = append(args, "--send-buffer", strconv.Itoa(o.sendBuffer))
	}
	if o.lossPct > 0 {
		args = append(args, "--loss", strconv.FormatFloat(o.lossPct, 'f', -1, 64))
	}
	if o.lagMs > 0 {
		args = append(args, "--lag", strconv.Itoa(o.lagMs))
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serverProc{cmd: cmd, stdin: stdin}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				ready <- a
			}
		}
		close(ready)
	}()
	select {
	case a, ok := <-ready:
		if !ok {
			p.stop()
			return nil, fmt.Errorf("%s server exited before it was ready", impl)
		}
		p.addr = a
	case <-time.After(15 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s server not ready within 15 s", impl)
	}
	return p, nil
}

func (p *serverProc) stop() {
	p.stdin.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// cpu returns the child's user+system CPU seconds so far (from /proc).
func (p *serverProc) cpu() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// rss returns the child's resident set size in bytes.
func (p *serverProc) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// selfCPU returns this process's user+system CPU seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
