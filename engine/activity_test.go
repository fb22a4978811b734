package engine

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitAsync runs WaitForActivity on its own goroutine.
func waitAsync(s *Sockets, timeout time.Duration) <-chan bool {
	done := make(chan bool, 1)
	go func() { done <- s.WaitForActivity(timeout) }()
	return done
}

// waitingCount polls until n goroutines are blocked in s's wait.
func waitingCount(t *testing.T, s *Sockets, n int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.impl.act.waiters.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d goroutines entered WaitForActivity", s.impl.act.waiters.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestWaitForActivityTimesOutWithNothingQueued(t *testing.T) {
	n := newNode(t, Options{})
	if n.s.WaitForActivity(0) {
		t.Fatal("fresh Sockets reported activity")
	}
	if n.s.WaitForActivity(5 * time.Millisecond) {
		t.Fatal("WaitForActivity reported activity with nothing queued")
	}
}

func TestWaitForActivityWakesOnMessage(t *testing.T) {
	n := newNode(t, Options{})
	c1, c2, ok := n.s.CreateSocketPair(false, Identity{}, Identity{})
	if !ok {
		t.Fatal("CreateSocketPair failed")
	}
	done := waitAsync(n.s, time.Minute)
	waitingCount(t, n.s, 1)
	if _, r := n.s.SendMessageToConnection(c1, []byte("hello"), SendReliable); r != ResultOK {
		t.Fatalf("send: %v", r)
	}
	select {
	case got := <-done:
		if !got {
			t.Fatal("woken waiter reported no activity")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("WaitForActivity did not wake on a queued message")
	}
	if msgs := n.s.ReceiveMessagesOnConnection(c2, 10); len(msgs) != 1 || string(msgs[0].Data) != "hello" {
		t.Fatalf("after wake-up got %d messages", len(msgs))
	}
}

func TestWaitForActivityRemembersEarlierActivity(t *testing.T) {
	n := newNode(t, Options{})
	c1, _, ok := n.s.CreateSocketPair(false, Identity{}, Identity{})
	if !ok {
		t.Fatal("CreateSocketPair failed")
	}
	// Queued before anyone waits: the next wait must not sleep through it.
	if _, r := n.s.SendMessageToConnection(c1, []byte("x"), SendUnreliable); r != ResultOK {
		t.Fatalf("send: %v", r)
	}
	if !n.s.WaitForActivity(time.Minute) {
		t.Fatal("activity queued before the wait was missed")
	}
	// Consumed by that wait: the next one reports nothing new.
	if n.s.WaitForActivity(0) {
		t.Fatal("the same activity was reported twice")
	}
}

func TestWaitForActivityWakesOnEvent(t *testing.T) {
	srv := newNode(t, Options{})
	ls, err := srv.s.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := srv.s.ListenSocketAddress(ls)
	srv.s.WaitForActivity(0) // start clean
	done := waitAsync(srv.s, time.Minute)
	waitingCount(t, srv.s, 1)
	cli := newNode(t, Options{})
	if _, err := cli.s.ConnectByIPAddress(addr, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-done:
		if !got {
			t.Fatal("woken waiter reported no activity")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("WaitForActivity did not wake on an incoming connection")
	}
	if len(srv.s.PollEvents(nil)) == 0 {
		t.Fatal("woken for an event but PollEvents returned none")
	}
}

func TestWaitForActivityWakesEveryWaiter(t *testing.T) {
	n := newNode(t, Options{})
	c1, _, ok := n.s.CreateSocketPair(false, Identity{}, Identity{})
	if !ok {
		t.Fatal("CreateSocketPair failed")
	}
	const waiters = 4
	var woken atomic.Int32
	var wg sync.WaitGroup
	for range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n.s.WaitForActivity(time.Minute) {
				woken.Add(1)
			}
		}()
	}
	waitingCount(t, n.s, waiters)
	n.s.SendMessageToConnection(c1, []byte("x"), SendReliable)
	wg.Wait()
	if woken.Load() != waiters {
		t.Fatalf("%d of %d waiters reported activity", woken.Load(), waiters)
	}
}

func TestWaitForActivityReturnsAfterClose(t *testing.T) {
	s := NewSockets(Options{})
	done := waitAsync(s, time.Hour)
	waitingCount(t, s, 1)
	s.Close()
	select {
	case got := <-done:
		if got {
			t.Fatal("Close reported as activity")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("WaitForActivity still blocked after Close")
	}
	start := time.Now()
	if s.WaitForActivity(time.Hour) {
		t.Fatal("activity reported on a closed Sockets")
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("WaitForActivity blocked on a closed Sockets")
	}
}

// A consumer that only ever sleeps in WaitForActivity must see every
// message a concurrent producer queues: a lost wake-up would leave it
// asleep until its (long) timeout with messages queued.
func TestWaitForActivityLosesNoWakeUp(t *testing.T) {
	n := newNode(t, Options{})
	c1, c2, ok := n.s.CreateSocketPair(false, Identity{}, Identity{})
	if !ok {
		t.Fatal("CreateSocketPair failed")
	}
	const total = 5000
	go func() {
		for i := 0; i < total; i++ {
			for {
				if _, r := n.s.SendMessageToConnection(c1, []byte{byte(i)}, SendReliable); r != ResultLimitExceeded {
					break
				}
				time.Sleep(10 * time.Microsecond)
			}
			if i%97 == 0 {
				time.Sleep(50 * time.Microsecond) // let the consumer fall asleep now and then
			}
		}
	}()
	got := 0
	for {
		got += len(n.s.ReceiveMessagesOnConnection(c2, 256))
		if got == total {
			return
		}
		if !n.s.WaitForActivity(20 * time.Second) {
			if m := n.s.ReceiveMessagesOnConnection(c2, 256); len(m) > 0 {
				t.Fatalf("slept through %d queued messages (after %d)", len(m), got)
			}
			t.Fatalf("producer stalled after %d of %d messages", got, total)
		}
	}
}

func BenchmarkActivitySignalNoWaiter(b *testing.B) {
	var a activity
	b.ReportAllocs()
	for b.Loop() {
		a.signal()
	}
}

// BenchmarkActivityWakeRoundTrip: two goroutines each sleep in their own
// activity and wake the other: the cost of one wake-up pair.
func BenchmarkActivityWakeRoundTrip(b *testing.B) {
	var ping, pong activity
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if ping.wait(time.Second, stop) {
				pong.signal()
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		ping.signal()
		for !pong.wait(time.Second, nil) {
		}
	}
	close(stop)
	wg.Wait()
}
