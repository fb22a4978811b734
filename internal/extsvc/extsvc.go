// Package extsvc starts the external programs the P2P tests run against —
// coturn (Debian package coturn, binary turnserver) and Redis (Debian
// package redis-server) — on loopback, on free ports, in a temporary
// directory, and stops them when the test ends. A test calling Coturn or
// Redis is skipped with a message naming the package to install when the
// binary is missing.
package extsvc

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// lookPath finds a program or skips the test, naming the Debian package.
func lookPath(t testing.TB, bin, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Skipf("%s not installed (apt-get install -y %s; .ci/run installs it): skipping", bin, pkg)
	}
	return p
}

// freePort returns a loopback port that was free a moment ago for both TCP
// and UDP (coturn and redis bind TCP; coturn also UDP).
func freePort(t testing.TB) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free loopback port")
	return 0
}

// Process is a running external program.
type Process struct {
	Addr string // 127.0.0.1:<port>
	Port int
	cmd  *exec.Cmd
	log  string
	out  *bytes.Buffer
}

// Log returns what the program wrote (its log file and output) so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.log)
	return string(b) + p.out.String()
}

// Stop kills the program and waits for it.
func (p *Process) Stop() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

func start(t testing.TB, name, logFile string, port int, bin string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = filepath.Dir(logFile)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &Process{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port, cmd: cmd, log: logFile, out: out}
	t.Cleanup(p.Stop)
	// Ready when the TCP port accepts.
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			p.Stop()
			t.Fatalf("%s did not start listening on %s:\n%s", name, p.Addr, p.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Coturn starts turnserver on 127.0.0.1 with the TURN REST scheme
// (use-auth-secret + static-auth-secret=secret), relaying on loopback
// (allow-loopback-peers: test only).
func Coturn(t testing.TB, secret string) *Process {
	t.Helper()
	bin := lookPath(t, "turnserver", "coturn")
	dir := t.TempDir()
	port := freePort(t)
	// Relay ports: a 200-port window above the listening port's region,
	// chosen at random so parallel test binaries rarely collide.
	minPort := 50000 + int(time.Now().UnixNano()%7000)
	logFile := filepath.Join(dir, "turn.log")
	return start(t, "turnserver", logFile, port, bin,
		"-n", // no configuration file
		"--listening-ip=127.0.0.1", "--listening-port="+strconv.Itoa(port),
		"--relay-ip=127.0.0.1", "--allow-loopback-peers",
		fmt.Sprintf("--min-port=%d", minPort), fmt.Sprintf("--max-port=%d", minPort+200),
		"--use-auth-secret", "--static-auth-secret="+secret, "--realm=godotsteam-sockets-test",
		"--no-tls", "--no-dtls", "--no-cli",
		"--log-file="+logFile, "--simple-log",
		"--pidfile="+filepath.Join(dir, "turn.pid"), "--userdb="+filepath.Join(dir, "turndb"),
	)
}

// Redis starts redis-server on 127.0.0.1 without persistence. Extra
// arguments are passed as redis-server options (e.g. "--requirepass", "x").
func Redis(t testing.TB, extra ...string) *Process {
	t.Helper()
	lookPath(t, "redis-server", "redis-server")
	return RedisOn(t, freePort(t), extra...)
}

// RedisOn starts redis-server on a given loopback port (to restart one on
// the port a stopped one used).
func RedisOn(t testing.TB, port int, extra ...string) *Process {
	t.Helper()
	bin := lookPath(t, "redis-server", "redis-server")
	dir := t.TempDir()
	logFile := filepath.Join(dir, "redis.log")
	args := []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", logFile, "--daemonize", "no",
	}
	return start(t, "redis-server", logFile, port, bin, append(args, extra...)...)
}
