// Package e2etest drives the GDExtension library through the mini-Godot C
// host (extension/minigodot), exactly as Godot would: dlopen, the interface
// functions of one Godot version, call and ptrcall, emit_signal capture.
// Pure Go; it builds the host, a C test library and the real library in
// TestMain and talks to host processes over the JSON-lines protocol.
package e2etest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"godotsteam-sockets/internal/hostclient"
)

var (
	repoRoot    string // the module root (../..)
	buildDir    string
	hostBin     string // built mini-Godot
	testLib     string // the C self-test library
	steamLib    string // the real library
	skipReason  string // set when cc or libcjson is missing
	hostErr     error  // host build failure
	testLibErr  error
	steamLibErr error
	libOnce     sync.Once
)

func TestMain(m *testing.M) {
	code := func() int {
		wd, err := os.Getwd()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		repoRoot = filepath.Clean(filepath.Join(wd, "..", ".."))
		buildDir, err = os.MkdirTemp("", "minigodot-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(buildDir)
		buildHostAndTestLib()
		return m.Run()
	}()
	os.Exit(code)
}

func haveCJSON() bool {
	for _, p := range []string{"/usr/include/cjson/cJSON.h", "/usr/local/include/cjson/cJSON.h"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func buildHostAndTestLib() {
	if _, err := exec.LookPath("cc"); err != nil {
		skipReason = "no C compiler (cc) on PATH: the mini-Godot host cannot be built"
		return
	}
	if !haveCJSON() {
		skipReason = "libcjson is not installed (apt-get install -y libcjson-dev): the mini-Godot host cannot be built"
		return
	}
	srcs, _ := filepath.Glob(filepath.Join(repoRoot, "extension", "minigodot", "*.c"))
	hostBin = filepath.Join(buildDir, "minigodot")
	// exactly the flags of `make host`
	args := append([]string{"-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1"}, srcs...)
	// MINIGODOT_HOST_CFLAGS adds flags, e.g. "-fsanitize=undefined -fno-sanitize-recover=undefined"
	args = append(args, strings.Fields(os.Getenv("MINIGODOT_HOST_CFLAGS"))...)
	args = append(args, "-o", hostBin, "-lcjson", "-ldl", "-lpthread")
	if out, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		hostErr = fmt.Errorf("building the mini-Godot host: %v\n%s", err, out)
		return
	}
	testLib = filepath.Join(buildDir, "libtestlib.so")
	src := filepath.Join(repoRoot, "extension", "minigodot", "testlib", "testlib.c")
	if out, err := exec.Command("cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-shared", "-fPIC", src, "-o", testLib).CombinedOutput(); err != nil {
		testLibErr = fmt.Errorf("building the host self-test library: %v\n%s", err, out)
	}
}

func requireHost(t testing.TB) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	if hostErr != nil {
		t.Fatal(hostErr)
	}
}

// requireLib builds the real library once (go build -buildmode=c-shared ./extension).
func requireLib(t testing.TB) string {
	t.Helper()
	requireHost(t)
	libOnce.Do(func() {
		steamLib = filepath.Join(buildDir, "libgodotsteam_sockets.so")
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, gobin, "build", "-buildmode=c-shared", "-o", steamLib, "./extension")
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			steamLibErr = fmt.Errorf("building the library (go build -buildmode=c-shared ./extension): %v\n%s", err, out)
		}
	})
	if steamLibErr != nil {
		t.Fatal(steamLibErr)
	}
	return steamLib
}

// ---------------------------------------------------------------- values

// V is a typed value of the host protocol.
type V map[string]any

func Nil() V               { return V{"t": "nil"} }
func Int(n int64) V        { return V{"t": "int", "v": strconv.FormatInt(n, 10)} }
func Bool(b bool) V        { return V{"t": "bool", "v": b} }
func Float(f float64) V    { return V{"t": "float", "v": f} }
func Str(s string) V       { return V{"t": "string", "v": s} }
func StrName(s string) V   { return V{"t": "string_name", "v": s} }
func NodePath(s string) V  { return V{"t": "node_path", "v": s} }
func Vec2(x, y float64) V  { return V{"t": "vector2", "v": []float64{x, y}} }
func NullObject() V        { return V{"t": "object", "v": nil} }
func Bytes(b []byte) V     { return V{"t": "bytes", "v": fmt.Sprintf("%x", b)} }
func Int32s(xs ...int32) V { return V{"t": "int32s", "v": xs} }
func Arr(items ...V) V     { return V{"t": "array", "v": nonNil(items)} }
func nonNil(items []V) []V {
	if items == nil {
		return []V{}
	}
	return items
}

