package bindings

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"sync"

	"godotsteam-sockets/engine"
)

// Steam is one instance of the class (the singleton, or one made by
// ClassDB.instantiate). All instances share one engine.
type Steam struct {
	host Host

	mu     sync.Mutex
	closed bool
}

// shared is the state every instance shares: one engine, started lazily by
// the first call that needs it and closed when the last instance closes
// (or by steamShutdown; the next call then starts a fresh one).
var shared struct {
	mu        sync.Mutex
	instances int
	eng       *engine.Sockets
	// identity is the local identity adopted by resetIdentity; nil means
	// "take STEAM_ID from the environment when the engine starts".
	identity *engine.Identity
	appID    uint32
	// initialised is true between steamInit/steamInitEx and steamShutdown.
	initialised bool
	// pending holds events taken from the engine and not emitted yet; the
	// drain pops them one at a time so that nested run_callbacks calls
	// (from signal handlers) keep the order.
	pending []engine.Event
	// p2p is the rendezvous login and embedded service (p2p.go).
	p2p p2pShared
}

// New creates an instance bound to a host.
func New(host Host) *Steam {
	shared.mu.Lock()
	shared.instances++
	shared.mu.Unlock()
	s := &Steam{host: host}
	addLive(s)
	return s
}

// Close releases this instance; the engine shuts down with the last one, and
// every shared setting (identity, app id, init state) is forgotten.
func (s *Steam) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	removeLive(s)

	shared.mu.Lock()
	last := shared.instances == 1
	shared.mu.Unlock()
	if last {
		stopP2P(true)
	}
	shared.mu.Lock()
	shared.instances--
	var eng *engine.Sockets
	if shared.instances == 0 {
		eng = shared.eng
		shared.eng = nil
		shared.identity = nil
		shared.appID = 0
		shared.initialised = false
		shared.pending = nil
	}
	shared.mu.Unlock()
	if eng != nil {
		eng.Close()
	}
}

// Call invokes method Class().Methods[method] with arguments in the value
// model. It handles everything Godot's call path needs: argument count
// (too many / too few), trailing defaults, type checks following
// Variant::can_convert_strict, conversion. The ptrcall path uses the same
// function with exactly typed, complete arguments. ret is nil for void.
// Calls may re-enter (a signal handler run from run_callbacks may call back).
func (s *Steam) Call(method int, rawArgs []any) (ret any, cerr CallError) {
	defer func() {
		if p := recover(); p != nil {
			name := "?"
			if method >= 0 && method < len(methodTable) {
				name = methodTable[method].Name
			}
			s.errorf("Steam.%s: internal error (please report it): %v\n%s", name, p, debug.Stack())
			ret, cerr = nil, CallError{Error: CallInvalidMethod}
		}
	}()
	if method < 0 || method >= len(methodTable) {
		s.errorf("Steam: no method with index %d (the class has %d methods)", method, len(methodTable))
		return nil, CallError{Error: CallInvalidMethod}
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	m := &methodTable[method]
	if closed {
		s.errorf("Steam.%s: this Steam instance was already freed", m.Name)
		return nil, CallError{Error: CallInvalidMethod}
	}
	a, cerr := prepareArgs(&m.Method, rawArgs)
	if cerr.Error != CallOK {
		return nil, cerr
	}
	return m.impl(s, a), CallError{}
}

// CallByName is Call with a method name; for tests and Go users.
func (s *Steam) CallByName(name string, rawArgs ...any) (any, CallError) {
	i := MethodIndex(name)
	if i < 0 {
		s.errorf("Steam: no method named %q", name)
		return nil, CallError{Error: CallInvalidMethod}
	}
	return s.Call(i, rawArgs)
}

func (s *Steam) errorf(format string, a ...any) {
	if s.host != nil {
		s.host.PrintError(fmt.Sprintf(format, a...))
	}
}

func (s *Steam) warnf(format string, a ...any) {
	if s.host != nil {
		s.host.PrintWarning(fmt.Sprintf(format, a...))
	}
}

// sockets returns the shared engine, starting it if needed. The local
// identity is the one set by resetIdentity, else a SteamID from the STEAM_ID
// environment variable, else the anonymous identity.
func (s *Steam) sockets() *engine.Sockets {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.eng != nil {
		return shared.eng
	}
	var id engine.Identity
	if shared.identity != nil {
		id = *shared.identity
	} else if env, ok := os.LookupEnv("STEAM_ID"); ok && env != "" {
		v, err := strconv.ParseUint(env, 10, 64)
		switch {
		case err != nil:
			s.warnf("Steam: ignoring STEAM_ID=%q: it must be a decimal 64-bit Steam ID (e.g. 76561198000000000)", env)
		case v != 0:
			id = steamIdentity(v)
		}
	}
	shared.eng = engine.NewSockets(engine.Options{Identity: id, AppID: shared.appID})
	return shared.eng
}

// runningSockets returns the engine only if it is already running (queries
// that have nothing to report without one do not start it).
func runningSockets() *engine.Sockets {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.eng
}

// shutdownEngine closes the shared engine (steamShutdown). Pending events
// are dropped with it.
func shutdownEngine() {
	stopP2P(false)
	shared.mu.Lock()
	eng := shared.eng
	shared.eng = nil
	shared.pending = nil
	shared.initialised = false
	shared.mu.Unlock()
	if eng != nil {
		eng.Close()
	}
}

func steamIdentity(id uint64) engine.Identity {
	return engine.Identity{Type: engine.IdentitySteamID, SteamID: id}
}
