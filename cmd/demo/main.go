// Command demo runs the headless chat demo that `make` ends with: three
// mini-Godot processes (build/minigodot), each with the extension loaded
// through the real GDExtension C ABI, play a chat server and two clients
// that talk over encrypted UDP on loopback, exactly as three Godot games
// would through the Steam singleton:
//
//   - the server calls createListenSocketIP, accepts each connection from
//     network_connection_status_changed, puts it in a poll group and relays
//     every chat line to the other clients (newcomers get the recent history);
//   - each client calls connectByIPAddress, sends "/nick NAME" once
//     connected, then its lines, and reacts to what it receives;
//   - every process pumps Steam.run_callbacks() each "frame".
//
// It prints what the Godot consoles would show and exits 0 when the scripted
// conversation completed and every process shut down cleanly, non-zero with a
// message saying what went wrong otherwise.
//
//	go run ./cmd/demo --lib godot_project/bin/libgodotsteam_sockets.linux.x86_64.so --host build/minigodot [-v]
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	lib := flag.String("lib", "godot_project/bin/libgodotsteam_sockets.linux.x86_64.so", "the extension library to load")
	hostBin := flag.String("host", "build/minigodot", "the mini-Godot host binary")
	timeout := flag.Duration("timeout", 30*time.Second, "give up after this long")
	verbose := flag.Bool("v", false, "also print every protocol line")
	flag.Parse()

	for _, f := range []struct{ path, hint string }{
		{*lib, "build it with 'make lib'"},
		{*hostBin, "build it with 'make host' (needs libcjson-dev)"},
	} {
		if _, err := os.Stat(f.path); err != nil {
			fail(fmt.Errorf("%s is missing: %s", f.path, f.hint))
		}
	}

	trace := func(string, ...any) {}
	if *verbose {
		trace = func(format string, args ...any) { fmt.Printf("    "+format+"\n", args...) }
	}
	d := &demo{lib: *lib, hostBin: *hostBin, trace: trace, deadline: time.Now().Add(*timeout)}
	if err := d.runAndShutdown(); err != nil {
		d.dumpStderr()
		fail(err)
	}
	fmt.Println()
	fmt.Println("demo: OK - a server and two clients chatted over encrypted UDP through the Steam singleton of the extension")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "demo: FAILED:", err)
	os.Exit(1)
}

// Constants of the Steam class this demo uses (the values GDScript sees as Steam.*).
const (
	stateNone                   = 0
	stateConnecting             = 1
	stateFindingRoute           = 2
	stateConnected              = 3
	stateClosedByPeer           = 4
	stateProblemDetectedLocally = 5

	resultOK                  = 1
	sendReliable              = 8
	connectionEndAppMin       = 1000
	infoFlagUnencrypted       = 2
	configTimeoutInitial      = 24
	maxMessagesPerReceiveCall = 64
	pollInterval              = 5 * time.Millisecond
	signalConnectionKeys      = 10
)

var stateNames = map[int64]string{
	stateNone: "NONE", stateConnecting: "CONNECTING", stateFindingRoute: "FINDING_ROUTE",
	stateConnected: "CONNECTED", stateClosedByPeer: "CLOSED_BY_PEER", stateProblemDetectedLocally: "PROBLEM_DETECTED_LOCALLY",
}

func stateName(s int64) string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprint(s)
}

// The scripted conversation: who says what, in reaction to which line.
var script = []struct {
	speaker, after, line string
}{
	{"alice", "", "hi, anyone here?"},
	{"bob", "alice: hi, anyone here?", "hello alice! bob here"},
	{"alice", "bob: hello alice! bob here", "this goes over encrypted UDP, no Steam involved"},
	{"bob", "alice: this goes over encrypted UDP, no Steam involved", "nice. bye!"},
}

type demo struct {
	lib, hostBin string
	trace        func(string, ...any)
	deadline     time.Time

	server  *chatServer
	clients []*chatClient
	hosts   []*host
}

func (d *demo) run() error {
	var err error
	d.server, err = d.startServer()
	if err != nil {
		return err
	}
	for _, name := range []string{"alice", "bob"} {
		c, err := d.startClient(name, d.server.address)
		if err != nil {
			return err
		}
		d.clients = append(d.clients, c)
	}

	// The game loop of all three processes: one "frame" pumps callbacks and reads messages.
	for !d.done() {
		if time.Now().After(d.deadline) {
			return d.stuck()
		}
		if err := d.server.frame(); err != nil {
			return err
		}
		for _, c := range d.clients {
			if err := c.frame(); err != nil {
				return err
			}
		}
		time.Sleep(pollInterval)
	}
	if err := d.server.stop(); err != nil {
		return err
	}
	return d.verify()
}

// done: bob said bye and left, alice saw him leave and left, and the server
// saw both go.
func (d *demo) done() bool {
	for _, c := range d.clients {
		if !c.finished {
			return false
		}
	}
	return d.server.departed == len(d.clients)
}

func (d *demo) stuck() error {
	var b strings.Builder
	fmt.Fprintf(&b, "the conversation did not finish in time:")
	for _, c := range d.clients {
		fmt.Fprintf(&b, "\n  %s: state %s, received %q", c.name, stateName(c.state), c.received)
	}
	fmt.Fprintf(&b, "\n  server: %d clients joined, %d left", d.server.joined, d.server.departed)
	return errors.New(b.String())
}

