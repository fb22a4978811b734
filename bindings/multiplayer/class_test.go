package multiplayer

import (
	"strings"
	"sync"
	"testing"

	"godotsteam-sockets/bindings"
)

type fakeHost struct {
	mu      sync.Mutex
	errors  []string
	signals []string
}

func (h *fakeHost) EmitSignal(name string, _ []any) {
	h.mu.Lock()
	h.signals = append(h.signals, name)
	h.mu.Unlock()
}
func (h *fakeHost) PrintError(msg string) {
	h.mu.Lock()
	h.errors = append(h.errors, msg)
	h.mu.Unlock()
}
func (h *fakeHost) PrintWarning(msg string) { h.PrintError(msg) }
func (h *fakeHost) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.errors
	h.errors = nil
	return e
}

func methodIndex(t *testing.T, name string) int {
	t.Helper()
	for i, m := range Class().Methods {
		if m.Name == name {
			return i
		}
	}
	t.Fatalf("no method %s", name)
	return -1
}

func TestClassDescription(t *testing.T) {
	ci := Class()
	if ci.Name != "SteamMultiplayerPeer" || ci.Parent != "MultiplayerPeerExtension" || len(ci.Signals) != 0 {
		t.Fatalf("class %s(%s) signals %v", ci.Name, ci.Parent, ci.Signals)
	}
	want := map[string]int{"create_host_ip": 2, "create_client_ip": 3, "create_host": 2, "create_client": 3, "get_listen_port": 0}
	for _, m := range ci.Methods {
		n, ok := want[m.Name]
		if !ok || len(m.Args) != n || !m.HasReturn || m.Return != bindings.TypeInt {
			t.Errorf("method %s: %d args, return %v", m.Name, len(m.Args), m.Return)
		}
		if n > 0 && (!m.Args[n-1].HasDefault || m.Args[n-1].Type != bindings.TypeDictionary) {
			t.Errorf("method %s: options must default to {}", m.Name)
		}
		delete(want, m.Name)
	}
	if len(want) != 0 {
		t.Errorf("missing methods %v", want)
	}
}

func noServiceEnv(t *testing.T) {
	for _, k := range []string{bindings.EnvRendezvous, bindings.EnvRendezvousToken, bindings.EnvRelayOnly, bindings.EnvCAKey} {
		t.Setenv(k, "")
	}
}

func TestObjectCallArgumentsAndErrors(t *testing.T) {
	noServiceEnv(t)
	fh := &fakeHost{}
	o := NewObject(fh)
	defer o.Close()
	host, client, cHost, cPeer := methodIndex(t, "create_host_ip"), methodIndex(t, "create_client_ip"),
		methodIndex(t, "create_host"), methodIndex(t, "create_client")

	cases := []struct {
		name   string
		method int
		args   []any
		cerr   bindings.CallErrorType
		code   int64
		errSub string
	}{
		{"too few", host, nil, bindings.CallTooFewArguments, 0, ""},
		{"too many", host, []any{int64(1), bindings.NewDictionary(), int64(3)}, bindings.CallTooManyArguments, 0, ""},
		{"wrong type", client, []any{int64(1), int64(2)}, bindings.CallInvalidArgument, 0, ""},
		{"port range", host, []any{int64(70000)}, bindings.CallOK, ErrInvalidParameter, "out of range"},
		{"client port 0", client, []any{"127.0.0.1", int64(0)}, bindings.CallOK, ErrInvalidParameter, "out of range"},
		{"host name", client, []any{"example.com", int64(5)}, bindings.CallOK, ErrInvalidParameter, "not an IP address"},
		{"bad option", host, []any{int64(0), dict("x", int64(1))}, bindings.CallOK, ErrInvalidParameter, "config_options key"},
		{"p2p host", cHost, []any{int64(0)}, bindings.CallOK, ErrUnavailable, "P2P is not available: no rendezvous service configured"},
		{"p2p client", cPeer, []any{int64(76561198000000000), int64(0)}, bindings.CallOK, ErrUnavailable, "P2P is not available"},
		{"p2p bad id", cPeer, []any{int64(5), int64(0)}, bindings.CallOK, ErrInvalidParameter, "not a valid Steam ID"},
		{"p2p port", cHost, []any{int64(70000)}, bindings.CallOK, ErrInvalidParameter, "out of range"},
	}
	for _, c := range cases {
		ret, cerr := o.Call(c.method, c.args)
		if cerr.Error != c.cerr {
			t.Errorf("%s: call error %+v, want %d", c.name, cerr, c.cerr)
			continue
		}
		errs := fh.take()
		if c.cerr != bindings.CallOK {
			continue
		}
		if ret != c.code {
			t.Errorf("%s: returned %v, want %d", c.name, ret, c.code)
		}
		if len(errs) != 1 || !strings.Contains(errs[0], c.errSub) || !strings.HasPrefix(errs[0], "SteamMultiplayerPeer.") {
			t.Errorf("%s: errors %q, want one containing %q", c.name, errs, c.errSub)
		}
	}
	if _, cerr := o.Call(99, nil); cerr.Error != bindings.CallInvalidMethod {
		t.Errorf("unknown method: %+v", cerr)
	}

	// A working host, then hosting twice is ERR_ALREADY_IN_USE until close.
	if ret, _ := o.Call(host, []any{int64(0)}); ret != int64(OK) {
		t.Fatalf("create_host_ip(0): %v %q", ret, fh.take())
	}
	port, _ := o.Call(methodIndex(t, "get_listen_port"), nil)
	if p, _ := port.(int64); p <= 0 {
		t.Fatalf("get_listen_port %v", port)
	}
	if ret, _ := o.Call(host, []any{int64(0)}); ret != int64(ErrAlreadyInUse) {
		t.Fatalf("second host: %v", ret)
	}
	fh.take()
	closeV := mustVirtual(t, "_close")
	o.CallVirtual(closeV, nil, nil)
	o.CallVirtual(closeV, nil, nil)
	if ret, _ := o.Call(host, []any{int64(0)}); ret != int64(OK) {
		t.Fatalf("host again after close: %v %q", ret, fh.take())
	}

	// After free_instance every call fails cleanly.
	o.Close()
	if ret, cerr := o.Call(host, []any{int64(0)}); cerr.Error != bindings.CallOK || ret != int64(ErrUnavailable) {
		t.Fatalf("after Close: %v %+v", ret, cerr)
	}
	if errs := fh.take(); len(errs) != 1 || !strings.Contains(errs[0], "already freed") {
		t.Fatalf("after Close errors %q", errs)
	}
}

