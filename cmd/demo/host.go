package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// host is one mini-Godot process (build/minigodot run LIB) with the extension
// loaded, driven through its JSON-lines protocol: one request per line on its
// stdin; events ("signal", "log", "violation") and then the response on its
// stdout.
type host struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan []byte // stdout lines, closed when the process closes stdout
	stderr *lockedBuffer
	nextID int
	trace  func(format string, args ...any)
}

// event is an asynchronous protocol line: a signal emission, a log message
// (print_error / print_warning) or a faithfulness violation of the host.
type event struct {
	Kind  string // "signal", "log", "violation"
	Name  string // signal name
	Args  []any  // signal arguments
	Level string // log level
	Text  string // log or violation text
}

// dict is a Godot Dictionary with its insertion order.
type dict struct {
	keys   []any
	values []any
}

func (d *dict) get(key string) any {
	if d == nil {
		return nil
	}
	for i, k := range d.keys {
		if k == key {
			return d.values[i]
		}
	}
	return nil
}

func (d *dict) int(key string) int64 {
	v, _ := d.get(key).(int64)
	return v
}

func (d *dict) str(key string) string {
	v, _ := d.get(key).(string)
	return v
}

func (d *dict) float(key string) float64 {
	v, _ := d.get(key).(float64)
	return v
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startHost starts `hostBin run lib` and waits for its ready event.
func startHost(name, hostBin, lib string, trace func(string, ...any)) (*host, error) {
	cmd := exec.Command(hostBin, "run", lib)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	h := &host{name: name, cmd: cmd, stdin: stdin, lines: make(chan []byte, 256), stderr: &lockedBuffer{}, trace: trace}
	cmd.Stderr = h.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", hostBin, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			h.lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(h.lines)
	}()
	line, err := h.readLine(15 * time.Second)
	if err != nil {
		h.kill()
		return nil, fmt.Errorf("%s: no ready event from the host: %w\n%s", name, err, h.stderr.String())
	}
	var ready struct {
		Event      string `json:"event"`
		Violations int    `json:"violations"`
	}
	if json.Unmarshal(line, &ready) != nil || ready.Event != "ready" {
		h.kill()
		return nil, fmt.Errorf("%s: expected the ready event, got %s", name, line)
	}
	if ready.Violations != 0 {
		h.kill()
		return nil, fmt.Errorf("%s: the host recorded %d ABI violations while loading the extension\n%s", name, ready.Violations, h.stderr.String())
	}
	return h, nil
}

func (h *host) readLine(timeout time.Duration) ([]byte, error) {
	select {
	case line, ok := <-h.lines:
		if !ok {
			return nil, errors.New("the host process closed its output (crashed or exited)")
		}
		return line, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("no answer within %s", timeout)
	}
}

// request sends one request and returns the response fields and the events
// that came before it.
func (h *host) request(req map[string]any) (map[string]json.RawMessage, []event, error) {
	h.nextID++
	req["id"] = h.nextID
	data, err := json.Marshal(req)
	if err != nil {
		return nil, nil, err
	}
	h.trace("%s <- %s", h.name, data)
	if _, err := h.stdin.Write(append(data, '\n')); err != nil {
		return nil, nil, fmt.Errorf("%s: write request: %w", h.name, err)
	}
	var events []event
	for {
		line, err := h.readLine(20 * time.Second)
		if err != nil {
			return nil, events, fmt.Errorf("%s: %v (request %s)", h.name, err, data)
		}
		h.trace("%s -> %s", h.name, line)
		var msg map[string]json.RawMessage
		if err := json.Unmarshal(line, &msg); err != nil {
			return nil, events, fmt.Errorf("%s: bad protocol line %q: %v", h.name, line, err)
		}
		if raw, ok := msg["event"]; ok {
			ev, err := decodeEvent(raw, msg)
			if err != nil {
				return nil, events, fmt.Errorf("%s: %v in %s", h.name, err, line)
			}
			events = append(events, ev)
			continue
		}
		var id int
		if json.Unmarshal(msg["id"], &id) != nil || id != h.nextID {
			return nil, events, fmt.Errorf("%s: response %s does not answer request %d", h.name, line, h.nextID)
		}
		var ok bool
		_ = json.Unmarshal(msg["ok"], &ok)
		if !ok {
			var e string
			_ = json.Unmarshal(msg["error"], &e)
			return msg, events, fmt.Errorf("%s: request %s failed: %s", h.name, data, e)
		}
		return msg, events, nil
	}
}

// call calls a method of the Steam singleton through Godot's call path and
// returns its return value, failing on a call error.
func (h *host) call(method string, args ...any) (any, []event, error) {
	encoded := make([]any, len(args))
	for i, a := range args {
		encoded[i] = encode(a)
	}
	msg, events, err := h.request(map[string]any{"op": "call", "object": "Steam", "method": method, "args": encoded})
	if err != nil {
		return nil, events, err
	}
	var ce struct {
		Error int `json:"error"`
	}
	if raw, ok := msg["call_error"]; ok {
		_ = json.Unmarshal(raw, &ce)
	}
	if ce.Error != 0 {
		return nil, events, fmt.Errorf("%s: Steam.%s: call error %s", h.name, method, msg["call_error"])
	}
	ret, err := decode(msg["ret"])
	if err != nil {
		return nil, events, fmt.Errorf("%s: Steam.%s return value: %v", h.name, method, err)
	}
	return ret, events, nil
}

// pump calls Steam.run_callbacks() and returns the signals and logs it produced.
func (h *host) pump() ([]event, error) {
	_, events, err := h.request(map[string]any{"op": "pump"})
	return events, err
}

