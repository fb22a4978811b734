// Package hostclient drives a mini-Godot host process (extension/minigodot)
// through its JSON-lines protocol: one request per line on its stdin;
// events ("ready", "signal", "log", "violation") and then the response, one
// JSON object per line, on its stdout. It is pure Go and knows nothing about
// tests: the end-to-end tests (extension/e2etest) and the headless demo
// (cmd/demo) wrap it.
package hostclient

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Event is an event line of the protocol.
type Event struct {
	Event     string            `json:"event"`
	Name      string            `json:"name"`
	Object    string            `json:"object"`
	Args      []json.RawMessage `json:"args"`
	Level     string            `json:"level"`
	Text      string            `json:"text"`
	Malformed bool              `json:"malformed"`
}

// ErrClosed is returned once the host closed its output (it crashed or exited).
var ErrClosed = errors.New("the host process closed its output (crashed or exited)")

// Process is one host process ("one Godot game").
type Process struct {
	Name  string
	Trace func(format string, args ...any) // optional: every line sent and received

	cmd     *exec.Cmd
	stdin   io.WriteCloser
	lines   chan []byte
	stderr  syncBuf
	nextID  int
	done    chan struct{}
	exitErr error

	// Violations lists the text of every violation event read so far.
	Violations []string
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start runs bin with args (e.g. "run", LIBRARY, "--godot", "4.6") and the
// current environment plus env. It does not wait for the ready event.
func Start(name, bin string, args, env []string) (*Process, error) {
	p := &Process{Name: name, lines: make(chan []byte, 256), done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 256<<20)
		for sc.Scan() {
			p.lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(p.lines)
		p.exitErr = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *Process) trace(format string, args ...any) {
	if p.Trace != nil {
		p.Trace(format, args...)
	}
}

// ReadLine returns the next protocol line (recording violation events).
func (p *Process) ReadLine(timeout time.Duration) ([]byte, error) {
	select {
	case line, ok := <-p.lines:
		if !ok {
			return nil, ErrClosed
		}
		p.trace("%s -> %s", p.Name, line)
		var ev struct {
			Event string `json:"event"`
			Text  string `json:"text"`
		}
		if json.Unmarshal(line, &ev) == nil && ev.Event == "violation" {
			p.Violations = append(p.Violations, ev.Text)
		}
		return line, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("no answer within %s", timeout)
	}
}

// WaitReady reads lines until the ready event and returns it.
func (p *Process) WaitReady(timeout time.Duration) ([]byte, error) {
	for {
		line, err := p.ReadLine(timeout)
		if err != nil {
			return nil, err
		}
		var ev struct {
			Event string `json:"event"`
		}
		if json.Unmarshal(line, &ev) == nil && ev.Event == "ready" {
			return line, nil
		}
	}
}

// Request sends req (with the next id) and returns the raw response line
// and the events written before it. The error is about the protocol (no
// answer, a bad line, a response to another request); a response with
// "ok": false is returned as is.
func (p *Process) Request(req map[string]any, timeout time.Duration) ([]byte, []Event, error) {
	p.nextID++
	req["id"] = p.nextID
	data, err := json.Marshal(req)
	if err != nil {
		return nil, nil, err
	}
	p.trace("%s <- %s", p.Name, data)
	if _, err := p.stdin.Write(append(data, '\n')); err != nil {
		return nil, nil, fmt.Errorf("%s: writing request: %w", p.Name, err)
	}
	var events []Event
	for {
		line, err := p.ReadLine(timeout)
		if err != nil {
			return nil, events, fmt.Errorf("%s: %v (request %s)", p.Name, err, truncate(string(data)))
		}
		var head struct {
			Event *string `json:"event"`
			ID    int     `json:"id"`
		}
		if err := json.Unmarshal(line, &head); err != nil {
			return nil, events, fmt.Errorf("%s: bad protocol line %q: %v", p.Name, truncate(string(line)), err)
		}
		if head.Event != nil {
			var ev Event
			if err := json.Unmarshal(line, &ev); err != nil {
				return nil, events, fmt.Errorf("%s: bad event %q: %v", p.Name, truncate(string(line)), err)
			}
			events = append(events, ev)
			continue
		}
		if head.ID != p.nextID {
			return line, events, fmt.Errorf("%s: response %s does not answer request %d", p.Name, truncate(string(line)), p.nextID)
		}
		return line, events, nil
	}
}

// CloseInput closes the host's stdin (it then deinitializes and exits).
func (p *Process) CloseInput() error { return p.stdin.Close() }

// Wait waits up to timeout for the process to exit and returns its exit error.
func (p *Process) Wait(timeout time.Duration) (exited bool, err error) {
	select {
	case <-p.done:
		return true, p.exitErr
	case <-time.After(timeout):
		return false, nil
	}
}

// ExitErr is the process's exit error once it has exited.
func (p *Process) ExitErr() error {
	select {
	case <-p.done:
		return p.exitErr
	default:
		return nil
	}
}

// Kill ends the process and waits for it. Unread output is discarded.
func (p *Process) Kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	go func() {
		for range p.lines { //nolint:revive // drain so the reader can finish
		}
	}()
	<-p.done
}

// Stderr is everything the host wrote to stderr so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// Tail is the last n bytes of Stderr.
func (p *Process) Tail(n int) string {
	s := p.stderr.String()
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

func truncate(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}