// Dict builds a Dictionary from key, value, key, value...
func Dict(kv ...V) V {
	pairs := [][]V{}
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, []V{kv[i], kv[i+1]})
	}
	return V{"t": "dict", "v": pairs}
}

// Dictionary is a decoded, ordered Dictionary; Object a decoded Object
// reference (both from internal/hostclient, shared with cmd/demo).
type (
	Dictionary = hostclient.Dict
	Object     = hostclient.Object
)

// Decode turns a typed protocol value into Go: nil, bool, int64, float64,
// string, *Dictionary, []any, []byte, []int32, Object.
func Decode(raw json.RawMessage) (any, error) { return hostclient.Decode(raw) }

// ---------------------------------------------------------------- host process

// Event is an event line of the protocol.
type Event = hostclient.Event

// CallError mirrors GDExtensionCallError.
type CallError struct {
	Error    int `json:"error"`
	Argument int `json:"argument"`
	Expected int `json:"expected"`
}

// Response is a response line of the protocol.
type Response struct {
	ID         int                `json:"id"`
	OK         bool               `json:"ok"`
	Err        string             `json:"error"`
	Ret        json.RawMessage    `json:"ret"`
	CallError  *CallError         `json:"call_error"`
	Leaks      map[string]float64 `json:"leaks"`
	Object     string             `json:"object"`
	Violations int                `json:"violations"`
	Exit       int                `json:"exit"`
	Describe   json.RawMessage    `json:"describe"`
	Refs       map[string]float64 `json:"refs"`
	Overridden bool               `json:"overridden"` // vcall: the extension implements the virtual
	Lookups    int                `json:"lookups"`    // vcall: get_virtual_call_data calls for this object and name
	Events     []Event            `json:"-"`
}

// HostOpts selects the emulated Godot.
type HostOpts struct {
	Godot             string // "4.3" .. "4.7"
	Editor            bool
	DisableDeprecated bool
	Entry             string
	Lib               string
	Env               []string // extra environment for the host process
}

func (o HostOpts) args(cmd string) []string {
	a := []string{cmd, o.Lib}
	if o.Godot != "" {
		a = append(a, "--godot", o.Godot)
	}
	if o.Editor {
		a = append(a, "--editor")
	}
	if o.DisableDeprecated {
		a = append(a, "--disable-deprecated")
	}
	if o.Entry != "" {
		a = append(a, "--entry", o.Entry)
	}
	return a
}

// Host is one mini-Godot process ("one Godot game").
type Host struct {
	*hostclient.Process
	t       testing.TB
	name    string
	Logs    []Event
	signals []Event // collected by MustCall, consumed by TakeSignals
	quit    bool
}

const requestTimeout = 90 * time.Second

// StartHost starts `minigodot run` and waits for its ready event.
func StartHost(t testing.TB, name string, o HostOpts) *Host {
	t.Helper()
	requireHost(t)
	p, err := hostclient.Start(name, hostBin, o.args("run"), o.Env)
	if err != nil {
		t.Fatal(err)
	}
	h := &Host{Process: p, t: t, name: name}
	t.Cleanup(func() {
		if !h.quit {
			h.Kill()
		} else {
			h.Wait(requestTimeout)
		}
	})
	if _, err := p.WaitReady(requestTimeout); err != nil {
		t.Fatalf("%s: host exited before ready: %v (exit %v)\nstderr:\n%s", name, err, p.ExitErr(), h.tail())
	}
	return h
}

func (h *Host) tail() string { return h.Tail(6000) }

