package main

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// figure is min/median/max of one measure over the runs.
type figure struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

// result is one JSON line of output.
type result struct {
	Workload string            `json:"workload"`
	Impl     string            `json:"impl"`
	Params   map[string]any    `json:"params"`
	Commit   string            `json:"commit"`
	Runs     int               `json:"runs"`
	Figures  map[string]figure `json:"figures"`
	Error    string            `json:"error,omitempty"`
}

// aggregate folds runs into min/median/max per figure.
func aggregate(runs []figures) map[string]figure {
	keys := map[string]bool{}
	for _, r := range runs {
		for k := range r {
			keys[k] = true
		}
	}
	out := map[string]figure{}
	for k := range keys {
		var v []float64
		for _, r := range runs {
			if x, ok := r[k]; ok && !math.IsNaN(x) && !math.IsInf(x, 0) {
				v = append(v, x)
			}
		}
		if len(v) == 0 {
			continue
		}
		sort.Float64s(v)
		med := v[len(v)/2]
		if len(v)%2 == 0 {
			med = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		out[k] = figure{Min: v[0], Median: med, Max: v[len(v)-1]}
	}
	return out
}

// primaryFigure is the figure a workload's chart shows.
var primaryFigure = map[string]string{
	"raw_udp_limit":   "mb_per_s",
	"bulk_reliable":   "mb_per_s",
	"pingpong":        "p99_us",
	"unreliable_rate": "msgs_per_s",
	"lossy_transfer":  "seconds",
	"many_conns":      "server_cpu_pct",
}

func paramLabel(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, p[k]))
	}
	return strings.Join(parts, " ")
}

// writeReport writes results.jsonl, one SVG chart per workload and summary.md.
func writeReport(dir string, results []result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range results {
		_ = enc.Encode(r)
	}
	f.Close()

	byWorkload := map[string][]result{}
	var order []string
	for _, r := range results {
		if _, ok := byWorkload[r.Workload]; !ok {
			order = append(order, r.Workload)
		}
		byWorkload[r.Workload] = append(byWorkload[r.Workload], r)
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Benchmark summary\n\nCommit `%s`. Each figure is min / median / max over the runs; ratios compare with raw UDP measured in the same run (bulk: MB/s over raw_udp_limit with 64 datagrams per system call, ratio_to_raw_udp, and over raw_udp_limit with UDP GSO/GRO, ratio_to_raw_udp_gso — the equally strong baseline on Linux, where the engine uses GSO/GRO too; pingpong: p99 and p50 over raw UDP echo; unreliable_rate: messages/s over raw UDP, one 100-byte datagram per message). Engine send-rate profiles: cc = SEND_RATE_MIN 256 KiB/s, MAX 256 MiB/s (congestion controller); fixed_max = both 256 MiB/s; default = GNS defaults.\n\n", commitOf(results))
	for _, w := range order {
		rs := byWorkload[w]
		fig := primaryFigure[w]
		if err := os.WriteFile(filepath.Join(dir, w+".svg"), []byte(barChart(w, fig, rs)), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&md, "## %s\n\n![%s](%s.svg)\n\n| impl | params | runs | figures: median (min–max) |\n|---|---|---|---|\n", w, w, w)
		for _, r := range rs {
			var parts []string
			keys := make([]string, 0, len(r.Figures))
			for k := range r.Figures {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				f := r.Figures[k]
				parts = append(parts, fmt.Sprintf("%s %.4g (%.4g–%.4g)", k, f.Median, f.Min, f.Max))
			}
			if r.Error != "" {
				parts = append(parts, "ERROR: "+r.Error)
			}
			fmt.Fprintf(&md, "| %s | %s | %d | %s |\n", r.Impl, paramLabel(r.Params), r.Runs, strings.Join(parts, "; "))
		}
		md.WriteString("\n")
	}
	return os.WriteFile(filepath.Join(dir, "summary.md"), []byte(md.String()), 0o644)
}

func commitOf(rs []result) string {
	if len(rs) > 0 {
		return rs[0].Commit
	}
	return ""
}

// barChart draws a horizontal bar chart (median bar, min–max whisker) as SVG.
func barChart(title, fig string, rs []result) string {
	type bar struct {
		label         string
		min, med, max float64
	}
	var bars []bar
	top := 0.0
	for _, r := range rs {
		f, ok := r.Figures[fig]
		if !ok {
			continue
		}
		bars = append(bars, bar{r.Impl + " " + paramLabel(r.Params), f.Min, f.Median, f.Max})
		top = math.Max(top, f.Max)
	}
	if top == 0 {
		top = 1
	}
	const left, width, rowH = 330, 420, 26
	h := 50 + rowH*len(bars) + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`, left+width+90, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/><text x="10" y="22" font-size="15" font-weight="bold">%s — %s (median, min–max)</text>`, html.EscapeString(title), html.EscapeString(fig))
	colors := map[string]string{"engine": "#2a7ae2", "kcp": "#e2892a", "raw_udp": "#6b6b6b"}
	for i, br := range bars {
		y := 40 + i*rowH
		color := "#2a7ae2"
		for k, c := range colors {
			if strings.HasPrefix(br.label, k) {
				color = c
			}
		}
		w := int(br.med / top * width)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-8, y+16, html.EscapeString(br.label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="18" fill="%s"/>`, left, y+3, max(w, 1), color)
		x0 := left + int(br.min/top*width)
		x1 := left + int(br.max/top*width)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`, x0, y+12, x1, y+12)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%.4g</text>`, left+max(w, x1-left)+6, y+16, br.med)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
