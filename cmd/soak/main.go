// Command soak runs many engine connections under randomized fault injection
// (loss, reordering, duplication, lag and jitter) for a long time, moving
// checksummed data both ways, and fails if a single reliable byte is lost or
// corrupted, an unreliable message arrives twice or corrupted, memory grows
// past a bound, or goroutines leak.
//
//	go run ./cmd/soak [--conns 50] [--duration 30m] [--seed N] [--memprofile FILE]
//
// Memory has two stated bounds (printed at start and end, checked at the
// end): the RSS peak stays under --rss-base-mb + conns × --rss-per-conn-mb
// (size: what the default buffer limits allow), and the RSS peak of the
// second half of the run (after warm-up) exceeds the first half's by at most
// --max-rss-growth-mb (flat: a leak grows, full buffers plateau). Flatness,
// of RSS and of goroutines, is judged only for runs of 10 minutes or more: in
// a shorter run (CI's 2 minutes) buffers are still filling.
//
// Every message carries a 24-byte header: magic, lane, sequence number per
// (connection, lane, reliability), payload length and CRC-32 of the payload.
// The server checks it and echoes reliable messages back; the client checks
// the echoes, so both directions are covered.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net/netip"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"godotsteam-sockets/engine"
)

const (
	magic      = 0x50414f53 // "SOAP"
	headerSize = 24
	lanes      = 3
)

// Fault-injection config keys (NETWORKING_CONFIG_*).
const (
	cfgLossSend      = 2
	cfgLossRecv      = 3
	cfgLagSend       = 4
	cfgLagRecv       = 5
	cfgReorderSend   = 6
	cfgReorderRecv   = 7
	cfgReorderTime   = 8
	cfgDupSend       = 26
	cfgDupRecv       = 27
	cfgDupTimeMax    = 28
	cfgSendRateMin   = 10
	cfgSendRateMax   = 11
	cfgTimeoutConn   = 25
	cfgTimeoutInit   = 24
	cfgSendBufBytes  = 9
	cfgJitterSendAvg = 53
	cfgJitterSendMax = 54
	cfgJitterSendPct = 55
	cfgJitterRecvAvg = 56
	cfgJitterRecvMax = 57
	cfgJitterRecvPct = 58
)

// stream tracks the next expected sequence number of one ordered stream.
type streamKey struct {
	conn     engine.Handle
	lane     int
	reliable bool
}

type checker struct {
	mu        sync.Mutex
	next      map[streamKey]uint64 // reliable: next expected seq
	seen      map[streamKey]*seqWindow
	bytes     int64
	msgs      int64
	corrupted int64
	lost      int64
	dups      int64
	firstErr  string
}

func newChecker() *checker {
	return &checker{next: map[streamKey]uint64{}, seen: map[streamKey]*seqWindow{}}
}

func (c *checker) fail(format string, args ...any) {
	if c.firstErr == "" {
		c.firstErr = fmt.Sprintf(format, args...)
	}
}

// check validates one received message.
func (c *checker) check(conn engine.Handle, data []byte, reliable bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs++
	c.bytes += int64(len(data))
	if len(data) < headerSize || binary.LittleEndian.Uint32(data) != magic {
		c.corrupted++
		c.fail("conn %d: message without a valid header (%d bytes)", conn, len(data))
		return
	}
	lane := int(binary.LittleEndian.Uint32(data[4:]))
	seq := binary.LittleEndian.Uint64(data[8:])
	n := int(binary.LittleEndian.Uint32(data[16:]))
	sum := binary.LittleEndian.Uint32(data[20:])
	body := data[headerSize:]
	if n != len(body) || crc32.ChecksumIEEE(body) != sum {
		c.corrupted++
		c.fail("conn %d lane %d seq %d: corrupted payload", conn, lane, seq)
		return
	}
	k := streamKey{conn, lane, reliable}
	if reliable {
		want := c.next[k]
		if seq != want {
			c.lost++
			c.fail("conn %d lane %d: reliable seq %d, expected %d (lost or out of order)", conn, lane, seq, want)
		}
		c.next[k] = seq + 1
		return
	}
	w := c.seen[k]
	if w == nil {
		w = new(seqWindow)
		c.seen[k] = w
	}
	if w.seenBefore(seq) {
		c.dups++
		c.fail("conn %d lane %d: unreliable seq %d delivered twice", conn, lane, seq)
	}
}

