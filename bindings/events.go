package bindings

import (
	"godotsteam-sockets/engine"
)

// CallbackEmbedder is optionally implemented by a Host that can call
// run_callbacks once per frame by itself (GodotSteam's embed_callbacks:
// connected to SceneTree.process_frame). steamInit(..., embed_callbacks =
// true) calls EmbedCallbacks(true); steamShutdown calls EmbedCallbacks(false).
// It returns false if the host could not do it.
type CallbackEmbedder interface {
	EmbedCallbacks(enable bool) bool
}

// live lists the instances that receive signals. Like Steam's callback
// listeners, every live instance emits every event, whichever instance ran
// the callbacks.
var live struct {
	list []*Steam
}

func addLive(s *Steam) {
	shared.mu.Lock()
	live.list = append(live.list, s)
	shared.mu.Unlock()
}

func removeLive(s *Steam) {
	shared.mu.Lock()
	for i, x := range live.list {
		if x == s {
			live.list = append(live.list[:i:i], live.list[i+1:]...)
			break
		}
	}
	shared.mu.Unlock()
}

// drainEvents emits, on the calling goroutine, every event the engine has
// queued, in order, to every live instance. No lock is held while a signal
// is emitted, so handlers may call back into the binding, including
// run_callbacks itself: the nested drain simply continues with the next
// event, keeping the overall order.
func drainEvents() {
	shared.mu.Lock()
	if shared.eng != nil {
		shared.pending = shared.eng.PollEvents(shared.pending)
		routeClaimsLocked() // events of SteamMultiplayerPeer's P2P connections (p2p_share.go)
	}
	shared.mu.Unlock()
	for {
		shared.mu.Lock()
		if len(shared.pending) == 0 {
			shared.pending = nil
			shared.mu.Unlock()
			return
		}
		ev := shared.pending[0]
		shared.pending[0] = nil
		shared.pending = shared.pending[1:]
		receivers := append([]*Steam(nil), live.list...)
		shared.mu.Unlock()

		name, sigArgs, ok := signalFor(ev)
		if !ok {
			continue
		}
		for _, r := range receivers {
			r.emit(name, sigArgs)
		}
	}
}

// emit sends one signal to this instance's host, unless it was closed
// meanwhile. Each receiver gets its own copy of container arguments.
func (s *Steam) emit(name string, sigArgs []any) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed || s.host == nil {
		return
	}
	s.host.EmitSignal(name, cloneArgs(sigArgs))
}

func cloneArgs(a []any) []any {
	out := make([]any, len(a))
	for i, v := range a {
		out[i] = cloneValue(v)
	}
	return out
}

// cloneValue deep-copies containers so that no two receivers share one.
func cloneValue(v any) any {
	switch x := v.(type) {
	case *Dictionary:
		d := &Dictionary{Keys: make([]any, len(x.Keys)), Values: make([]any, len(x.Values))}
		for i := range x.Keys {
			d.Keys[i] = cloneValue(x.Keys[i])
			d.Values[i] = cloneValue(x.Values[i])
		}
		return d
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case []byte:
		return append([]byte{}, x...)
	case []int32:
		return append([]int32{}, x...)
	}
	return v
}

// maxAuthDebugLen is the longest debug text of network_authentication_status
// (GodotSteam copies it through a 256-byte buffer).
const maxAuthDebugLen = 255

// signalFor converts one engine event to a signal name and its arguments,
// exactly as api.json declares them.
func signalFor(ev engine.Event) (string, []any, bool) {
	switch e := ev.(type) {
	case *engine.ConnectionStatusChanged:
		if e == nil {
			return "", nil, false
		}
		return signalConnectionStatusChanged, []any{
			int64(e.Conn),
			connectionInfoDict(&e.Info, false),
			apiState(e.OldState),
		}, true
	case *engine.AuthenticationStatus:
		if e == nil {
			return "", nil, false
		}
		return signalAuthenticationStatus, []any{
			int64(e.Available),
			truncateUTF8(e.Debug, maxAuthDebugLen),
		}, true
	case *engine.FakeIPResult:
		if e == nil {
			return "", nil, false
		}
		ports := make([]any, len(e.Ports))
		for i, p := range e.Ports {
			ports[i] = int64(p)
		}
		return signalFakeIPResult, []any{
			int64(e.Result),
			steamID64(e.Identity),
			formatIPv4(e.IP),
			ports,
		}, true
	}
	return "", nil, false
}
