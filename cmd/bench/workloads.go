package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"godotsteam-sockets/engine"

	"golang.org/x/net/ipv4"
)

// figures of one run of one workload.
type figures map[string]float64

// dial connects a client of the given implementation to addr.
func dial(impl, addr string, o netOptions) (msgConn, error) {
	switch impl {
	case "engine":
		return dialEngine(engine.NewSockets(engine.Options{}), addr, o, true)
	case "kcp":
		return dialKCP(addr)
	case "raw":
		return dialRaw(addr)
	}
	return nil, fmt.Errorf("unknown impl %q", impl)
}

// sendRetry sends, waiting while the send buffer is full.
func sendRetry(c msgConn, data []byte, reliable bool, lane int, deadline time.Time) error {
	for {
		err := c.send(data, reliable, lane)
		if !errors.Is(err, errBackoff) {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("send buffer stayed full past the deadline")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// finishSink sends "end" and waits for "done <bytes> <crc>"; raw UDP repeats
// "end" because it may be lost.
func finishSink(c msgConn, reliable bool, timeout time.Duration) (int64, uint32, error) {
	deadline := time.Now().Add(timeout)
	if err := sendRetry(c, []byte("end"), true, 0, deadline); err != nil {
		return 0, 0, err
	}
	for time.Now().Before(deadline) {
		m, ok, err := c.recv(200 * time.Millisecond)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			if !reliable {
				_ = c.send([]byte("end"), true, 0)
			}
			continue
		}
		f := strings.Fields(string(m.data))
		if len(f) == 3 && f[0] == "done" {
			n, err1 := strconv.ParseInt(f[1], 10, 64)
			crc, err2 := strconv.ParseUint(f[2], 16, 32)
			if err1 != nil || err2 != nil {
				return 0, 0, fmt.Errorf("bad done line %q", m.data)
			}
			return n, uint32(crc), nil
		}
	}
	return 0, 0, errors.New("no 'done' reply from the sink")
}

// payloadPool returns distinct pseudo-random payloads so the CRC catches
// reordering and corruption.
func payloadPool(size, count int) [][]byte {
	r := rand.New(rand.NewPCG(uint64(size), 7))
	out := make([][]byte, count)
	for i := range out {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		out[i] = b
	}
	return out
}

// bulk sends reliable messages of `size` for `dur` in sink mode (or exactly
// totalBytes when > 0) and verifies the sink's byte count and CRC.
func bulk(c msgConn, size int, dur time.Duration, totalBytes int64) (figures, error) {
	pool := payloadPool(size, 8)
	start := time.Now()
	cpu0 := selfCPU()
	if err := sendRetry(c, []byte(modeSink), true, 0, start.Add(10*time.Second)); err != nil {
		return nil, err
	}
	var sent int64
	var crc uint32
	var msgs int
	hardDeadline := start.Add(dur + 10*time.Minute)
	for i := 0; ; i++ {
		if totalBytes > 0 && sent >= totalBytes {
			break
		}
		if totalBytes == 0 && time.Since(start) >= dur {
			break
		}
		p := pool[i%len(pool)]
		if err := sendRetry(c, p, true, 0, hardDeadline); err != nil {
			return nil, err
		}
		sent += int64(len(p))
		crc = crc32.Update(crc, crc32.IEEETable, p)
		msgs++
	}
	got, gotCRC, err := finishSink(c, true, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start).Seconds()
	if got != sent || gotCRC != crc {
		return nil, fmt.Errorf("sink mismatch: sent %d bytes crc %08x, sink got %d bytes crc %08x", sent, crc, got, gotCRC)
	}
	mb := float64(sent) / 1e6
	cpu := selfCPU() - cpu0
	return figures{
		"mb_per_s":            mb / elapsed,
		"msgs_per_s":          float64(msgs) / elapsed,
		"seconds":             elapsed,
		"client_cpu_s":        cpu,
		"client_cpu_s_per_mb": cpu / mb,
	}, nil
}

// pingpong measures reliable (or, for raw UDP, unreliable) echo round trips.
func pingpong(c msgConn, size, rounds int, reliable bool) (figures, error) {
	if err := sendRetry(c, []byte(modeEcho), true, 0, time.Now().Add(10*time.Second)); err != nil {
		return nil, err
	}
	p := make([]byte, size)
	rtts := make([]float64, 0, rounds)
	lost := 0
	for i := -100; i < rounds; i++ { // 100 warm-up rounds
		binary.LittleEndian.PutUint64(p, uint64(i+1000))
		t0 := time.Now()
		if err := sendRetry(c, p, reliable, 0, t0.Add(10*time.Second)); err != nil {
			return nil, err
		}
		for {
			m, ok, err := c.recv(time.Second)
			if err != nil {
				return nil, err
			}
			if !ok {
				if reliable {
					return nil, errors.New("echo did not come back within 1 s")
				}
				lost++
				break
			}
			if len(m.data) == size && binary.LittleEndian.Uint64(m.data) == uint64(i+1000) {
				if i >= 0 {
					rtts = append(rtts, float64(time.Since(t0).Nanoseconds())/1e3)
				}
				break
			}
		}
	}
	f := percentiles(rtts)
	f["loss_pct"] = 100 * float64(lost) / float64(rounds+100)
	return f, nil
}

func percentiles(us []float64) figures {
	if len(us) == 0 {
		return figures{}
	}
	sort.Float64s(us)
	at := func(q float64) float64 { return us[min(len(us)-1, int(q*float64(len(us))))] }
	return figures{"p50_us": at(0.50), "p90_us": at(0.90), "p99_us": at(0.99), "max_us": us[len(us)-1]}
}

// unreliableRate offers small unreliable no-Nagle messages as fast as
// possible for dur and reports what the sink received.
func unreliableRate(c msgConn, size int, dur time.Duration, reliableCtl bool) (figures, error) {
	if err := sendRetry(c, []byte(modeSink), true, 0, time.Now().Add(10*time.Second)); err != nil {
		return nil, err
	}
	p := make([]byte, size)
	start := time.Now()
	sent := 0
	// The engine gets its messages 64 at a time through SendMessages, the
	// API a game uses to hand over a burst; raw UDP sends one datagram each.
	// One message in 4096 batches is reliable (the sink counts it like the
	// others): GNS, and so the engine, fails a connection whose reliable
	// message numbers jump by more than 1,000,000, and unreliable messages
	// share that numbering.
	if bs, ok := c.(interface {
		sendUnreliableBatch(p []byte, n int, firstReliable bool) (int, error)
	}); ok {
		for i := 0; time.Since(start) < dur; i++ {
			n, err := bs.sendUnreliableBatch(p, 64, i%4096 == 0)
			if err != nil {
				return nil, err
			}
			sent += n
			if n < 64 {
				time.Sleep(50 * time.Microsecond)
			}
		}
	}
	for time.Since(start) < dur {
		for k := 0; k < 64; k++ {
			err := c.send(p, false, 0)
			if errors.Is(err, errBackoff) {
				time.Sleep(50 * time.Microsecond)
				continue
			}
			if err != nil {
				return nil, err
			}
			sent++
		}
	}
	offerSecs := time.Since(start).Seconds()
	got, _, err := finishSink(c, reliableCtl, 2*time.Minute)
	if err != nil {
		return nil, err
	}
	// Until the sink's answer: messages still queued in the send buffer
	// when the offering stopped count, and so does the time to send them.
	elapsed := time.Since(start).Seconds()
	delivered := float64(got) / float64(size)
	return figures{
		"msgs_per_s":         delivered / elapsed,
		"offered_msgs_per_s": float64(sent) / offerSecs,
		"loss_pct":           100 * (1 - delivered/float64(sent)),
	}, nil
}

// rawBlast sends 1200-byte datagrams for dur to a raw sink, batch per
// system call (sendmmsg; the engine batches its own sends too): with 64,
// the machine's UDP limit. With gso, each of the batch messages carries
// gsoSegments datagrams (UDP GSO; the sink reads with GRO), as the engine
// does on Linux: the strongest raw baseline.
func rawBlast(c msgConn, dur time.Duration, batch int, gso bool) (figures, error) {
	rc, ok := c.(*rawConn)
	if !ok {
		return nil, errors.New("raw_udp_limit needs the raw implementation")
	}
	if gso && !haveGSO {
		return nil, errors.New("UDP GSO needs Linux")
	}
	if err := c.send([]byte(modeSink), true, 0); err != nil {
		return nil, err
	}
	time.Sleep(20 * time.Millisecond)
	pc := ipv4.NewPacketConn(rc.c)
	msgs := make([]ipv4.Message, batch)
	p := make([]byte, 1200)
	perMsg := 1
	if gso {
		perMsg = gsoSegments
		p = make([]byte, 1200*gsoSegments)
	}
	for i := range msgs {
		msgs[i].Buffers = [][]byte{p}
		if gso {
			msgs[i].OOB = gsoOOB(1200)
		}
	}
	start := time.Now()
	sent := 0
	for time.Since(start) < dur {
		n, err := pc.WriteBatch(msgs, 0)
		if err != nil {
			continue // ENOBUFS and friends: the limit itself
		}
		sent += n * perMsg
	}
	elapsed := time.Since(start).Seconds()
	got, _, err := finishSink(c, false, 30*time.Second)
	if err != nil {
		return nil, err
	}
	return figures{
		"mb_per_s":      float64(got) / 1e6 / elapsed,
		"packets_per_s": float64(got) / 1200 / elapsed,
		"loss_pct":      100 * (1 - float64(got)/1200/float64(sent)),
	}, nil
}

// gsoSegments is the number of 1200-byte datagrams per GSO send (50 × 1200
// stays below the 65507-byte UDP limit).
const gsoSegments = 50

// manyConns opens n engine connections to one server, each echoing a
// 100-byte unreliable message at hz for dur. The client side is one
// Sockets: a sender goroutine ticks through the connections (spread evenly
// over each 1/hz period) and one receiver drains a poll group, sleeping in
// WaitForActivity, so the RTT is measured when the echo arrives rather than
// at the connection's next tick.
func manyConns(addr string, n, hz int, dur time.Duration, srv *serverProc) (figures, error) {
	s := engine.NewSockets(engine.Options{})
	defer s.Close()
	rssBefore := srv.rss()
	conns := make([]*engineConn, 0, n)
	defer func() {
		for _, c := range conns {
			c.close()
		}
	}()
	pg := s.CreatePollGroup()
	// Connect in parallel waves: sequential handshakes would take minutes.
	const wave = 50
	for i := 0; i < n; i += wave {
		k := min(wave, n-i)
		errs := make([]error, k)
		got := make([]*engineConn, k)
		var wg sync.WaitGroup
		for j := 0; j < k; j++ {
			wg.Add(1)
			go func(j int) {
				defer wg.Done()
				got[j], errs[j] = dialEngine(s, addr, netOptions{}, false)
			}(j)
		}
		wg.Wait()
		for j := 0; j < k; j++ {
			if errs[j] != nil {
				return nil, fmt.Errorf("connection %d: %v", i+j, errs[j])
			}
			conns = append(conns, got[j])
		}
		s.PollEvents(nil)
	}
	for _, c := range conns {
		if err := sendRetry(c, []byte(modeEcho), true, 0, time.Now().Add(10*time.Second)); err != nil {
			return nil, err
		}
		s.SetConnectionPollGroup(c.h, pg)
	}
	cpu0 := srv.cpu()
	start := time.Now()
	stopAt := start.Add(dur)
	expected := 0
	rtts := make([]float64, 0, int(float64(n*hz)*dur.Seconds())+n)
	recvDone := make(chan struct{})
	go func() {
		defer close(recvDone)
		drainUntil := stopAt.Add(500 * time.Millisecond) // late echoes still count
		for time.Now().Before(drainUntil) {
			got := false
			for _, m := range s.ReceiveMessagesOnPollGroup(pg, 256) {
				got = true
				if len(m.Data) == 100 {
					rtts = append(rtts, float64(time.Now().UnixNano()-int64(binary.LittleEndian.Uint64(m.Data)))/1e3)
				}
			}
			if !got {
				s.WaitForActivity(2 * time.Millisecond)
			}
		}
	}()
	p := make([]byte, 100)
	period := time.Second / time.Duration(hz)
	for tick := 0; ; tick++ {
		base := start.Add(time.Duration(tick) * period)
		if !base.Before(stopAt) {
			break
		}
		for i, c := range conns {
			if d := time.Until(base.Add(period * time.Duration(i) / time.Duration(n))); d > 0 {
				time.Sleep(d)
			}
			binary.LittleEndian.PutUint64(p, uint64(time.Now().UnixNano()))
			_ = c.send(p, false, 0)
			expected++
		}
	}
	<-recvDone
	elapsed := time.Since(start).Seconds()
	cpu := srv.cpu() - cpu0
	rssAfter := srv.rss()
	f := percentiles(rtts)
	f["server_cpu_pct"] = 100 * cpu / elapsed
	f["server_rss_before_bytes"] = float64(rssBefore)
	f["server_rss_after_bytes"] = float64(rssAfter)
	f["rss_bytes_per_conn"] = float64(rssAfter-rssBefore) / float64(n)
	f["loss_pct"] = 100 * (1 - float64(len(rtts))/float64(expected))
	return f, nil
}