// seqWindow remembers the last len(slots) unreliable sequence numbers of a
// stream in fixed memory (slot seq%len holds seq+1).
type seqWindow struct{ slots [1024]uint64 }

func (w *seqWindow) seenBefore(seq uint64) bool {
	i := seq % uint64(len(w.slots))
	dup := w.slots[i] == seq+1
	w.slots[i] = seq + 1
	return dup
}

// message builds a message with header and random body.
func message(r *rand.Rand, lane int, seq uint64, size int) []byte {
	b := make([]byte, headerSize+size)
	for i := headerSize; i < len(b); i++ {
		b[i] = byte(r.Uint32())
	}
	binary.LittleEndian.PutUint32(b, magic)
	binary.LittleEndian.PutUint32(b[4:], uint32(lane))
	binary.LittleEndian.PutUint64(b[8:], seq)
	binary.LittleEndian.PutUint32(b[16:], uint32(size))
	binary.LittleEndian.PutUint32(b[20:], crc32.ChecksumIEEE(b[headerSize:]))
	return b
}

// faultOptions picks random fault settings for one connection.
func faultOptions(r *rand.Rand) ([]engine.ConfigOption, string) {
	loss := r.Float32() * 20
	reorder := r.Float32() * 20
	dup := r.Float32() * 5
	lag := r.IntN(60)
	jitter := r.Float32() * 10 // mean ms, exponential, capped at 50 ms
	opts := []engine.ConfigOption{
		engine.FloatOption(cfgLossSend, loss/2), engine.FloatOption(cfgLossRecv, loss/2),
		engine.FloatOption(cfgReorderSend, reorder), engine.Int32Option(cfgReorderTime, 15),
		engine.FloatOption(cfgDupSend, dup), engine.FloatOption(cfgDupRecv, dup), engine.Int32Option(cfgDupTimeMax, 10),
		engine.Int32Option(cfgLagSend, int32(lag/2)), engine.Int32Option(cfgLagRecv, int32(lag-lag/2)),
		engine.FloatOption(cfgJitterSendAvg, jitter/2), engine.FloatOption(cfgJitterSendMax, 50), engine.FloatOption(cfgJitterSendPct, 50),
		engine.FloatOption(cfgJitterRecvAvg, jitter/2), engine.FloatOption(cfgJitterRecvMax, 50), engine.FloatOption(cfgJitterRecvPct, 50),
		engine.Int32Option(cfgSendRateMin, 64<<10), engine.Int32Option(cfgSendRateMax, 8<<20),
		engine.Int32Option(cfgTimeoutConn, 30000), engine.Int32Option(cfgTimeoutInit, 30000),
	}
	return opts, fmt.Sprintf("loss %.1f%% reorder %.1f%% dup %.1f%% lag %dms jitter avg %.1fms", loss, reorder, dup, lag, jitter)
}

type report struct {
	Conns                   int     `json:"conns"`
	Seconds                 float64 `json:"seconds"`
	ReliableMsgsSent        int64   `json:"reliable_msgs_sent"`
	BytesChecked            int64   `json:"bytes_checked"`
	MsgsChecked             int64   `json:"msgs_checked"`
	Lost                    int64   `json:"lost_or_reordered_reliable"`
	Corrupted               int64   `json:"corrupted"`
	Duplicated              int64   `json:"duplicated_unreliable"`
	RSSStartMB              float64 `json:"rss_start_mb"`
	RSSWarmMB               float64 `json:"rss_after_warmup_mb"`
	RSSMaxMB                float64 `json:"rss_max_mb"`
	RSSMaxFirstHalfMB       float64 `json:"rss_max_first_half_mb"`  // after warm-up, first half of the rest
	RSSMaxSecondHalfMB      float64 `json:"rss_max_second_half_mb"` // second half
	RSSEndMB                float64 `json:"rss_end_mb"`
	RSSBoundMB              float64 `json:"rss_bound_mb"`
	RSSGrowthBoundMB        float64 `json:"rss_growth_bound_mb"`
	GoroutinesWarm          int     `json:"goroutines_after_warmup"`
	GoroutinesMax           int     `json:"goroutines_max"`
	GoroutinesMaxFirstHalf  int     `json:"goroutines_max_first_half"`
	GoroutinesMaxSecondHalf int     `json:"goroutines_max_second_half"`
	GoroutinesAfter         int     `json:"goroutines_after_close"`
	GoroutinesAtStart       int     `json:"goroutines_at_start"`
	Error                   string  `json:"error,omitempty"`
}

