package engine

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

func fastNode(b *testing.B) *Sockets {
	s := NewSockets(Options{})
	b.Cleanup(s.Close)
	for _, o := range []ConfigOption{
		Int32Option(ConfigSendRateMin, 0x10000000), Int32Option(ConfigSendRateMax, 0x10000000),
		Int32Option(ConfigSendBufferSize, 64<<20), Int32Option(ConfigRecvBufferSize, 64<<20),
		Int32Option(ConfigRecvBufferMessages, 1<<20),
	} {
		if err := s.SetGlobalConfig(o); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func benchPair(b *testing.B, loopback bool, size int, flags int) {
	if loopback {
		requireSNP(b)
	}
	s := fastNode(b)
	c1, c2, ok := s.CreateSocketPair(loopback, Identity{}, Identity{})
	if !ok {
		b.Fatal("pair")
	}
	msg := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	received := 0
	buf := make([]*Message, 0, 256)
	drain := func() {
		buf = append(buf[:0], s.ReceiveMessagesOnConnection(c2, 256)...)
		received += len(buf)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() {
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	}()
	for i := 0; i < b.N; i++ {
		for {
			_, r := s.SendMessageToConnection(c1, msg, flags)
			if r == ResultOK {
				break
			}
			if r != ResultLimitExceeded {
				b.Fatal(r)
			}
			drain()
			time.Sleep(50 * time.Microsecond)
		}
		if i%64 == 0 {
			drain()
		}
		// Keep a bounded backlog (about 4 MiB or 4096 messages in flight),
		// like a real application reading as it goes.
		for flags&SendReliable != 0 && (i-received > 4096 || (i-received)*size > 4<<20) {
			drain()
			if i-received > 4096 || (i-received)*size > 4<<20 {
				time.Sleep(20 * time.Microsecond)
			}
		}
	}
	s.FlushMessagesOnConnection(c1)
	if flags&SendReliable == 0 {
		// Unreliable: the send loop above measures the sender. Also report
		// what reached the receiving application (drained until nothing
		// new arrives for 50 ms), so receiver-side losses show.
		// ns/op stays the send time; the receive rate runs until the
		// last message arrived.
		elapsed := b.Elapsed()
		b.StopTimer()
		start := time.Now()
		last := start
		for time.Since(last) < 50*time.Millisecond {
			before := received
			drain()
			if received != before {
				last = time.Now()
			} else {
				time.Sleep(200 * time.Microsecond)
			}
		}
		elapsed += last.Sub(start)
		b.ReportMetric(100*float64(received)/float64(b.N), "delivered-%")
		b.ReportMetric(float64(received)/elapsed.Seconds(), "recv-msg/s")
		return
	}
	deadline := time.Now().Add(60 * time.Second)
	for received < b.N && flags&SendReliable != 0 {
		drain()
		if time.Now().After(deadline) {
			b.Fatalf("received %d of %d", received, b.N)
		}
		if received < b.N {
			time.Sleep(100 * time.Microsecond)
		}
	}
}

func BenchmarkPipeReliable100B(b *testing.B)     { benchPair(b, false, 100, SendReliable) }
func BenchmarkLoopbackReliable100B(b *testing.B) { benchPair(b, true, 100, SendReliable) }
func BenchmarkLoopbackReliable64KiB(b *testing.B) {
	benchPair(b, true, 64<<10, SendReliable)
}
func BenchmarkLoopbackUnreliable100B(b *testing.B) { benchPair(b, true, 100, SendUnreliable) }

// BenchmarkLoopbackPingPong echoes a 64-byte reliable no-Nagle message
// between two connections over loopback UDP (encrypted), each side in its
// own goroutine sleeping in WaitForActivity, as an application would. It
// reports the round-trip percentiles and the CPU time per round trip.
func BenchmarkLoopbackPingPong(b *testing.B) {
	requireSNP(b)
	cli, srv := fastNode(b), fastNode(b)
	ls, err := srv.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), nil)
	if err != nil {
		b.Fatal(err)
	}
	addr, _ := srv.ListenSocketAddress(ls)
	c, err := cli.ConnectByIPAddress(addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	connected := func() bool { i, _ := cli.ConnectionInfo(c); return i.State == StateConnected }
	var sc Handle
	deadline := time.Now().Add(10 * time.Second)
	for sc == 0 || !connected() {
		for _, ev := range srv.PollEvents(nil) {
			if e, ok := ev.(*ConnectionStatusChanged); ok && e.Info.State == StateConnecting {
				srv.AcceptConnection(e.Conn)
				sc = e.Conn
			}
		}
		cli.PollEvents(nil)
		if time.Now().After(deadline) {
			b.Fatal("connect timed out")
		}
		time.Sleep(time.Millisecond)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // echo server
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, m := range srv.ReceiveMessagesOnConnection(sc, 64) {
				srv.SendMessageToConnection(sc, m.Data, SendReliable|SendNoNagle)
			}
			srv.WaitForActivity(10 * time.Millisecond)
		}
	}()
	defer func() { close(stop); <-done }()
	msg := make([]byte, 64)
	rtts := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, r := cli.SendMessageToConnection(c, msg, SendReliable|SendNoNagle); r != ResultOK {
			b.Fatal(r)
		}
		for got := false; !got; {
			got = len(cli.ReceiveMessagesOnConnection(c, 1)) > 0
			if !got && !cli.WaitForActivity(time.Second) {
				b.Fatal("no echo within 1 s")
			}
		}
		rtts = append(rtts, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	slices.Sort(rtts)
	b.ReportMetric(float64(rtts[len(rtts)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(rtts[len(rtts)*99/100].Microseconds()), "p99-µs")
}