func dict(kv ...any) *bindings.Dictionary {
	d := bindings.NewDictionary()
	for i := 0; i+1 < len(kv); i += 2 {
		d.Set(kv[i], kv[i+1])
	}
	return d
}

func mustVirtual(t *testing.T, name string) int {
	t.Helper()
	i, ok := LookupVirtual(name, 0)
	if !ok {
		t.Fatalf("no virtual %s", name)
	}
	return i
}

func TestPutPacketErrorsReportedOncePerInterval(t *testing.T) {
	fh := &fakeHost{}
	o := NewObject(fh)
	defer o.Close()
	put := mustVirtual(t, "_put_packet_script")
	for i := 0; i < 5; i++ {
		if ret := o.CallVirtual(put, []any{[]byte("x")}, nil); ret != int64(ErrUnconfigured) {
			t.Fatalf("put while disconnected: %v", ret)
		}
	}
	errs := fh.take()
	if len(errs) != 1 || !strings.Contains(errs[0], "not connected") {
		t.Fatalf("errors %q: want exactly one report", errs)
	}
	if ret := o.CallVirtual(put, nil, nil); ret != nil {
		t.Fatalf("put without args: %v", ret)
	}
}

func TestPutToPeerThatLeftIsNotAnError(t *testing.T) {
	h, port := startHost(t)
	c := connect(t, h, port)
	id := c.p.UniqueID()
	c.p.Close()
	// Until the host polls the close, the peer is still listed: sending to
	// it must not fail (ENet drops such packets too).
	h.p.SetTargetPeer(id)
	pumpUntil(t, "host sees the close", func() bool {
		if err := h.p.PutPacket([]byte("late")); err != nil {
			t.Fatalf("put to a leaving peer: %v", err)
		}
		h.events = append(h.events, h.p.Poll()...)
		return countEvents(h.events, false, id) == 1
	})
}

func TestPutToDisconnectedPeerBeforePollIsDropped(t *testing.T) {
	h, port := startHost(t)
	c := connect(t, h, port)
	id := c.p.UniqueID()
	h.p.DisconnectPeer(id, false)
	// SceneMultiplayer learns of the disconnection from the next poll's
	// peer_disconnected; until then it may still target the peer.
	h.p.SetTargetPeer(id)
	if err := h.p.PutPacket([]byte("sync")); err != nil {
		t.Fatalf("put to a peer awaiting its peer_disconnected: %v", err)
	}
	if ev := h.p.Poll(); countEvents(ev, false, id) != 1 {
		t.Fatalf("poll after disconnect_peer: %v", ev)
	}
	if err := h.p.PutPacket([]byte("late")); Code(err) != ErrInvalidParameter {
		t.Fatalf("put after peer_disconnected was reported: %v, want ERR_INVALID_PARAMETER", err)
	}
}