func main() {
	conns := flag.Int("conns", 50, "connections")
	dur := flag.Duration("duration", 30*time.Minute, "how long to run")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "random seed (printed, to reproduce)")
	maxGrowth := flag.Float64("max-rss-growth-mb", 64, "RSS bound 1 (flat): the RSS peak of the second half of the run (after warm-up) may exceed that of the first half by at most this, MB")
	baseMB := flag.Float64("rss-base-mb", 64, "RSS bound 2 (size): the RSS peak may not exceed rss-base-mb + conns × rss-per-conn-mb")
	perConnMB := flag.Float64("rss-per-conn-mb", 14, "see rss-base-mb; default from the engine's default limits: both ends of a connection live here, each holding at most "+
		"512 KB unsent + in-flight send data, a 1 MB receive queue and a 1 MB reassembly window (about 7 MB per connection with the power-of-two ring slack), ×2 for the Go GC's heap headroom")
	flag.DurationVar(&reportEvery, "report-every", 30*time.Second, "progress line interval")
	memprofile := flag.String("memprofile", "", "write a heap profile to this file at the end of the run (before close)")
	flag.Parse()
	memProfilePath = *memprofile
	rep := run(*conns, *dur, *seed, *maxGrowth, *baseMB+float64(*conns)**perConnMB)
	_ = json.NewEncoder(os.Stdout).Encode(rep)
	fmt.Fprintf(os.Stderr, "soak: %.0f s, %d conns: %d messages / %.1f MB checked, lost %d, corrupted %d, duplicated %d\n",
		rep.Seconds, rep.Conns, rep.MsgsChecked, float64(rep.BytesChecked)/1e6, rep.Lost, rep.Corrupted, rep.Duplicated)
	fmt.Fprintf(os.Stderr, "soak: RSS start %.1f, after warm-up %.1f, peak %.1f (first half %.1f, second half %.1f), end %.1f MB; bounds: peak <= %.0f MB, second-half peak <= first-half peak + %.0f MB\n",
		rep.RSSStartMB, rep.RSSWarmMB, rep.RSSMaxMB, rep.RSSMaxFirstHalfMB, rep.RSSMaxSecondHalfMB, rep.RSSEndMB, rep.RSSBoundMB, rep.RSSGrowthBoundMB)
	fmt.Fprintf(os.Stderr, "soak: goroutines start %d, after warm-up %d, max %d (first half %d, second half %d), after close %d\n",
		rep.GoroutinesAtStart, rep.GoroutinesWarm, rep.GoroutinesMax, rep.GoroutinesMaxFirstHalf, rep.GoroutinesMaxSecondHalf, rep.GoroutinesAfter)
	if rep.Error != "" {
		fmt.Fprintln(os.Stderr, "soak FAILED:", rep.Error)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "soak passed")
}

func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