// verify checks what every participant saw against the script.
func (d *demo) verify() error {
	want := map[string][]string{}
	for _, s := range script {
		for _, c := range d.clients {
			if c.name != s.speaker {
				want[c.name] = append(want[c.name], s.speaker+": "+s.line)
			}
		}
	}
	for _, c := range d.clients {
		var chat []string
		for _, l := range c.received {
			if !strings.HasPrefix(l, "* ") {
				chat = append(chat, l)
			}
		}
		if strings.Join(chat, "\n") != strings.Join(want[c.name], "\n") {
			return fmt.Errorf("%s received %q, want %q", c.name, chat, want[c.name])
		}
		if !c.encrypted {
			return fmt.Errorf("%s: the connection reported the UNENCRYPTED info flag", c.name)
		}
	}
	if d.server.relayed != len(script) {
		return fmt.Errorf("the server relayed %d lines, want %d", d.server.relayed, len(script))
	}
	return nil
}

// runAndShutdown runs the conversation, then quits every host: cleanly
// (deinitialising the extension, checking for violations) after a success,
// by killing them after a failure.
func (d *demo) runAndShutdown() error {
	err := d.run()
	for _, h := range d.hosts {
		if err != nil {
			h.kill()
			continue
		}
		if qerr := h.quit(); qerr != nil {
			err = qerr
		}
	}
	return err
}

func (d *demo) dumpStderr() {
	for _, h := range d.hosts {
		out := strings.TrimSpace(h.Stderr())
		if out == "" {
			continue
		}
		lines := strings.Split(out, "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		fmt.Fprintf(os.Stderr, "--- last stderr lines of %s:\n%s\n", h.name, strings.Join(lines, "\n"))
	}
}

func (d *demo) newHost(name string) (*host, error) {
	h, err := startHost(name, d.hostBin, d.lib, d.trace)
	if err != nil {
		return nil, err
	}
	d.hosts = append(d.hosts, h)
	return h, nil
}

// console prints a line as the Godot console of one participant would.
func console(who, format string, args ...any) {
	fmt.Printf("[%-6s] %s\n", who, fmt.Sprintf(format, args...))
}

// handleLogs prints the extension's errors and warnings like Godot does and
// fails on host violations.
func handleLogs(who string, events []event) error {
	for _, ev := range events {
		switch ev.Kind {
		case "log":
			console(who, "%s: %s", strings.ToUpper(ev.Level), ev.Text)
		case "violation":
			return fmt.Errorf("%s: the mini-Godot host caught an ABI violation: %s", who, ev.Text)
		}
	}
	return nil
}

// statusChange is one network_connection_status_changed emission.
type statusChange struct {
	handle   int64
	info     *dict
	oldState int64
	state    int64
}

func statusChanges(who string, events []event) ([]statusChange, error) {
	var out []statusChange
	for _, ev := range events {
		if ev.Kind != "signal" || ev.Name != "network_connection_status_changed" {
			continue
		}
		if len(ev.Args) != 3 {
			return nil, fmt.Errorf("%s: network_connection_status_changed with %d arguments", who, len(ev.Args))
		}
		handle, ok1 := ev.Args[0].(int64)
		info, ok2 := ev.Args[1].(*dict)
		old, ok3 := ev.Args[2].(int64)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("%s: network_connection_status_changed arguments of the wrong types: %#v", who, ev.Args)
		}
		if len(info.Keys) != signalConnectionKeys {
			return nil, fmt.Errorf("%s: the signal's connection Dictionary has %d keys, want %d", who, len(info.Keys), signalConnectionKeys)
		}
		out = append(out, statusChange{handle: handle, info: info, oldState: old, state: info.Int("connection_state")})
	}
	return out, nil
}

func describeEnd(info *dict) string {
	s := fmt.Sprintf("end reason %d", info.Int("end_reason"))
	if dbg := info.Str("end_debug"); dbg != "" {
		s += ": " + dbg
	}
	return s
}

func messagesOf(ret any) ([]*dict, error) {
	arr, ok := ret.([]any)
	if !ok {
		return nil, fmt.Errorf("receive returned %T, want an Array", ret)
	}
	out := make([]*dict, len(arr))
	for i, m := range arr {
		d, ok := m.(*dict)
		if !ok {
			return nil, fmt.Errorf("message %d is %T, want a Dictionary", i, m)
		}
		payload, ok := d.Value("payload").([]byte)
		if !ok || int64(len(payload)) != d.Int("size") {
			return nil, fmt.Errorf("message %d has a bad payload/size: %T, size %d", i, d.Value("payload"), d.Int("size"))
		}
		out[i] = d
	}
	return out, nil
}

func sendText(h *host, conn int64, text string) error {
	ret, events, err := h.call("sendMessageToConnection", conn, []byte(text), sendReliable)
	if err != nil {
		return err
	}
	if err := handleLogs(h.name, events); err != nil {
		return err
	}
	res, _ := ret.(*dict)
	if res.Int("result") != resultOK {
		return fmt.Errorf("%s: sendMessageToConnection(%d, %q) returned result %d", h.name, conn, text, res.Int("result"))
	}
	return nil
}
