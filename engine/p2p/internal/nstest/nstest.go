// Package nstest builds small Linux network-namespace topologies for tests:
// a hub namespace with a bridge and one namespace per host, each joined to
// the bridge by a veth pair, and runs roles of the calling test binary
// inside them (`ip netns exec <ns> <test binary> -test.run=<Test>`).
//
// Tests call Skip first: without root, the ip tool or namespace support
// they are skipped with the reason. Names carry the process id so that
// concurrent test runs do not collide; everything is deleted at cleanup.
package nstest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvRole tells a child test which role to play (empty in the parent).
const EnvRole = "GSS_NSTEST_ROLE"

// Role returns the role this process plays, "" in a normal test run.
func Role() string { return os.Getenv(EnvRole) }

// Skip skips t unless namespaces can be created here.
func Skip(t testing.TB) {
	t.Helper()
	if Role() != "" {
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("network-namespace test: needs root (ip netns add); skipped")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network-namespace test: the ip tool (iproute2) is not installed; skipped")
	}
	name := fmt.Sprintf("gssprobe%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("network-namespace test: cannot create a namespace here (%v: %s); skipped", err, strings.TrimSpace(string(out)))
	}
	_ = exec.Command("ip", "netns", "del", name).Run()
}

// Net is a hub with hosts on one /24.
type Net struct {
	Hub    string // hub namespace (bridge, address .1)
	HubIP  string
	Hosts  []string // host namespaces
	IPs    []string // their addresses (.2, .3, ...)
	prefix string
}

var seq struct {
	sync.Mutex
	n int
}

// New creates the hub and n hosts. subnet is the first three octets,
// e.g. "10.231.7"; pick one per test.
func New(t testing.TB, n int, subnet string) *Net {
	t.Helper()
	seq.Lock()
	seq.n++
	id := fmt.Sprintf("g%d%c", os.Getpid()%100000, 'a'+rune(seq.n%26))
	seq.Unlock()
	nt := &Net{Hub: id + "h", HubIP: subnet + ".1", prefix: id}
	t.Cleanup(nt.destroy)
	run(t, "ip", "netns", "add", nt.Hub)
	inHub := func(args ...string) { run(t, append([]string{"ip", "netns", "exec", nt.Hub}, args...)...) }
	inHub("ip", "link", "set", "lo", "up")
	inHub("ip", "link", "add", "br0", "type", "bridge")
	inHub("ip", "addr", "add", nt.HubIP+"/24", "dev", "br0")
	inHub("ip", "link", "set", "br0", "up")
	for i := range n {
		ns := fmt.Sprintf("%s%d", id, i)
		ip := fmt.Sprintf("%s.%d", subnet, i+2)
		nt.Hosts = append(nt.Hosts, ns)
		nt.IPs = append(nt.IPs, ip)
		run(t, "ip", "netns", "add", ns)
		hostEnd, hubEnd := fmt.Sprintf("%sv%d", id, i), fmt.Sprintf("%sb%d", id, i)
		run(t, "ip", "link", "add", hostEnd, "netns", ns, "type", "veth", "peer", "name", hubEnd, "netns", nt.Hub)
		inHub("ip", "link", "set", hubEnd, "master", "br0")
		inHub("ip", "link", "set", hubEnd, "up")
		inNS := func(args ...string) { run(t, append([]string{"ip", "netns", "exec", ns}, args...)...) }
		inNS("ip", "link", "set", "lo", "up")
		inNS("ip", "addr", "add", ip+"/24", "dev", hostEnd)
		inNS("ip", "link", "set", hostEnd, "up")
	}
	return nt
}

func (nt *Net) destroy() {
	for _, ns := range append([]string{nt.Hub}, nt.Hosts...) {
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
}

func run(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// Proc is a role running in a namespace. Its stdout lines "KEY=VALUE" are
// collected; Want waits for a key.
type Proc struct {
	t    testing.TB
	name string
	cmd  *exec.Cmd
	in   io.WriteCloser

	mu    sync.Mutex
	vals  map[string]string
	out   strings.Builder
	added chan struct{}
	done  chan struct{}
	err   error
}

// Start runs test `test` of this binary with role `role` in namespace ns.
// env adds variables ("K=V").
func (nt *Net) Start(t testing.TB, ns, test, role string, env ...string) *Proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1", "-test.timeout=110s")
	cmd.Env = append(append(os.Environ(), EnvRole+"="+role), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	in, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	p := &Proc{t: t, name: role + "@" + ns, cmd: cmd, in: in, vals: map[string]string{}, added: make(chan struct{}, 1), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out.WriteString(line + "\n")
			if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && k != "" && !strings.ContainsAny(k, " \t") {
				p.vals[k] = v
			}
			p.mu.Unlock()
			select {
			case p.added <- struct{}{}:
			default:
			}
		}
		p.err = cmd.Wait()
		cancel()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = in.Close()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// Want waits for KEY=VALUE on the role's output and returns VALUE.
func (p *Proc) Want(key string, within time.Duration) string {
	p.t.Helper()
	deadline := time.After(within)
	for {
		p.mu.Lock()
		v, ok := p.vals[key]
		p.mu.Unlock()
		if ok {
			return v
		}
		select {
		case <-p.added:
		case <-p.done:
			p.mu.Lock()
			v, ok := p.vals[key]
			p.mu.Unlock()
			if ok {
				return v
			}
			p.t.Fatalf("%s exited (%v) without %s; output:\n%s", p.name, p.err, key, p.Output())
		case <-deadline:
			p.t.Fatalf("%s: no %s within %s; output:\n%s", p.name, key, within, p.Output())
		}
	}
}

// Send writes one line to the role's stdin.
func (p *Proc) Send(line string) {
	if _, err := io.WriteString(p.in, line+"\n"); err != nil {
		p.t.Errorf("%s: stdin: %v", p.name, err)
	}
}

// Wait waits for the role to exit successfully.
func (p *Proc) Wait(within time.Duration) {
	p.t.Helper()
	select {
	case <-p.done:
		if p.err != nil {
			p.t.Fatalf("%s failed: %v; output:\n%s", p.name, p.err, p.Output())
		}
	case <-time.After(within):
		p.t.Fatalf("%s did not finish within %s; output:\n%s", p.name, within, p.Output())
	}
}

// Output is everything the role printed.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Stdin gives a child role its parent's lines.
type Stdin struct{ sc *bufio.Scanner }

// NewStdin reads os.Stdin line by line (child side).
func NewStdin() *Stdin { return &Stdin{bufio.NewScanner(os.Stdin)} }

// Next returns the next line, or an error at EOF (the parent is gone).
func (s *Stdin) Next() (string, error) {
	if s.sc.Scan() {
		return s.sc.Text(), nil
	}
	if err := s.sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("nstest: parent closed stdin")
}

// Report prints KEY=VALUE for the parent (child side).
func Report(key, value string) { fmt.Printf("%s=%s\n", key, value) }