func run(nconns int, dur time.Duration, seed uint64, maxGrowth, maxRSS float64) (rep report) {
	rep.Conns = nconns
	rep.RSSStartMB = rssMB()
	rep.RSSGrowthBoundMB, rep.RSSBoundMB = maxGrowth, maxRSS
	rep.GoroutinesAtStart = runtime.NumGoroutine()
	fmt.Fprintf(os.Stderr, "soak: %d connections for %s, seed %d; RSS bounds: peak <= %.0f MB, second-half peak <= first-half peak + %.0f MB\n",
		nconns, dur, seed, maxRSS, maxGrowth)
	r := rand.New(rand.NewPCG(seed, 1))

	server := engine.NewSockets(engine.Options{})
	client := engine.NewSockets(engine.Options{})
	// The server sends as much as the clients (echoes), so its connections get
	// the clients' top send rate; at GNS's default 256 KB/s every server
	// connection would sit at its buffer limits for the whole run.
	ls, err := server.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), []engine.ConfigOption{
		engine.Int32Option(cfgSendRateMin, 64<<10), engine.Int32Option(cfgSendRateMax, 8<<20),
		engine.Int32Option(cfgTimeoutConn, 30000), engine.Int32Option(cfgTimeoutInit, 30000),
	})
	if err != nil {
		rep.Error = "listen: " + err.Error()
		return
	}
	addr, _ := server.ListenSocketAddress(ls)
	srvCheck, cliCheck := newChecker(), newChecker()
	var serverHandles struct {
		sync.Mutex
		list []engine.Handle
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup

	// Server: accept, check, echo reliable messages back on the same lane.
	// A connection whose echoes do not fit its send buffer is not read
	// again until they do, so back-pressure reaches the client through the
	// engine's receive limits (as a real server would do it) instead of
	// piling echoes up in this program or stalling every other connection.
	wg.Add(1)
	go func() {
		defer wg.Done()
		type serverConn struct {
			h       engine.Handle
			backlog []*engine.Message // reliable messages still to echo, in order
		}
		var conns []*serverConn
		var evs []engine.Event
		for {
			select {
			case <-stop:
				return
			default:
			}
			evs = server.PollEvents(evs[:0])
			for _, ev := range evs {
				if e, ok := ev.(*engine.ConnectionStatusChanged); ok {
					switch e.Info.State {
					case engine.StateConnecting:
						server.AcceptConnection(e.Conn)
						server.ConfigureConnectionLanes(e.Conn, lanes, []int{0, 0, 1}, []int{1, 3, 1})
						conns = append(conns, &serverConn{h: e.Conn})
						serverHandles.Lock()
						serverHandles.list = append(serverHandles.list, e.Conn)
						serverHandles.Unlock()
					case engine.StateClosedByPeer, engine.StateProblemDetectedLocally:
						srvCheck.mu.Lock()
						srvCheck.fail("server saw conn %d end: %d %s", e.Conn, e.Info.EndReason, e.Info.EndDebug)
						srvCheck.mu.Unlock()
						server.CloseConnection(e.Conn, 0, "", false)
					}
				}
			}
			busy := false
			for _, sc := range conns {
				if len(sc.backlog) == 0 {
					msgs := server.ReceiveMessagesOnConnection(sc.h, 64)
					for _, m := range msgs {
						rel := m.Flags&engine.SendReliable != 0
						srvCheck.check(m.Conn, m.Data, rel)
						if rel {
							sc.backlog = append(sc.backlog, m)
						}
					}
					busy = busy || len(msgs) > 0
				}
				sent := 0
				for _, m := range sc.backlog {
					if _, res := server.SendMessageOnLane(sc.h, m.Data, engine.SendReliable, m.Lane); res == engine.ResultLimitExceeded {
						break // never drop: retry on the next round
					}
					sent++
				}
				clear(sc.backlog[:sent])
				sc.backlog = sc.backlog[:copy(sc.backlog, sc.backlog[sent:])]
			}
			if !busy && len(evs) == 0 {
				time.Sleep(500 * time.Microsecond)
			}
		}
	}()

	var sentReliable int64
	var sentMu sync.Mutex
	handles := make([]engine.Handle, 0, nconns)
	for i := 0; i < nconns; i++ {
		opts, desc := faultOptions(r)
		h, err := client.ConnectByIPAddress(addr, opts)
		if err != nil {
			rep.Error = fmt.Sprintf("connect %d: %v", i, err)
			close(stop)
			wg.Wait()
			return
		}
		if i < 5 {
			fmt.Fprintf(os.Stderr, "soak: conn %d: %s\n", h, desc)
		}
		handles = append(handles, h)
	}
	// Clients: each sends mixed reliable/unreliable messages on 3 lanes,
	// keeping a bounded amount queued, and checks the echoes.
	for i, h := range handles {
		wg.Add(1)
		go func(h engine.Handle, rs uint64) {
			defer wg.Done()
			rr := rand.New(rand.NewPCG(rs, 2))
			seq := map[streamKey]uint64{}
			lanesSet := false
			var pendingMsg []byte
			pendingLane := 0
			for {
				select {
				case <-stop:
					return
				default:
				}
				info, ok := client.ConnectionInfo(h)
				if !ok {
					return
				}
				if info.State != engine.StateConnected {
					if info.State == engine.StateClosedByPeer || info.State == engine.StateProblemDetectedLocally {
						cliCheck.mu.Lock()
						cliCheck.fail("client conn %d ended: %d %s", h, info.EndReason, info.EndDebug)
						cliCheck.mu.Unlock()
						return
					}
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if !lanesSet {
					client.ConfigureConnectionLanes(h, lanes, []int{0, 0, 1}, []int{1, 3, 1})
					lanesSet = true
				}
				for _, m := range client.ReceiveMessagesOnConnection(h, 256) {
					cliCheck.check(m.Conn, m.Data, m.Flags&engine.SendReliable != 0)
				}
				st, _, res := client.RealTimeStatus(h, 0)
				if res == engine.ResultOK && st.PendingReliable+st.SentUnackedReliable > 256<<10 {
					time.Sleep(2 * time.Millisecond)
					continue
				}
				if pendingMsg == nil {
					lane := rr.IntN(lanes)
					size := rr.IntN(2048)
					if rr.IntN(50) == 0 {
						size = rr.IntN(64 << 10)
					}
					k := streamKey{0, lane, true}
					pendingMsg = message(rr, lane, seq[k], size)
					pendingLane = lane
				}
				_, res2 := client.SendMessageOnLane(h, pendingMsg, engine.SendReliable, pendingLane)
				switch res2 {
				case engine.ResultOK:
					seq[streamKey{0, pendingLane, true}]++
					pendingMsg = nil
					sentMu.Lock()
					sentReliable++
					sentMu.Unlock()
				case engine.ResultLimitExceeded:
					time.Sleep(2 * time.Millisecond) // keep the message: never drop reliable data
				default:
					cliCheck.mu.Lock()
					cliCheck.fail("client conn %d: send failed with EResult %d", h, res2)
					cliCheck.mu.Unlock()
					return
				}
				// Some unreliable traffic too (may be lost, never duplicated or corrupted).
				if rr.IntN(4) == 0 {
					lane := rr.IntN(lanes)
					k := streamKey{0, lane, false}
					client.SendMessageOnLane(h, message(rr, lane, seq[k], rr.IntN(1200)), engine.SendUnreliable, lane)
					seq[k]++
				}
				time.Sleep(time.Duration(rr.IntN(3)) * time.Millisecond)
			}
		}(h, seed+uint64(i)+100)
	}

	start := time.Now()
	// Buffers settle within seconds; a quarter of the run (at most a
	// minute) is the warm-up after which RSS must stay flat.
	warm := min(dur/4, time.Minute)
	tick := time.NewTicker(time.Second)
	lastPrint := time.Now()
	for now := range tick.C {
		elapsed := now.Sub(start)
		rss := rssMB()
		g := runtime.NumGoroutine()
		if elapsed >= warm && rep.RSSWarmMB == 0 {
			rep.RSSWarmMB, rep.GoroutinesWarm = rss, g
		}
		rep.RSSMaxMB = max(rep.RSSMaxMB, rss)
		if rep.RSSWarmMB != 0 {
			if elapsed < warm+(dur-warm)/2 {
				rep.RSSMaxFirstHalfMB = max(rep.RSSMaxFirstHalfMB, rss)
				rep.GoroutinesMaxFirstHalf = max(rep.GoroutinesMaxFirstHalf, g)
			} else {
				rep.RSSMaxSecondHalfMB = max(rep.RSSMaxSecondHalfMB, rss)
				rep.GoroutinesMaxSecondHalf = max(rep.GoroutinesMaxSecondHalf, g)
			}
		}
		rep.GoroutinesMax = max(rep.GoroutinesMax, g)
		if now.Sub(lastPrint) >= reportEvery {
			lastPrint = now
			serverHandles.Lock()
			queued := sendQueued(server, serverHandles.list) + sendQueued(client, handles)
			serverHandles.Unlock()
			srvCheck.mu.Lock()
			fmt.Fprintf(os.Stderr, "soak: %s: server checked %d msgs / %.1f MB, rss %.1f MB (live heap %.1f MB, queued for sending %.1f MB), goroutines %d\n",
				elapsed.Round(time.Second), srvCheck.msgs, float64(srvCheck.bytes)/1e6, rss, liveHeapMB(), queued, g)
			srvCheck.mu.Unlock()
		}
		srvCheck.mu.Lock()
		cliCheck.mu.Lock()
		failed := srvCheck.firstErr != "" || cliCheck.firstErr != ""
		cliCheck.mu.Unlock()
		srvCheck.mu.Unlock()
		if elapsed >= dur || failed {
			break
		}
	}
	tick.Stop()
	rep.Seconds = time.Since(start).Seconds()
	rep.RSSEndMB = rssMB()
	if memProfilePath != "" {
		writeHeapProfile(memProfilePath)
	}
	close(stop)
	wg.Wait()
	client.Close()
	server.Close()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > rep.GoroutinesAtStart && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	rep.GoroutinesAfter = runtime.NumGoroutine()

	rep.ReliableMsgsSent = sentReliable
	for _, c := range []*checker{srvCheck, cliCheck} {
		rep.BytesChecked += c.bytes
		rep.MsgsChecked += c.msgs
		rep.Lost += c.lost
		rep.Corrupted += c.corrupted
		rep.Duplicated += c.dups
		if rep.Error == "" && c.firstErr != "" {
			rep.Error = c.firstErr
		}
	}
	judgeFlat := dur >= minFlatRun
	switch {
	case rep.Error != "":
	case rep.MsgsChecked == 0:
		rep.Error = "no message got through at all"
	case rep.RSSMaxMB > maxRSS:
		rep.Error = fmt.Sprintf("RSS peaked at %.1f MB, over the bound of %.0f MB", rep.RSSMaxMB, maxRSS)
	case !judgeFlat:
		// Too short to tell a leak from buffers still filling (under 60 ms
		// lag and 20% loss they take minutes to reach their caps): only the
		// size bound, the data checks and the goroutine leak check apply.
		fmt.Fprintf(os.Stderr, "soak: flatness (RSS and goroutine growth) not judged: runs shorter than %s only check the size bound\n", minFlatRun)
		if rep.GoroutinesAfter > rep.GoroutinesAtStart {
			rep.Error = fmt.Sprintf("goroutines leaked: %d at start, %d after close", rep.GoroutinesAtStart, rep.GoroutinesAfter)
		}
	case rep.RSSMaxFirstHalfMB > 0 && rep.RSSMaxSecondHalfMB > rep.RSSMaxFirstHalfMB+maxGrowth:
		rep.Error = fmt.Sprintf("RSS not flat: peak %.1f MB in the first half after warm-up, %.1f MB in the second (bound: +%.0f MB)",
			rep.RSSMaxFirstHalfMB, rep.RSSMaxSecondHalfMB, maxGrowth)
	case rep.GoroutinesMaxFirstHalf > 0 && rep.GoroutinesMaxSecondHalf > rep.GoroutinesMaxFirstHalf+2*nconns:
		rep.Error = fmt.Sprintf("goroutines grew: at most %d in the first half, %d in the second (bound: +%d)",
			rep.GoroutinesMaxFirstHalf, rep.GoroutinesMaxSecondHalf, 2*nconns)
	case rep.GoroutinesAfter > rep.GoroutinesAtStart:
		rep.Error = fmt.Sprintf("goroutines leaked: %d at start, %d after close", rep.GoroutinesAtStart, rep.GoroutinesAfter)
	}
	return rep
}

// minFlatRun is the shortest run whose RSS and goroutine flatness is judged.
const minFlatRun = 10 * time.Minute

var (
	memProfilePath string
	reportEvery    time.Duration
)

func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak: memprofile:", err)
		return
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "soak: memprofile:", err)
	}
}

// liveHeapMB is the heap that survived the last GC.
func liveHeapMB() float64 {
	sm := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sm)
	if sm[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(sm[0].Value.Uint64()) / 1e6
}

// sendQueued sums the data the connections hold for sending (unsent plus
// sent but not yet acked), MB.
func sendQueued(s *engine.Sockets, hs []engine.Handle) float64 {
	n := 0
	for _, h := range hs {
		if st, _, res := s.RealTimeStatus(h, 0); res == engine.ResultOK {
			n += st.PendingReliable + st.PendingUnreliable + st.SentUnackedReliable
		}
	}
	return float64(n) / 1e6
}
