package engine

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every public method from many goroutines at once, on live, closing and
// bogus handles: no race, deadlock or panic.
func TestConcurrentAPIStress(t *testing.T) {
	srv, cli := NewSockets(Options{}), NewSockets(Options{})
	ls, err := srv.CreateListenSocketIP(mustAddr("127.0.0.1:0"), []ConfigOption{Int32Option(ConfigTimeoutInitial, 2000)})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := srv.ListenSocketAddress(ls)
	var handles sync.Map // Handle -> *Sockets
	pick := func() (Handle, *Sockets) {
		var h Handle
		var s *Sockets = cli
		n := rand.IntN(8)
		handles.Range(func(k, v any) bool {
			h, s = k.(Handle), v.(*Sockets)
			n--
			return n > 0
		})
		if rand.IntN(10) == 0 {
			h = rand.Uint32()
		}
		return h, s
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ops atomic.Int64
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				f()
				ops.Add(1)
			}
		}()
	}
	pg := srv.CreatePollGroup()
	run(func() { // connect and close
		h, err := cli.ConnectByIPAddress(addr, nil)
		if err == nil {
			handles.Store(h, cli)
		}
		if rand.IntN(3) == 0 {
			h, s := pick()
			s.CloseConnection(h, 1000+rand.IntN(100), "stress", rand.IntN(2) == 0)
			handles.Delete(h)
		}
		time.Sleep(time.Millisecond)
	})
	run(func() { // server: accept everything, join the group
		for _, e := range srv.PollEvents(nil) {
			if ev, ok := e.(*ConnectionStatusChanged); ok && ev.Info.State == StateConnecting {
				srv.AcceptConnection(ev.Conn)
				srv.SetConnectionPollGroup(ev.Conn, pg)
				handles.Store(ev.Conn, srv)
			}
		}
		cli.PollEvents(nil)
		time.Sleep(100 * time.Microsecond)
	})
	run(func() { // send
		h, s := pick()
		s.SendMessageToConnection(h, make([]byte, rand.IntN(3000)), rand.IntN(2)*SendReliable)
	})
	run(func() { // receive
		srv.ReceiveMessagesOnPollGroup(pg, 50)
		h, s := pick()
		s.ReceiveMessagesOnConnection(h, 10)
	})
	run(func() { // inspect and configure
		h, s := pick()
		s.ConnectionInfo(h)
		s.RealTimeStatus(h, 1)
		s.DetailedStatus(h)
		s.SetConnectionName(h, "n")
		s.ConnectionName(h)
		s.SetConnectionUserData(h, 5)
		s.ConfigureConnectionLanes(h, 2, []int{0, 1}, []int{1, 1})
		s.FlushMessagesOnConnection(h)
	})
	run(func() { // pairs and groups
		a, b, ok := cli.CreateSocketPair(rand.IntN(2) == 0, Identity{}, Identity{})
		if ok {
			g := cli.CreatePollGroup()
			cli.SetConnectionPollGroup(a, g)
			cli.SendMessageToConnection(b, []byte("x"), SendReliable)
			cli.ReceiveMessagesOnPollGroup(g, 5)
			cli.DestroyPollGroup(g)
			cli.CloseConnection(a, 0, "", false)
			cli.CloseConnection(b, 0, "", false)
		}
		time.Sleep(time.Millisecond)
	})
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("API calls deadlocked")
	}
	closed := make(chan struct{})
	go func() { srv.Close(); cli.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close deadlocked")
	}
	if ops.Load() < 100 {
		t.Fatalf("only %d operations ran", ops.Load())
	}
}