// quit deinitialises the extension and waits for the process; it returns an
// error if the host recorded violations or exited with a non-zero status.
func (h *host) quit() error {
	msg, _, err := h.request(map[string]any{"op": "quit"})
	if err != nil {
		h.kill()
		return err
	}
	var violations int
	_ = json.Unmarshal(msg["violations"], &violations)
	_ = h.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- h.cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		h.kill()
		return fmt.Errorf("%s: the host did not exit after quit", h.name)
	}
	if violations != 0 {
		return fmt.Errorf("%s: the host recorded %d ABI violations", h.name, violations)
	}
	if err != nil {
		return fmt.Errorf("%s: host exit: %v", h.name, err)
	}
	return nil
}

func (h *host) kill() {
	if h.cmd.Process != nil {
		_ = h.cmd.Process.Kill()
		_, _ = h.cmd.Process.Wait()
	}
}

// encode turns a Go value into the protocol's typed value.
func encode(v any) map[string]any {
	switch x := v.(type) {
	case nil:
		return map[string]any{"t": "nil"}
	case bool:
		return map[string]any{"t": "bool", "v": x}
	case int:
		return map[string]any{"t": "int", "v": strconv.Itoa(x)}
	case int64:
		return map[string]any{"t": "int", "v": strconv.FormatInt(x, 10)}
	case float64:
		return map[string]any{"t": "float", "v": x}
	case string:
		return map[string]any{"t": "string", "v": x}
	case []byte:
		return map[string]any{"t": "bytes", "v": hex.EncodeToString(x)}
	case *dict:
		pairs := []any{}
		if x != nil {
			for i := range x.keys {
				pairs = append(pairs, []any{encode(x.keys[i]), encode(x.values[i])})
			}
		}
		return map[string]any{"t": "dict", "v": pairs}
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = encode(e)
		}
		return map[string]any{"t": "array", "v": items}
	}
	panic(fmt.Sprintf("demo: cannot encode %T", v))
}

// decode turns a protocol typed value into Go: int64, float64, bool, string,
// []byte, *dict, []any, []int32 or nil.
func decode(raw json.RawMessage) (any, error) {
	var tv struct {
		T string          `json:"t"`
		V json.RawMessage `json:"v"`
	}
	if err := json.Unmarshal(raw, &tv); err != nil {
		return nil, err
	}
	switch tv.T {
	case "nil":
		return nil, nil
	case "bool":
		var b bool
		return b, json.Unmarshal(tv.V, &b)
	case "int":
		var s string
		if err := json.Unmarshal(tv.V, &s); err != nil {
			return nil, err
		}
		return strconv.ParseInt(s, 10, 64)
	case "float":
		var f float64
		if json.Unmarshal(tv.V, &f) == nil {
			return f, nil
		}
		var s string
		if err := json.Unmarshal(tv.V, &s); err != nil {
			return nil, err
		}
		switch s {
		case "nan":
			return math.NaN(), nil
		case "inf":
			return math.Inf(1), nil
		case "-inf":
			return math.Inf(-1), nil
		}
		return nil, fmt.Errorf("bad float %q", s)
	case "string", "string_name", "node_path":
		var s string
		return s, json.Unmarshal(tv.V, &s)
	case "bytes":
		var s string
		if err := json.Unmarshal(tv.V, &s); err != nil {
			return nil, err
		}
		return hex.DecodeString(s)
	case "dict":
		var pairs [][2]json.RawMessage
		if err := json.Unmarshal(tv.V, &pairs); err != nil {
			return nil, err
		}
		d := &dict{}
		for _, p := range pairs {
			k, err := decode(p[0])
			if err != nil {
				return nil, err
			}
			v, err := decode(p[1])
			if err != nil {
				return nil, err
			}
			d.keys = append(d.keys, k)
			d.values = append(d.values, v)
		}
		return d, nil
	case "array":
		var items []json.RawMessage
		if err := json.Unmarshal(tv.V, &items); err != nil {
			return nil, err
		}
		out := make([]any, len(items))
		for i, it := range items {
			v, err := decode(it)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case "int32s":
		var items []json.RawMessage
		if err := json.Unmarshal(tv.V, &items); err != nil {
			return nil, err
		}
		out := make([]int32, len(items))
		for i, it := range items {
			var n json.Number
			if err := json.Unmarshal(it, &n); err != nil {
				var s string
				if err := json.Unmarshal(it, &s); err != nil {
					return nil, err
				}
				n = json.Number(s)
			}
			v, err := strconv.ParseInt(string(n), 10, 32)
			if err != nil {
				return nil, err
			}
			out[i] = int32(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown value type %q", tv.T)
}

func decodeEvent(kindRaw json.RawMessage, msg map[string]json.RawMessage) (event, error) {
	var ev event
	if err := json.Unmarshal(kindRaw, &ev.Kind); err != nil {
		return ev, err
	}
	switch ev.Kind {
	case "signal":
		_ = json.Unmarshal(msg["name"], &ev.Name)
		var args []json.RawMessage
		if err := json.Unmarshal(msg["args"], &args); err != nil {
			return ev, fmt.Errorf("signal args: %v", err)
		}
		for _, a := range args {
			v, err := decode(a)
			if err != nil {
				return ev, fmt.Errorf("signal arg: %v", err)
			}
			ev.Args = append(ev.Args, v)
		}
	case "log":
		_ = json.Unmarshal(msg["level"], &ev.Level)
		_ = json.Unmarshal(msg["text"], &ev.Text)
	case "violation":
		_ = json.Unmarshal(msg["text"], &ev.Text)
	}
	return ev, nil
}
