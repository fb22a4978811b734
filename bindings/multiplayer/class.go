package multiplayer

import (
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"godotsteam-sockets/bindings"
	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p/ca"
)

// newTransport lends the Steam singleton's P2P-enabled engine (a variable
// so tests can count or replace it).
var newTransport = func(h bindings.Host) (Transport, error) {
	t, err := bindings.NewP2PTransport(h)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ClassName is the class the extension registers; ParentClass is the
// engine class its instances are built on.
const (
	ClassName   = "SteamMultiplayerPeer"
	ParentClass = "MultiplayerPeerExtension"
)

func optionsArg() bindings.Arg {
	return bindings.Arg{Name: "options", Type: bindings.TypeDictionary, HasDefault: true, Default: bindings.NewDictionary()}
}

// methods are SteamMultiplayerPeer's own (non-virtual) methods. All return
// a Godot Error code (int) except get_listen_port.
var methods = []bindings.Method{
	{Name: "create_host_ip", Args: []bindings.Arg{{Name: "port", Type: bindings.TypeInt}, optionsArg()},
		HasReturn: true, Return: bindings.TypeInt},
	{Name: "create_client_ip", Args: []bindings.Arg{{Name: "address", Type: bindings.TypeString},
		{Name: "port", Type: bindings.TypeInt}, optionsArg()}, HasReturn: true, Return: bindings.TypeInt},
	{Name: "create_host", Args: []bindings.Arg{{Name: "virtual_port", Type: bindings.TypeInt}, optionsArg()},
		HasReturn: true, Return: bindings.TypeInt},
	{Name: "create_client", Args: []bindings.Arg{{Name: "identity", Type: bindings.TypeInt},
		{Name: "virtual_port", Type: bindings.TypeInt}, optionsArg()}, HasReturn: true, Return: bindings.TypeInt},
	{Name: "get_listen_port", HasReturn: true, Return: bindings.TypeInt},
}

// Class is the declarative description the extension registers (methods
// only: the signals peer_connected/peer_disconnected are MultiplayerPeer's
// own, and the virtuals are resolved through LookupVirtual).
func Class() *bindings.ClassInfo {
	return &bindings.ClassInfo{Name: ClassName, Parent: ParentClass, Methods: methods}
}

// Object is one SteamMultiplayerPeer instance as the extension sees it: the
// Peer plus the Godot-facing error reporting.
type Object struct {
	Peer *Peer
	host bindings.Host

	mu           sync.Mutex
	lastPutError time.Time
	closed       bool
}

// NewObject returns the state of a new instance; host receives errors
// (push_error) and may be nil in tests.
func NewObject(host bindings.Host) *Object {
	return &Object{Peer: New(), host: host}
}

func (o *Object) errorf(format string, a ...any) {
	if o.host != nil {
		o.host.PrintError(fmt.Sprintf(format, a...))
	}
}

// Call runs method i of Class().Methods with call-path arguments (checked
// and converted like Godot's binders) and returns its result.
func (o *Object) Call(i int, raw []any) (ret any, cerr bindings.CallError) {
	if i < 0 || i >= len(methods) {
		o.errorf("%s: no method with index %d", ClassName, i)
		return nil, bindings.CallError{Error: bindings.CallInvalidMethod}
	}
	m := &methods[i]
	defer func() {
		if p := recover(); p != nil {
			o.errorf("%s.%s: internal error (please report it): %v\n%s", ClassName, m.Name, p, debug.Stack())
			ret, cerr = nil, bindings.CallError{Error: bindings.CallInvalidMethod}
		}
	}()
	a, cerr := bindings.PrepareArgs(m, raw)
	if cerr.Error != bindings.CallOK {
		return nil, cerr
	}
	o.mu.Lock()
	closed := o.closed
	o.mu.Unlock()
	if closed {
		o.errorf("%s.%s: this instance was already freed", ClassName, m.Name)
		return int64(ErrUnavailable), bindings.CallError{}
	}
	switch m.Name {
	case "create_host_ip":
		port := a[0].(int64)
		opts, err := bindings.ConfigOptions(a[1].(*bindings.Dictionary))
		if err != nil {
			return o.fail(m.Name, fail(ErrInvalidParameter, "%v", err))
		}
		if port < 0 || port > 65535 {
			return o.fail(m.Name, fail(ErrInvalidParameter, "port %d out of range 0..65535", port))
		}
		return o.fail(m.Name, o.Peer.CreateHost(int(port), opts))
	case "create_client_ip":
		port := a[1].(int64)
		opts, err := bindings.ConfigOptions(a[2].(*bindings.Dictionary))
		if err != nil {
			return o.fail(m.Name, fail(ErrInvalidParameter, "%v", err))
		}
		if port <= 0 || port > 65535 {
			return o.fail(m.Name, fail(ErrInvalidParameter, "port %d out of range 1..65535", port))
		}
		return o.fail(m.Name, o.Peer.CreateClient(a[0].(string), int(port), opts))
	case "create_host":
		vport := a[0].(int64)
		opts, err := bindings.ConfigOptions(a[1].(*bindings.Dictionary))
		if err != nil {
			return o.fail(m.Name, fail(ErrInvalidParameter, "%v", err))
		}
		if vport < 0 || vport > 65535 {
			return o.fail(m.Name, fail(ErrInvalidParameter, "virtual_port %d out of range 0..65535", vport))
		}
		t, err := newTransport(o.host)
		if err != nil {
			return o.fail(m.Name, fail(ErrUnavailable, "P2P is not available: %v (create_host_ip(port) needs no service)", err))
		}
		return o.fail(m.Name, o.Peer.CreateHostP2P(t, int(vport), opts))
	case "create_client":
		id, vport := uint64(a[0].(int64)), a[1].(int64)
		opts, err := bindings.ConfigOptions(a[2].(*bindings.Dictionary))
		if err != nil {
			return o.fail(m.Name, fail(ErrInvalidParameter, "%v", err))
		}
		if vport < 0 || vport > 65535 {
			return o.fail(m.Name, fail(ErrInvalidParameter, "virtual_port %d out of range 0..65535", vport))
		}
		if !ca.ValidSteamID(id) {
			return o.fail(m.Name, fail(ErrInvalidParameter, "%d is not a valid Steam ID (use the host's Steam.getSteamID())", int64(id)))
		}
		t, err := newTransport(o.host)
		if err != nil {
			return o.fail(m.Name, fail(ErrUnavailable, "P2P is not available: %v (create_client_ip(address, port) needs no service)", err))
		}
		return o.fail(m.Name, o.Peer.CreateClientP2P(t, engine.SteamIDIdentity(id), int(vport), opts))
	case "get_listen_port":
		return int64(o.Peer.ListenPort()), bindings.CallError{}
	}
	return nil, bindings.CallError{Error: bindings.CallInvalidMethod}
}

// fail reports err (if any) and returns its Godot Error code.
func (o *Object) fail(method string, err error) (any, bindings.CallError) {
	if err != nil {
		o.errorf("%s.%s: %v", ClassName, method, trimPrefix(err))
	}
	return int64(Code(err)), bindings.CallError{}
}

func trimPrefix(err error) string {
	const p = ClassName + ": "
	s := err.Error()
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// putErrorInterval limits how often a failing put_packet is reported: a
// synchronizer at 60 Hz into a full buffer would otherwise flood the log.
const putErrorInterval = time.Second

// CallVirtual runs virtual i (see Virtuals) like Dispatch, and reports a
// failing put_packet with its reason, at most once per putErrorInterval.
// The Error code still goes back to Godot every time, so rpc() returns it.
func (o *Object) CallVirtual(i int, args []any, emit func(signal string, id int64)) any {
	if i < 0 || i >= len(Virtuals) || Virtuals[i].Name != "_put_packet_script" || len(args) != 1 {
		return Dispatch(o.Peer, i, args, emit)
	}
	b, _ := args[0].([]byte)
	err := o.Peer.PutPacket(b)
	if err != nil {
		o.mu.Lock()
		report := time.Since(o.lastPutError) >= putErrorInterval
		if report {
			o.lastPutError = time.Now()
		}
		o.mu.Unlock()
		if report {
			o.errorf("%s: put_packet of %d bytes failed: %s", ClassName, len(b), trimPrefix(err))
		}
	}
	return int64(Code(err))
}

// Close frees the instance (free_instance): the peer is closed and every
// later method call fails.
func (o *Object) Close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.Peer.Close()
}
