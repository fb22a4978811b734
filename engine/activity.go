package engine

import (
	"sync"
	"sync/atomic"
	"time"
)

// activity lets an application goroutine sleep until the engine has queued
// a message or an event for it, instead of polling with sleeps.
//
// The network side calls signal for every queued message or event: one
// atomic load when nothing changed since the last wait, plus a store when
// something did, and a lock only while someone is actually waiting. The
// pending flag remembers a signal that arrived while nobody waited, so a
// message queued between the application's last receive and its next
// WaitForActivity is never missed (the wait returns at once; a spurious
// wake-up is possible, a lost one is not).
type activity struct {
	pending atomic.Bool  // something was queued since the last wait returned
	waiters atomic.Int32 // goroutines inside wait
	mu      sync.Mutex
	wake    []chan struct{} // one buffered channel per blocked waiter
}

// signal records that a message or event may be available and wakes the
// waiters. Safe with any engine lock held: it only takes its own leaf lock.
func (a *activity) signal() {
	if !a.pending.Load() {
		a.pending.Store(true)
	}
	if a.waiters.Load() == 0 {
		return
	}
	a.mu.Lock()
	for i, ch := range a.wake {
		select {
		case ch <- struct{}{}:
		default:
		}
		a.wake[i] = nil
	}
	a.wake = a.wake[:0]
	a.mu.Unlock()
}

// Waiters' channels and timers are pooled so that sleeping and waking
// allocates nothing in the steady state.
var (
	wakePool  = sync.Pool{New: func() any { return make(chan struct{}, 1) }}
	timerPool = sync.Pool{New: func() any {
		t := time.NewTimer(time.Hour)
		t.Stop()
		return t
	}}
)

// wait blocks until signal is called (or was called since the last wait
// returned), stop is closed, or timeout passes. It reports whether there
// was activity.
func (a *activity) wait(timeout time.Duration, stop <-chan struct{}) bool {
	if a.pending.Swap(false) {
		return true
	}
	if timeout <= 0 {
		return false
	}
	select {
	case <-stop:
		return false
	default:
	}
	ch := wakePool.Get().(chan struct{})
	a.waiters.Add(1)
	a.mu.Lock()
	a.wake = append(a.wake, ch)
	a.mu.Unlock()
	defer a.release(ch)
	// Re-check after registering: a signal that ran before it could see
	// us has set pending; one that runs after will find ch in the list.
	if a.pending.Swap(false) {
		return true
	}
	t := timerPool.Get().(*time.Timer)
	t.Reset(timeout)
	defer func() {
		t.Stop() // Go ≥1.23: no stale tick survives Stop, so the timer is reusable
		timerPool.Put(t)
	}()
	select {
	case <-ch:
		a.pending.Store(false)
		return true
	case <-stop:
		return false
	case <-t.C:
		return a.pending.Swap(false)
	}
}

// release unregisters a waiter's channel, empties it and pools it.
func (a *activity) release(ch chan struct{}) {
	a.mu.Lock()
	for i, c := range a.wake {
		if c == ch {
			last := len(a.wake) - 1
			a.wake[i] = a.wake[last]
			a.wake[last] = nil
			a.wake = a.wake[:last]
			break
		}
	}
	a.mu.Unlock()
	a.waiters.Add(-1)
	select {
	case <-ch:
	default:
	}
	wakePool.Put(ch)
}

// WaitForActivity blocks until a message or an event may be available
// (ReceiveMessagesOn*, PollEvents) or timeout passes, and reports whether
// anything was queued. It remembers activity since it last returned, so
// the loop "receive everything; WaitForActivity" never sleeps through a
// message; it may wake when the new item was already taken. Safe from any
// goroutine, any number at once; no goroutine and no allocation per call.
// Several goroutines waiting on one Sockets share the "since it last
// returned" memory: one may take a wake-up another was about to need, so
// such waiters should use short timeouts. After Close it returns false at
// once. timeout <= 0 only reports pending activity.
func (s *Sockets) WaitForActivity(timeout time.Duration) bool {
	return s.impl.act.wait(timeout, s.impl.timers.stop)
}
