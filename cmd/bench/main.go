// Command bench measures the engine against raw UDP and kcp-go on this
// machine, in one run, so the ratios hold even on a noisy machine.
//
//	go run ./cmd/bench server ADDR [--impl engine|kcp|raw] [--loss PCT] [--lag MS] ...
//	go run ./cmd/bench client ADDR WORKLOAD [--impl engine|kcp|raw] [--size N] [--seconds S] ...
//	go run ./cmd/bench all [--runs 3] [--only a,b] [--out bench-results] [--quick]
//
// The wire protocol between client and server is described in server.go; an
// unmodified GNS program speaking it can play either side of `client` and
// `server`. `all` starts each server as a separate process and runs every
// workload as the client, printing one JSON object per result line and
// writing results.jsonl, one SVG chart per workload and summary.md to --out.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"time"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage:
  bench server ADDR [flags]           serve the bench protocol (engine, kcp or raw UDP)
  bench client ADDR WORKLOAD [flags]  run one workload against a server: bulk_reliable,
                                      pingpong, unreliable_rate, lossy_transfer, raw_udp_limit
  bench all [flags]                   every workload and baseline, with a report
`)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = cmdServer(os.Args[2:])
	case "client":
		err = cmdClient(os.Args[2:])
	case "all":
		err = cmdAll(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func netFlags(fs *flag.FlagSet) *netOptions {
	o := &netOptions{}
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile to this file")
	fs.IntVar(&o.rateMin, "rate-min", 0, "engine SEND_RATE_MIN, bytes/s (0 = default)")
	fs.IntVar(&o.rateMax, "rate-max", 0, "engine SEND_RATE_MAX, bytes/s (0 = default)")
	fs.IntVar(&o.sendBuffer, "send-buffer", 0, "engine SEND_BUFFER_SIZE, bytes (0 = default)")
	fs.Float64Var(&o.lossPct, "loss", 0, "engine fake packet loss %, each direction")
	fs.IntVar(&o.lagMs, "lag", 0, "engine fake lag ms, each direction")
	return o
}

// splitArgs separates positional arguments from flags so both orders work.
func splitArgs(args []string, fs *flag.FlagSet) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	return pos, nil
}

// cpuProfile is the --cpuprofile flag of server and client.
var cpuProfile string

// startProfile starts the CPU profile if asked; call the result when done.
func startProfile() func() {
	if cpuProfile == "" {
		return func() {}
	}
	f, err := os.Create(cpuProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

func cmdServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	impl := fs.String("impl", "engine", "engine, kcp or raw")
	watch := fs.Bool("stdin-watch", false, "exit when stdin closes")
	o := netFlags(fs)
	pos, err := splitArgs(args, fs)
	if err != nil || len(pos) != 1 {
		usage()
	}
	defer startProfile()()
	return runServer(*impl, pos[0], *o, *watch)
}

func cmdClient(args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	impl := fs.String("impl", "engine", "engine, kcp or raw")
	size := fs.Int("size", 65536, "message size, bytes")
	secs := fs.Float64("seconds", 5, "duration")
	rounds := fs.Int("rounds", 10000, "pingpong round trips")
	total := fs.Int64("total", 10_000_000, "lossy_transfer bytes")
	batch := fs.Int("batch", 64, "raw_udp_limit datagrams (with --gso: GSO sends) per system call")
	gso := fs.Bool("gso", false, "raw_udp_limit: UDP GSO, 50 datagrams per send (Linux)")
	o := netFlags(fs)
	pos, err := splitArgs(args, fs)
	if err != nil || len(pos) != 2 {
		usage()
	}
	addr, workload := pos[0], pos[1]
	defer startProfile()()
	c, err := dial(*impl, addr, *o)
	if err != nil {
		return err
	}
	defer c.close()
	dur := time.Duration(*secs * float64(time.Second))
	var f figures
	switch workload {
	case "bulk_reliable":
		f, err = bulk(c, *size, dur, 0)
	case "lossy_transfer":
		f, err = bulk(c, *size, 0, *total)
	case "pingpong":
		f, err = pingpong(c, 64, *rounds, *impl != "raw")
	case "unreliable_rate":
		f, err = unreliableRate(c, 100, dur, *impl != "raw")
	case "raw_udp_limit":
		f, err = rawBlast(c, dur, max(1, *batch), *gso)
	default:
		return fmt.Errorf("unknown workload %q", workload)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(result{Workload: workload, Impl: *impl, Commit: gitCommit(),
		Params: map[string]any{"size": *size}, Runs: 1, Figures: aggregate([]figures{f})})
}

func gitCommit() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty", "--tags").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
