package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// maxRate is the largest SEND_RATE value the engine accepts (bytes/s).
const maxRate = 1 << 28

// Send-rate profiles of the engine (SEND_RATE_MIN / SEND_RATE_MAX):
// "cc" lets the congestion controller find the rate between 256 KiB/s and
// the maximum; "fixed_max" pins both at the maximum, as GNS's own
// throughput test does; "default" keeps GNS's defaults (256 KiB/s fixed).
var rateProfiles = map[string]netOptions{
	"cc":        {rateMin: 256 << 10, rateMax: maxRate},
	"fixed_max": {rateMin: maxRate, rateMax: maxRate},
	"default":   {},
}

// withRate returns o with the named rate profile applied.
func withRate(o netOptions, profile string) netOptions {
	p := rateProfiles[profile]
	o.rateMin, o.rateMax = p.rateMin, p.rateMax
	return o
}

// suite runs the standard workloads and their baselines.
type suite struct {
	runs    int
	quick   bool
	commit  string
	only    map[string]bool
	results []result
	enc     *json.Encoder
}

func cmdAll(args []string) error {
	fs := flag.NewFlagSet("all", flag.ExitOnError)
	runs := fs.Int("runs", 3, "runs per measurement (min/median/max)")
	only := fs.String("only", "", "comma-separated workloads (default: all)")
	out := fs.String("out", "bench-results", "report directory")
	quick := fs.Bool("quick", false, "short durations (smoke test, not for figures)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s := &suite{runs: *runs, quick: *quick, commit: gitCommit(), only: map[string]bool{}, enc: json.NewEncoder(os.Stdout)}
	for _, w := range strings.Split(*only, ",") {
		if w != "" {
			s.only[w] = true
		}
	}
	rawRef := s.rawUDPLimit()
	s.bulkReliable(rawRef)
	s.pingpong()
	s.unreliableRate()
	s.lossyTransfer()
	s.manyConns()
	if err := writeReport(*out, s.results); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: report written to %s/summary.md\n", *out)
	for _, r := range s.results {
		if r.Error != "" {
			return fmt.Errorf("some measurements failed (see %s/summary.md)", *out)
		}
	}
	return nil
}

func (s *suite) want(w string) bool { return len(s.only) == 0 || s.only[w] }

func (s *suite) dur(full time.Duration) time.Duration {
	if s.quick {
		return full / 10
	}
	return full
}

// measure runs one workload `runs` times and records it. Every run gets a
// fresh server process, so runs are independent (and the server's RSS
// growth in many_conns is that run's, not memory kept from the previous).
func (s *suite) measure(workload, impl string, params map[string]any, o netOptions,
	run func(srv *serverProc) (figures, error), ratio func(figures) figures) result {
	r := result{Workload: workload, Impl: impl, Params: params, Commit: s.commit}
	if impl == "raw_udp" {
		impl = "raw"
	}
	var all []figures
	for i := 0; i < s.runs; i++ {
		f, err := s.runOnce(impl, o, run)
		if err != nil {
			r.Error = fmt.Sprintf("run %d: %v", i+1, err)
			break
		}
		if ratio != nil {
			for k, v := range ratio(f) {
				f[k] = v
			}
		}
		all = append(all, f)
	}
	r.Runs = len(all)
	r.Figures = aggregate(all)
	return s.record(r)
}

// runOnce starts a server, runs the workload once against it and adds the
// CPU cost of both processes per MB where the workload moves bulk data.
func (s *suite) runOnce(impl string, o netOptions, run func(srv *serverProc) (figures, error)) (figures, error) {
	srv, err := startServer(impl, o)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	cpu0 := srv.cpu()
	f, err := run(srv)
	if err != nil {
		return nil, err
	}
	if c, ok := f["client_cpu_s"]; ok {
		if mb := f["mb_per_s"] * f["seconds"]; mb > 0 {
			f["cpu_s_per_mb"] = (c + srv.cpu() - cpu0) / mb
		}
	}
	return f, nil
}

func (s *suite) record(r result) result {
	s.results = append(s.results, r)
	_ = s.enc.Encode(r)
	return r
}

// withClient dials impl at the server, runs fn and closes.
func withClient(impl string, srv *serverProc, o netOptions, fn func(msgConn) (figures, error)) (figures, error) {
	c, err := dial(impl, srv.addr, o)
	if err != nil {
		return nil, err
	}
	defer c.close()
	return fn(c)
}

func (s *suite) rawUDPLimit() map[string]map[string]figure {
	if !s.want("raw_udp_limit") && !s.want("bulk_reliable") {
		return nil
	}
	d := s.dur(3 * time.Second)
	limits := map[string]map[string]figure{}
	// 64 datagrams per system call (sendmmsg/recvmmsg) is the classic
	// reference; with GSO (8 sends of 50 datagrams per system call, GRO on
	// the sink) the strongest, and what the engine itself uses on Linux;
	// one per call shows what batching is worth on this machine.
	for _, v := range []struct {
		name  string
		batch int
		gso   bool
	}{{"batch64", 64, false}, {"gso", 8, true}, {"batch1", 1, false}} {
		if v.gso && !haveGSO {
			continue
		}
		params := map[string]any{"size": 1200, "batch": v.batch}
		if v.gso {
			params["gso_segments"] = gsoSegments
		}
		r := s.measure("raw_udp_limit", "raw_udp", params, netOptions{},
			func(srv *serverProc) (figures, error) {
				return withClient("raw", srv, netOptions{}, func(c msgConn) (figures, error) { return rawBlast(c, d, v.batch, v.gso) })
			}, nil)
		limits[v.name] = r.Figures
	}
	return limits
}

func (s *suite) bulkReliable(raw map[string]map[string]figure) {
	if !s.want("bulk_reliable") {
		return
	}
	d := s.dur(5 * time.Second)
	o := netOptions{rateMin: 256 << 10, rateMax: maxRate, sendBuffer: 8 << 20}
	// ratio_to_raw_udp: over sendmmsg/recvmmsg raw UDP (64 per call);
	// ratio_to_raw_udp_gso: over raw UDP with GSO/GRO, the equally strong
	// baseline on Linux, where the engine uses GSO/GRO too.
	ratio := func(f figures) figures {
		out := figures{}
		if rf, ok := raw["batch64"]["mb_per_s"]; ok && rf.Median > 0 {
			out["ratio_to_raw_udp"] = f["mb_per_s"] / rf.Median
		}
		if rf, ok := raw["gso"]["mb_per_s"]; ok && rf.Median > 0 {
			out["ratio_to_raw_udp_gso"] = f["mb_per_s"] / rf.Median
		}
		return out
	}
	for _, size := range []int{1024, 65536, 524288} {
		for _, v := range []struct{ impl, profile string }{{"engine", "cc"}, {"engine", "fixed_max"}, {"kcp", ""}} {
			params := map[string]any{"size": size, "seconds": d.Seconds()}
			oo := o
			if v.profile != "" {
				oo = withRate(o, v.profile)
				params["send_rate"] = v.profile
			}
			s.measure("bulk_reliable", v.impl, params, oo,
				func(srv *serverProc) (figures, error) {
					return withClient(v.impl, srv, oo, func(c msgConn) (figures, error) { return bulk(c, size, d, 0) })
				}, ratio)
		}
	}
}

func (s *suite) pingpong() {
	if !s.want("pingpong") {
		return
	}
	rounds := 10000
	if s.quick {
		rounds = 1000
	}
	params := map[string]any{"size": 64, "rounds": rounds}
	raw := s.measure("pingpong", "raw_udp", params, netOptions{}, func(srv *serverProc) (figures, error) {
		return withClient("raw", srv, netOptions{}, func(c msgConn) (figures, error) { return pingpong(c, 64, rounds, false) })
	}, nil)
	ratio := func(f figures) figures {
		out := figures{}
		if rf, ok := raw.Figures["p99_us"]; ok && rf.Median > 0 {
			out["ratio_to_raw_udp"] = f["p99_us"] / rf.Median
		}
		if rf, ok := raw.Figures["p50_us"]; ok && rf.Median > 0 {
			out["p50_ratio_to_raw_udp"] = f["p50_us"] / rf.Median
		}
		return out
	}
	for _, profile := range []string{"default", "cc", "fixed_max"} {
		o := withRate(netOptions{}, profile)
		pp := map[string]any{"size": 64, "rounds": rounds, "send_rate": profile}
		s.measure("pingpong", "engine", pp, o, func(srv *serverProc) (figures, error) {
			return withClient("engine", srv, o, func(c msgConn) (figures, error) { return pingpong(c, 64, rounds, true) })
		}, ratio)
	}
	s.measure("pingpong", "kcp", params, netOptions{}, func(srv *serverProc) (figures, error) {
		return withClient("kcp", srv, netOptions{}, func(c msgConn) (figures, error) { return pingpong(c, 64, rounds, true) })
	}, ratio)
}

func (s *suite) unreliableRate() {
	if !s.want("unreliable_rate") {
		return
	}
	d := s.dur(3 * time.Second)
	params := map[string]any{"size": 100, "seconds": d.Seconds()}
	o := netOptions{rateMin: 256 << 10, rateMax: maxRate, sendBuffer: 8 << 20}
	raw := s.measure("unreliable_rate", "raw_udp", params, netOptions{}, func(srv *serverProc) (figures, error) {
		return withClient("raw", srv, netOptions{}, func(c msgConn) (figures, error) { return unreliableRate(c, 100, d, false) })
	}, nil)
	for _, profile := range []string{"cc", "fixed_max"} {
		oo := withRate(o, profile)
		pp := map[string]any{"size": 100, "seconds": d.Seconds(), "send_rate": profile}
		s.measure("unreliable_rate", "engine", pp, oo, func(srv *serverProc) (figures, error) {
			return withClient("engine", srv, oo, func(c msgConn) (figures, error) { return unreliableRate(c, 100, d, true) })
		}, func(f figures) figures {
			if rf, ok := raw.Figures["msgs_per_s"]; ok && rf.Median > 0 {
				return figures{"ratio_to_raw_udp": f["msgs_per_s"] / rf.Median}
			}
			return nil
		})
	}
}

func (s *suite) lossyTransfer() {
	if !s.want("lossy_transfer") {
		return
	}
	total := int64(10_000_000)
	if s.quick {
		total = 1_000_000
	}
	for _, loss := range []float64{5, 10} {
		o := netOptions{rateMin: 256 << 10, rateMax: maxRate, sendBuffer: 8 << 20, lossPct: loss, lagMs: 25}
		s.measure("lossy_transfer", "engine", map[string]any{"size": 65536, "bytes": total, "loss_pct": loss, "lag_ms": 25, "send_rate": "cc"}, o,
			func(srv *serverProc) (figures, error) {
				return withClient("engine", srv, o, func(c msgConn) (figures, error) { return bulk(c, 65536, 0, total) })
			}, nil)
	}
}

func (s *suite) manyConns() {
	if !s.want("many_conns") {
		return
	}
	d := s.dur(10 * time.Second)
	for _, n := range []int{200, 1000} {
		s.measure("many_conns", "engine", map[string]any{"conns": n, "hz": 20, "size": 100, "seconds": d.Seconds()}, netOptions{},
			func(srv *serverProc) (figures, error) { return manyConns(srv.addr, n, 20, d, srv) }, nil)
	}
}
