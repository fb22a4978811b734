package main

import (
	"encoding/json"
	"fmt"
	"time"

	"godotsteam-sockets/internal/hostclient"
)

// host is one mini-Godot process (build/minigodot run LIB) with the extension
// loaded, driven through its JSON-lines protocol (internal/hostclient).
type host struct {
	*hostclient.Process
	name string
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
type dict = hostclient.Dict

// startHost starts `hostBin run lib` and waits for its ready event.
func startHost(name, hostBin, lib string, trace func(string, ...any)) (*host, error) {
	p, err := hostclient.Start(name, hostBin, []string{"run", lib}, nil)
	if err != nil {
		return nil, err
	}
	p.Trace = trace
	h := &host{Process: p, name: name}
	line, err := p.ReadLine(15 * time.Second)
	if err != nil {
		h.kill()
		return nil, fmt.Errorf("%s: no ready event from the host: %w\n%s", name, err, p.Stderr())
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
		return nil, fmt.Errorf("%s: the host recorded %d ABI violations while loading the extension\n%s", name, ready.Violations, p.Stderr())
	}
	return h, nil
}

// request sends one request and returns the response fields and the events
// that came before it.
func (h *host) request(req map[string]any) (map[string]json.RawMessage, []event, error) {
	line, raw, err := h.Request(req, 20*time.Second)
	var events []event
	for _, r := range raw {
		ev, derr := decodeEvent(r)
		if derr != nil {
			return nil, events, fmt.Errorf("%s: %v in event %q", h.name, derr, r.Name)
		}
		events = append(events, ev)
	}
	if err != nil {
		return nil, events, err
	}
	var msg map[string]json.RawMessage
	if err := json.Unmarshal(line, &msg); err != nil {
		return nil, events, fmt.Errorf("%s: bad protocol line %q: %v", h.name, line, err)
	}
	var ok bool
	_ = json.Unmarshal(msg["ok"], &ok)
	if !ok {
		var e string
		_ = json.Unmarshal(msg["error"], &e)
		data, _ := json.Marshal(req)
		return msg, events, fmt.Errorf("%s: request %s failed: %s", h.name, data, e)
	}
	return msg, events, nil
}

// call calls a method of the Steam singleton through Godot's call path and
// returns its return value, failing on a call error.
func (h *host) call(method string, args ...any) (any, []event, error) {
	encoded := make([]any, len(args))
	for i, a := range args {
		encoded[i] = hostclient.Encode(a)
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
	ret, err := hostclient.Decode(msg["ret"])
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
	_ = h.CloseInput()
	exited, err := h.Wait(15 * time.Second)
	if !exited {
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

func (h *host) kill() { h.Kill() }

// decodeEvent turns an event line into an event with decoded signal arguments.
func decodeEvent(r hostclient.Event) (event, error) {
	ev := event{Kind: r.Event, Name: r.Name, Level: r.Level, Text: r.Text}
	if r.Event == "signal" {
		for _, a := range r.Args {
			v, err := hostclient.Decode(a)
			if err != nil {
				return ev, fmt.Errorf("signal arg: %v", err)
			}
			ev.Args = append(ev.Args, v)
		}
	}
	return ev, nil
}