func truncate(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

// Do sends one request and returns its response with the events before it.
func (h *Host) Do(req map[string]any) Response {
	h.t.Helper()
	line, events, err := h.Request(req, requestTimeout)
	if err != nil {
		h.t.Fatalf("%s (exit %v)\nstderr:\n%s", err, h.ExitErr(), h.tail())
	}
	for _, ev := range events {
		if ev.Event == "log" {
			h.Logs = append(h.Logs, ev)
		}
	}
	var r Response
	if err := json.Unmarshal(line, &r); err != nil {
		h.t.Fatalf("%s: bad response %q: %v", h.name, truncate(string(line)), err)
	}
	r.Events = events
	return r
}

// Path is the way Godot invokes a method.
type Path string

const (
	CallPath Path = "call"    // Object::callp: Variants, defaults may be omitted
	PtrPath  Path = "ptrcall" // GDScript's validated path: exact types, all arguments
)

// Invoke calls a method through path and returns the raw response.
func (h *Host) Invoke(p Path, method string, args ...V) Response {
	h.t.Helper()
	return h.Do(map[string]any{"op": string(p), "method": method, "args": nonNil(args)})
}

// MustCall invokes a method, requires success (no call error), and decodes the return value.
func (h *Host) MustCall(p Path, method string, args ...V) any {
	h.t.Helper()
	r := h.Invoke(p, method, args...)
	if !r.OK {
		h.t.Fatalf("%s: %s %s: %s", h.name, p, method, r.Err)
	}
	if r.CallError != nil && r.CallError.Error != 0 {
		h.t.Fatalf("%s: %s %s: call error %+v", h.name, p, method, *r.CallError)
	}
	v, err := Decode(r.Ret)
	if err != nil {
		h.t.Fatalf("%s: %s %s: %v", h.name, p, method, err)
	}
	h.collect(r.Events)
	return v
}

// Balanced calls twice and requires the second call to leave the host's
// Variant accounting unchanged (the first call may warm caches).
func (h *Host) Balanced(p Path, method string, args ...V) Response {
	h.t.Helper()
	h.Invoke(p, method, args...)
	r := h.Do(map[string]any{"op": string(p), "method": method, "args": nonNil(args), "check_balance": true})
	if len(r.Leaks) != 0 {
		h.t.Errorf("%s: %s %s: Variant accounting not balanced: %v", h.name, p, method, r.Leaks)
	}
	return r
}

func (h *Host) collect(evs []Event) {
	for _, e := range evs {
		if e.Event == "signal" {
			h.signals = append(h.signals, e)
		}
	}
}

// TakeSignals returns and forgets the signals collected by MustCall and Pump.
func (h *Host) TakeSignals() []Event {
	s := h.signals
	h.signals = nil
	return s
}

// Pump runs run_callbacks through path and collects the signals it emits.
func (h *Host) Pump(p Path) {
	h.t.Helper()
	h.MustCall(p, "run_callbacks")
}

// Quit deinitializes, and requires a clean exit with no violations.
func (h *Host) Quit() {
	h.t.Helper()
	r := h.Do(map[string]any{"op": "quit"})
	h.quit = true
	exited, exitErr := h.Wait(requestTimeout)
	if !exited {
		h.t.Fatalf("%s: host did not exit after quit", h.name)
	}
	if r.Violations != 0 || len(h.Violations) != 0 || exitErr != nil {
		h.t.Errorf("%s: host reported %d violation(s), exit %v:\n  %s\nstderr:\n%s", h.name, r.Violations, exitErr, strings.Join(h.Violations, "\n  "), h.tail())
	}
}

// QuitExpectViolation deinitializes and requires a failing exit with a violation containing want.
func (h *Host) QuitExpectViolation(want string) {
	h.t.Helper()
	h.Do(map[string]any{"op": "quit"})
	h.quit = true
	_, exitErr := h.Wait(requestTimeout)
	var ee *exec.ExitError
	if !errors.As(exitErr, &ee) || ee.ExitCode() != 1 {
		h.t.Errorf("%s: exit %v, want status 1", h.name, exitErr)
	}
	for _, v := range h.Violations {
		if strings.Contains(v, want) {
			return
		}
	}
	h.t.Errorf("%s: no violation containing %q; got:\n  %s", h.name, want, strings.Join(h.Violations, "\n  "))
}

// Describe runs `minigodot describe` and returns stdout, stderr and the exit error.
func Describe(t testing.TB, o HostOpts) ([]byte, string, error) {
	t.Helper()
	requireHost(t)
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, hostBin, o.args("describe")...)
	cmd.Env = append(os.Environ(), o.Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return out, stderr.String(), err
}

// waitFor pumps (through path) until cond is true or the deadline passes.
func waitFor(t testing.TB, what string, timeout time.Duration, step func(), cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		step()
		time.Sleep(5 * time.Millisecond)
	}
}

// Refs returns the host's live reference counts per kind.
func (h *Host) Refs() map[string]float64 {
	h.t.Helper()
	r := h.Do(map[string]any{"op": "stats"})
	if !r.OK {
		h.t.Fatalf("%s: stats: %s", h.name, r.Err)
	}
	return r.Refs
}
