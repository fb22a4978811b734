package bindings

import (
	"reflect"
	"testing"

	"godotsteam-sockets/engine"
)

// queueEvents puts events where the engine's would go (the drain's queue).
func queueEvents(evs ...engine.Event) {
	shared.mu.Lock()
	shared.pending = append(shared.pending, evs...)
	shared.mu.Unlock()
}

func statusEvent(conn engine.Handle, old, state engine.ConnectionState) *engine.ConnectionStatusChanged {
	info := sampleInfo
	info.State = state
	return &engine.ConnectionStatusChanged{Conn: conn, Info: info, OldState: old}
}

func names(es []emission) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.name
	}
	return out
}

func TestRunCallbacksEmitsInOrderOnEveryInstance(t *testing.T) {
	s, h := newSteam(t)
	other, h2 := newSteam(t)
	for _, method := range []string{"run_callbacks", "runNetworkingCallbacks"} {
		queueEvents(
			statusEvent(11, engine.StateNone, engine.StateConnecting),
			&engine.AuthenticationStatus{Available: 100, Debug: "ok"},
			&engine.FakeIPResult{Result: engine.ResultOK, IP: 0x7f000001},
			statusEvent(11, engine.StateConnecting, engine.StateConnected),
		)
		if got := call(t, s, method); got != nil {
			t.Errorf("%s returned %v", method, got)
		}
		want := []string{"network_connection_status_changed", "network_authentication_status", "fake_ip_result", "network_connection_status_changed"}
		for _, host := range []*fakeHost{h, h2} {
			got := host.takeSignals()
			if !reflect.DeepEqual(names(got), want) {
				t.Fatalf("%s emitted %v, want %v", method, names(got), want)
			}
			if got[0].args[2] != int64(0) || got[3].args[2] != int64(1) ||
				get(t, got[3].args[1].(*Dictionary), "connection_state") != int64(3) {
				t.Errorf("%s: status arguments %v / %v", method, got[0].args, got[3].args)
			}
			if !reflect.DeepEqual(got[1].args, []any{int64(100), "ok"}) || got[2].args[2] != "127.0.0.1" {
				t.Errorf("%s: %v %v", method, got[1].args, got[2].args)
			}
		}
		// Each receiver owns its containers.
		if len(h.signals) == 0 {
			queueEvents(statusEvent(12, engine.StateNone, engine.StateConnecting))
			call(t, other, method)
			a, b := h.takeSignals(), h2.takeSignals()
			a[0].args[1].(*Dictionary).Set("identity", int64(-99))
			if get(t, b[0].args[1].(*Dictionary), "identity") == int64(-99) {
				t.Error("two instances share one Dictionary")
			}
		}
		// Nothing left: a second drain emits nothing.
		call(t, s, method)
		if len(h.takeSignals()) != 0 {
			t.Errorf("%s emitted again with an empty queue", method)
		}
	}
	// A closed instance stops receiving.
	other.Close()
	queueEvents(&engine.AuthenticationStatus{Available: 1})
	call(t, s, "run_callbacks")
	if len(h2.takeSignals()) != 0 || len(h.takeSignals()) != 1 {
		t.Error("a closed instance still received a signal")
	}
}

// A handler that calls back in (including run_callbacks itself) neither
// deadlocks nor reorders: emissions happen with no lock held.
func TestRunCallbacksIsReentrant(t *testing.T) {
	s, h := newSteam(t)
	var seen []int64
	nested := 0
	h.onSignal = func(name string, a []any) {
		seen = append(seen, a[0].(int64))
		call(t, s, "getSteamID")
		call(t, s, "getConnectionInfo", a[0])
		if len(seen) == 1 {
			nested++
			queueEvents(statusEvent(4, engine.StateNone, engine.StateConnecting))
			call(t, s, "run_callbacks")
		}
	}
	queueEvents(
		statusEvent(1, engine.StateNone, engine.StateConnecting),
		statusEvent(2, engine.StateNone, engine.StateConnecting),
		statusEvent(3, engine.StateNone, engine.StateConnecting),
	)
	call(t, s, "run_callbacks")
	if nested != 1 || !reflect.DeepEqual(seen, []int64{1, 2, 3, 4}) {
		t.Errorf("emission order %v (nested %d), want [1 2 3 4]", seen, nested)
	}
}

func TestCloseOfLastInstanceDropsEvents(t *testing.T) {
	s := New(&fakeHost{})
	queueEvents(&engine.AuthenticationStatus{Available: 1})
	s.Close()
	s2, h := newSteam(t)
	call(t, s2, "run_callbacks")
	if len(h.takeSignals()) != 0 {
		t.Error("events of a released engine reached a new instance")
	}
}

func TestUnknownEventsAreSkipped(t *testing.T) {
	s, h := newSteam(t)
	queueEvents(nil, (*engine.FakeIPResult)(nil), &engine.AuthenticationStatus{Available: 2})
	call(t, s, "run_callbacks")
	if got := h.takeSignals(); len(got) != 1 || got[0].name != "network_authentication_status" {
		t.Errorf("got %v", names(got))
	}
}

// Calls from many goroutines at once, with instances coming and going and
// callbacks being pumped, are race-free (run with -race).
func TestConcurrentCalls(t *testing.T) {
	s, _ := newSteam(t)
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			other := New(&fakeHost{})
			defer other.Close()
			for i := 0; i < 100; i++ {
				queueEvents(&engine.AuthenticationStatus{Available: int(i)})
				for _, inst := range []*Steam{s, other} {
					inst.CallByName("run_callbacks")
					inst.CallByName("getSteamID")
					inst.CallByName("getConnectionInfo", int64(i))
					inst.CallByName("sendMessageToConnection", int64(i), []byte("x"), int64(8))
					inst.CallByName("isSteamRunning")
				}
				if g == 1 && i%30 == 0 {
					s.CallByName("createSocketPair", false, int64(1), int64(2))
					s.CallByName("steamShutdown") // closes the engine under the others' feet
				}
				if g == 0 && i%25 == 0 {
					s.CallByName("steamInit")
					s.CallByName("resetIdentity", int64(i))
				}
			}
		}(g)
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
