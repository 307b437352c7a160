// Command report renders BENCHMARKS.md from the raw output of the bench
// module's benchmarks (the Go benchmark format, as go test -bench writes
// it). bench/run.sh runs it; see bench/README.md.
//
//	report [-o FILE] [-results PATH] [-headline FILE] [-core FILE] [-overhead FILE] RESULTS.txt
//
// It reads the results with golang.org/x/perf/benchfmt and summarizes each
// benchmark with golang.org/x/perf/benchmath as benchstat does (median and
// its 95% confidence interval, no distributional assumption). The machine
// and the commands that produced the results are read from configuration
// lines that run.sh writes at the top of the results file (hitrate-*).
//
// For each workload (BenchmarkInc/seq, BenchmarkInc/par, BenchmarkIncRate,
// BenchmarkProxyMix) and -cpu value it writes a table of every contender's
// ns/op with its confidence interval, its ratio to sync/atomic and to
// xsync (center over center, same workload and -cpu), B/op and allocs/op;
// then a scaling table over the -cpu values. The document is meant to be
// skimmed: it links the raw results files instead of embedding them or
// benchstat's output on them. The headline (shard.Counter against sync/atomic
// and xsync in BenchmarkInc) opens the document and is also written to
// stdout, or to the -headline file.
//
// With -core, the results of the core packages' benchmarks (go test -bench
// on ./ring/ ./shard/ ./monitor/ from the repository root, with their
// "pkg" lines), and with -overhead, the output of bench/cmd/overhead, the
// headline is followed by a Targets section: one row per target of the
// project, its measured median, the target and whether it is met (see
// targets.go). With -overhead, a Proxy overhead section then sums up that
// output and checks its "throughput cost of monitoring" against the
// target (under 2%). Both are
// optional, so that older results still render; the document names those
// files as siblings of -results.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// Units as benchfmt tidies them ("ns/op" becomes "sec/op").
const (
	unitTime   = "sec/op"
	unitBytes  = "B/op"
	unitAllocs = "allocs/op"
)

// confidence is the level of the intervals in the tables, as benchstat's.
const confidence = 0.95

// fullCount is the number of runs per benchmark below which the document
// is marked preliminary.
const fullCount = 10

// References of the ratio columns, and the headline's subject.
const (
	refAtomic = "atomic"
	refXsync  = "xsync"
	subject   = "shard"
)

// key names one benchmark at one GOMAXPROCS.
type key struct {
	workload  string // "Inc/seq": the name without Benchmark, contender and -procs
	contender string // the last path element: "atomic"
	procs     int
}

// Results holds the samples of a results file, in the order the
// benchmarks first appear.
type Results struct {
	config     map[string]string // the first value of each configuration key
	workloads  []string
	contenders []string
	procs      []int // ascending
	samples    map[key]map[string][]float64
}

// Parse reads results in the Go benchmark format. Benchmarks whose name
// has no sub-benchmark (no contender) are ignored.
func Parse(r io.Reader, fileName string) (*Results, error) {
	res := &Results{config: map[string]string{}, samples: map[key]map[string][]float64{}}
	err := scan(r, fileName, res.config, func(rec *benchfmt.Result) {
		if k, ok := parseName(rec.Name); ok {
			res.add(k, rec.Values)
		}
	})
	if err != nil {
		return nil, err
	}
	if len(res.samples) == 0 {
		return nil, fmt.Errorf("%s: no benchmark results", fileName)
	}
	sort.Ints(res.procs)
	return res, nil
}

// scan reads results in the Go benchmark format from r, records the first
// value of each file configuration key in config, and calls each for every
// result. It stops at the first syntax or read error.
func scan(r io.Reader, fileName string, config map[string]string, each func(*benchfmt.Result)) error {
	rd := benchfmt.NewReader(r, fileName)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return rec
		case *benchfmt.Result:
			for _, c := range rec.Config {
				if _, ok := config[c.Key]; !ok && c.File {
					config[c.Key] = string(c.Value)
				}
			}
			each(rec)
		}
	}
	return rd.Err()
}

// parseName splits BenchmarkInc/seq/atomic-2 into Inc/seq, atomic and 2.
// go test adds no -N suffix when GOMAXPROCS is 1.
func parseName(n benchfmt.Name) (key, bool) {
	base, parts := n.Parts()
	parts, procs, ok := splitProcs(parts)
	if !ok || len(parts) == 0 {
		return key{}, false
	}
	wl := strings.TrimPrefix(string(base), "Benchmark")
	for _, p := range parts[:len(parts)-1] {
		wl += string(p)
	}
	return key{workload: wl, contender: string(parts[len(parts)-1][1:]), procs: procs}, true
}

// splitProcs removes the -N GOMAXPROCS suffix from the parts of a
// benchmark name and returns N, or 1 where there is no suffix (go test
// adds none when GOMAXPROCS is 1); ok is false if the suffix is no number.
func splitProcs(parts [][]byte) (rest [][]byte, procs int, ok bool) {
	if len(parts) > 0 && parts[len(parts)-1][0] == '-' {
		p, err := strconv.Atoi(string(parts[len(parts)-1][1:]))
		if err != nil {
			return nil, 0, false
		}
		return parts[:len(parts)-1], p, true
	}
	return parts, 1, true
}

func (res *Results) add(k key, vals []benchfmt.Value) {
	if !slices.Contains(res.workloads, k.workload) {
		res.workloads = append(res.workloads, k.workload)
	}
	if !slices.Contains(res.contenders, k.contender) {
		res.contenders = append(res.contenders, k.contender)
	}
	if !slices.Contains(res.procs, k.procs) {
		res.procs = append(res.procs, k.procs)
	}
	m := res.samples[k]
	if m == nil {
		m = map[string][]float64{}
		res.samples[k] = m
	}
	for _, v := range vals {
		m[v.Unit] = append(m[v.Unit], v.Value)
	}
}

// summary returns the median of k's unit and its confidence interval, and
// the number of runs; ok is false if k has no such values.
func (res *Results) summary(k key, unit string) (s benchmath.Summary, n int, ok bool) {
	vals := res.samples[k][unit]
	s, ok = summarize(vals)
	return s, len(vals), ok
}

// summarize returns the median of vals and its confidence interval, as
// benchstat computes them; ok is false if vals is empty.
func summarize(vals []float64) (s benchmath.Summary, ok bool) {
	if len(vals) == 0 {
		return s, false
	}
	sample := benchmath.NewSample(slices.Clone(vals), &benchmath.DefaultThresholds)
	return benchmath.AssumeNothing.Summary(sample, confidence), true
}

// minRuns returns the fewest runs of any benchmark's time.
func (res *Results) minRuns() int {
	n := math.MaxInt
	for _, m := range res.samples {
		n = min(n, len(m[unitTime]))
	}
	return n
}

// Options are the parts of the document that do not come from the
// results.
type Options struct {
	// ResultsPath is the results file as the document names it,
	// relative to the repository root.
	ResultsPath string
	// Core is the core packages' results (-core), if any: with them
	// or with Overhead, the document has a Targets section.
	Core *Core
	// CorePath is the core results file as the document names it.
	CorePath string
	// Overhead is the output of bench/cmd/overhead (-overhead), if any:
	// with it, the document has a Proxy overhead section.
	Overhead *Overhead
	// OverheadPath is that output's file as the document names it.
	OverheadPath string
	// Scaling is a bench/device.sh run on a larger machine (-scaling), if
	// any: with it, the document has a Scaling to N cores section.
	Scaling *Scaling
	// Others are the results files of other machines, listed in an Other
	// hosts section.
	Others []Host
}

// ns formats a time in seconds as nanoseconds with three significant
// digits or more.
func ns(sec float64) string {
	v := sec * 1e9
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// num formats a B/op or allocs/op median.
func num(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// ratio formats a/b as "0.81x", or "—" if either is missing.
func ratio(a, b float64, ok bool) string {
	if !ok || b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// center returns the median of k's time, if any.
func (res *Results) center(k key) (float64, bool) {
	s, _, ok := res.summary(k, unitTime)
	return s.Center, ok
}

// cpuFlag formats a GOMAXPROCS as the -cpu value it came from.
func cpuFlag(p int) string { return "-cpu " + strconv.Itoa(p) }

// Headline writes the markdown table of shard.Counter's Inc against
// sync/atomic and xsync, seq and par, at every -cpu.
func (res *Results) Headline(w io.Writer) {
	fmt.Fprintf(w, "`shard.Counter.Inc` against `sync/atomic.Int64.Add` and `xsync.Counter.Inc`: median ns/op of %d runs or more, lower is better; a ratio below 1 means shard is faster.\n\n", res.minRuns())
	fmt.Fprintln(w, "| workload | -cpu | shard | sync/atomic | xsync | shard / atomic | shard / xsync |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, wl := range []string{"Inc/seq", "Inc/par"} {
		for _, p := range res.procs {
			s, ok := res.center(key{wl, subject, p})
			if !ok {
				continue
			}
			a, aok := res.center(key{wl, refAtomic, p})
			x, xok := res.center(key{wl, refXsync, p})
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", wl, p, ns(s), nsOr(a, aok), nsOr(x, xok),
				ratio(s, a, aok), ratio(s, x, xok))
		}
	}
}

func nsOr(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return ns(v)
}

// contenderDoc describes the contenders the bench module runs.
var contenderDoc = map[string]string{
	"mutex":           "`sync.Mutex` around an `int64`",
	"atomic":          "`sync/atomic.Int64`",
	"uberatomic":      "`go.uber.org/atomic.Int64`",
	"xsync":           "`github.com/puzpuzpuz/xsync/v3.Counter` (striped)",
	"prometheus":      "`prometheus/client_golang` `Counter` (read: `Write` to `dto.Metric`, as a scrape)",
	"victoriametrics": "`github.com/VictoriaMetrics/metrics.Counter`",
	"gometrics":       "`github.com/rcrowley/go-metrics` `Meter` (read: `Rate1`)",
	"ratecounter":     "`github.com/paulbellamy/ratecounter.RateCounter`, 1 s window",
	"ring":            "hitrate `ring.Counter` (unsharded, lazy window) on a rotating `ring.Clock`",
	"shard":           "hitrate `shard.Counter` (one cell, per-P cells once contended) on a rotating `ring.Clock`",
	"monitor":         "hitrate `monitor.Monitor`: `m.Log(ev)`; in ProxyMix `m.Open`, `conn.Log(ev)`, `conn.Close`",
	"monitor-conn":    "hitrate `monitor.Conn.Log(ev)` on one open connection (counts the connection and the protocol)",
	"bare":            "Middleware's reference: the handler alone, no counting",
	"httpcount":       "hitrate `httpcount.Handler`: requests, responses by class, body bytes and the `response_time` distribution, on the protocol",
	"httpcount-conn":  "the same, each goroutine's requests carried by a `netcount.Conn` of its own (as through `httpcount.ConnContext`): counted on the connection too (its counts and response-time count and mean)",
	"promhttp":        "`promhttp.InstrumentHandlerCounter` + `InstrumentHandlerDuration` (labels code and method, default buckets)",
	"otelhttp":        "`otelhttp.NewHandler`, OpenTelemetry SDK with a `ManualReader`, no-op tracer",
	"vm-by-hand":      "VictoriaMetrics/metrics by hand: a pooled status-capturing writer, a `Counter` per class, a `Histogram`",
	"hitrate":         "Latency: hitrate `latency.Histogram.Record` (per-P stripes once contended) on a rotating `ring.Clock`; LatencyRead: reading its last second",
	"hdr-mutex":       "`github.com/HdrHistogram/hdrhistogram-go` `RecordValue` (1 µs to 1 h, 2 digits) behind a `sync.Mutex`",
	"ddsketch-mutex":  "`github.com/DataDog/sketches-go` DDSketch (1% relative accuracy) `Add` behind a `sync.Mutex`",
	"vmetrics":        "`github.com/VictoriaMetrics/metrics.Histogram.Update`",
	"prom-classic":    "client_golang `Histogram.Observe`, classic default buckets",
	"prom-native":     "client_golang `Histogram.Observe`, native histogram (factor 1.1)",
	"otel":            "OpenTelemetry SDK `Float64Histogram.Record` (ManualReader)",
	"keyed":           "hitrate `keyed.Table[netip.Addr]`: `Inc` (Count), `Rate` (Decide); one goroutine per op",
	"mutex-map":       "a `sync.Mutex`-guarded `map[netip.Addr]uint64` of counters (no window, no rate)",
	"xtime-xsync":     "`golang.org/x/time/rate.Limiter.Allow` per key in an `xsync.MapOf` (a yes/no, no rate)",
	"xtime-syncmap":   "the same in a `sync.Map`",
	"floor64B":        "KeyedCount's floor, no table: one atomic add on the first word of the key's own 64 bytes (a cache line per key), found by the key's number (no hash, probe or key compare): the memory traffic alone",
	"floor256B":       "the same with 256 bytes per key, the memory goal for 4 events",
	"rate":            "KeyedDecide: `keyed.Table.Rate(key, connections) > limit` for a resident key",
	"addrate":         "KeyedDecide: `AddRate(key, connections, 1) > limit`: count the attempt and read the rate on one lookup, as the proxy does per connection",
	"inc+rate":        "KeyedDecide: `Inc` then `Rate` of the same key: the same decision on two lookups",
	"zipf":            "KeyedTop10: `Top(requests, 10, ByRate)` on a table filled with Zipf-distributed traffic",
	"events=2":        "KeyedMemory: heap bytes per resident key (B/key) with 2 events, index included",
	"events=4":        "KeyedMemory: the same with 4 events",
	"padded":          "ProxyPattern's reference: two `sync/atomic` counters per connection and direction, padded to their own cache lines; no protocol total, no rate",
}

// workloadDoc describes the workloads.
var workloadDoc = map[string]string{
	"Inc/seq":            "one goroutine increments one counter.",
	"Inc/par":            "GOMAXPROCS goroutines (`b.RunParallel`) increment one shared counter.",
	"IncRate":            "GOMAXPROCS goroutines increment one shared counter; each reads its rate every 64 increments (its value, for contenders without a rate).",
	"ProxyMix":           "GOMAXPROCS goroutines, each a connection: every op counts one event on the connection's own counter and on a shared aggregate of the same kind; every 64 ops the goroutine reads the aggregate's rate (or value); every 1024 ops the connection is closed and a new one made.",
	"Middleware":         "GOMAXPROCS goroutines serve an in-process handler that writes 13 bytes to a ResponseWriter that keeps nothing (reused, so that no recorder's garbage hides what a middleware adds), through each way of counting a server's requests (`bench/middleware_test.go`); one op is one request. What a contender adds is its row minus `bare`'s.",
	"Latency/seq":        "one goroutine records one latency (values 50 µs to 200 ms, log-uniform, from a precomputed table) into one histogram; hdrhistogram-go and DDSketch behind a sync.Mutex, `atomic` adds the value to a sync/atomic word (the baseline).",
	"Latency/par":        "GOMAXPROCS goroutines (`b.RunParallel`) record one latency each into one shared histogram, as Latency/seq.",
	"LatencyRead":        "read p50, p90, p99, p99.9 and max: hitrate's last-second window of 11 full Ticks, hdrhistogram-go's whole histogram behind its mutex.",
	"KeyedCount":         "one goroutine counts one event for a resident key, keys drawn uniformly or by Zipf (s = 1.1) from a table of that many keys (`bench/keyed_test.go`).",
	"KeyedCountParallel": "GOMAXPROCS goroutines (`b.RunParallel`) count as KeyedCount, on one shared table.",
	"KeyedDecide":        "one goroutine asks a resident key's connection rate and compares it with a limit (`rate`), or counts then asks, on one lookup (`addrate`) or two (`inc+rate`).",
	"KeyedTop10":         "the 10 keys with the highest request rate, from a table of that many keys.",
	"KeyedMemory":        "fills a table with that many keys; reports the heap bytes per key (B/key).",
	"ProxyPattern":       "64 connections, each copied by two goroutines, one per direction, spread over GOMAXPROCS; each direction counts its own two events (a request or response, and its bytes), on the connection and for the protocol; one op is one event.",
}

// Render writes BENCHMARKS.md.
func (res *Results) Render(w io.Writer, opt Options) {
	cfg := func(k string) string {
		if v := res.config[k]; v != "" {
			return v
		}
		return "unknown"
	}
	runs := res.minRuns()
	fmt.Fprintln(w, "# Benchmarks")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "<!-- Generated by bench/run.sh from %s; do not edit. -->\n\n", opt.ResultsPath)
	if runs < fullCount {
		fmt.Fprintf(w, "> **Preliminary**: %d runs per benchmark at -benchtime %s. Regenerate on a quiet machine with `bench/run.sh` (%d runs at -benchtime 1s) for numbers to quote.\n\n",
			runs, cfg("hitrate-benchtime"), fullCount)
	}
	fmt.Fprintln(w, "How fast hitrate counts, next to the usual ways Go programs count events, on the same workloads: the headline, hitrate's own targets, the proxy's overhead, then every peer and the scaling over -cpu. Generated by `bench/run.sh`; the raw results are linked, not copied:")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "- peers: [%s](%s)\n", opt.ResultsPath, opt.ResultsPath)
	if opt.Core != nil {
		fmt.Fprintf(w, "- core packages: [%s](%s)\n", opt.CorePath, opt.CorePath)
	}
	if opt.Overhead != nil {
		fmt.Fprintf(w, "- proxy overhead: [%s](%s)\n", opt.OverheadPath, opt.OverheadPath)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "For benchstat's full summary of a file: `cd bench && go tool benchstat %s`.\n\n", strings.TrimPrefix(opt.ResultsPath, "bench/"))

	fmt.Fprintln(w, "## Headline")
	fmt.Fprintln(w)
	res.Headline(w)
	fmt.Fprintln(w)

	if opt.Core != nil || opt.Overhead != nil {
		res.targets(w, opt)
	}
	if opt.Overhead != nil {
		overhead(w, opt)
	}
	if opt.Core != nil {
		readersSection(w, opt.Core)
	}
	if opt.Scaling != nil {
		scalingSection(w, opt.Scaling)
	}

	fmt.Fprintln(w, "## Machine")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| | |")
	fmt.Fprintln(w, "| --- | --- |")
	cpu := cpuName(cfg("hitrate-cpu-model"), res.config["hitrate-cpu-id"])
	if g := strings.TrimSpace(res.config["cpu"]); g != "" && g != cpu {
		cpu += " (Go reports: " + g + ")"
	}
	fmt.Fprintf(w, "| CPU | %s |\n", cpu)
	fmt.Fprintf(w, "| cores | %s |\n", cfg("hitrate-cores"))
	fmt.Fprintf(w, "| kernel | %s |\n", cfg("hitrate-kernel"))
	fmt.Fprintf(w, "| Go | %s |\n", cfg("hitrate-go"))
	fmt.Fprintf(w, "| date | %s |\n", cfg("hitrate-date"))
	fmt.Fprintf(w, "| commit | %s |\n", cfg("hitrate-commit"))
	if n := res.config["hitrate-note"]; n != "" {
		fmt.Fprintf(w, "| note | %s |\n", n)
	}
	fmt.Fprintf(w, "| runs | %s per benchmark, -benchtime %s, -cpu %s |\n", cfg("hitrate-count"), cfg("hitrate-benchtime"), cfg("hitrate-cpu"))
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## Reproduce")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "From the repository root, on a quiet machine:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "```sh")
	fmt.Fprintf(w, "%s   # about half an hour: the benchmarks, then this document\n", cfg("hitrate-run"))
	fmt.Fprintf(w, "REPORT_ONLY=%s bench/run.sh   # this document again, from the recorded results\n", opt.ResultsPath)
	fmt.Fprintln(w, "```")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "run.sh builds the test binary once, then runs every benchmark once per round, %s rounds, so that a burst of noise spreads over all contenders instead of landing on the runs of one; then it runs the core packages' benchmarks and the proxy's overhead. [bench/README.md](bench/README.md) lists every step. ", cfg("hitrate-count"))
	fmt.Fprintf(w, "The same peer benchmarks, not interleaved: `cd bench && go test -run '^$' -bench . -benchmem -count %s -cpu %s`.\n\n", cfg("hitrate-count"), cfg("hitrate-cpu"))

	fmt.Fprintln(w, "## Contenders")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| contender | what |")
	fmt.Fprintln(w, "| --- | --- |")
	for _, c := range res.contenders {
		d := contenderDoc[c]
		if d == "" {
			d = "—"
		}
		fmt.Fprintf(w, "| %s | %s |\n", c, d)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "hitrate's contenders run on a real `ring.NewClock`, so the rotation of the window is in their numbers. Every table cell is a median over the runs; `±` is its 95% confidence interval, as benchstat computes it (`∞`: fewer than 6 runs). The ratio columns divide the median by the median of `atomic` (resp. `xsync`) in the same workload at the same -cpu: below 1 is faster. B/op and allocs/op are the largest median over the -cpu values.")
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## Peers")
	fmt.Fprintln(w)
	for _, wl := range res.workloads {
		fmt.Fprintf(w, "### %s\n\n", wl)
		d := workloadDoc[wl]
		if d == "" {
			// A parameterized workload (KeyedCount/keys=1000/uniform) is
			// described by its benchmark's name.
			d = workloadDoc[strings.SplitN(wl, "/", 2)[0]]
		}
		if d != "" {
			fmt.Fprintf(w, "`Benchmark%s/<contender>`: %s\n\n", wl, d)
		}
		res.table(w, wl)
		fmt.Fprintln(w)
	}

	if opt.Scaling == nil {
		// With a larger machine's run, Scaling to N cores says it, and
		// the peer tables above hold every -cpu of this one side by side.
		res.scaling(w)
	}
	hostsSection(w, opt.Others)
}

func (res *Results) hasAny(wl string, p int) bool {
	for _, c := range res.contenders {
		if _, ok := res.samples[key{wl, c, p}]; ok {
			return true
		}
	}
	return false
}

// table writes the table of one workload: for each -cpu, every
// contender's ns/op with its interval and its ratios to sync/atomic and
// xsync; then B/op and allocs/op, the largest median over the -cpu values.
func (res *Results) table(w io.Writer, wl string) {
	var procs []int
	for _, p := range res.procs {
		if res.hasAny(wl, p) {
			procs = append(procs, p)
		}
	}
	fmt.Fprint(w, "| contender |")
	for _, p := range procs {
		fmt.Fprintf(w, " ns/op (± CI), %s | x atomic | x xsync |", cpuFlag(p))
	}
	fmt.Fprintln(w, " B/op | allocs/op |")
	fmt.Fprintf(w, "| --- |%s ---: | ---: |\n", strings.Repeat(" ---: | ---: | ---: |", len(procs)))
	for _, c := range res.contenders {
		var cells []string
		found := false
		bMax, aMax, bok, alok := 0.0, 0.0, false, false
		for _, p := range procs {
			k := key{wl, c, p}
			t, _, ok := res.summary(k, unitTime)
			if !ok {
				cells = append(cells, "—", "—", "—")
				continue
			}
			found = true
			a, aok := res.center(key{wl, refAtomic, p})
			x, xok := res.center(key{wl, refXsync, p})
			cells = append(cells, ns(t.Center)+" ± "+t.PctRangeString(), ratio(t.Center, a, aok), ratio(t.Center, x, xok))
			if b, _, ok := res.summary(k, unitBytes); ok {
				bMax, bok = max(bMax, b.Center), true
			}
			if al, _, ok := res.summary(k, unitAllocs); ok {
				aMax, alok = max(aMax, al.Center), true
			}
		}
		if !found {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", c, strings.Join(cells, " | "), numOr(bMax, bok), numOr(aMax, alok))
	}
}

func numOr(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return num(v)
}

// scaling writes every contender's ns/op at each -cpu, per workload, and
// its speedup from the lowest -cpu to the highest.
func (res *Results) scaling(w io.Writer) {
	fmt.Fprintln(w, "## Scaling")
	fmt.Fprintln(w)
	cpus := make([]string, len(res.procs))
	for i, p := range res.procs {
		cpus[i] = strconv.Itoa(p)
	}
	lo, hi := res.procs[0], res.procs[len(res.procs)-1]
	fmt.Fprintf(w, "Median ns/op at -cpu %s, and in parentheses the speedup, ns/op at -cpu %d over ns/op at -cpu %d. ", strings.Join(cpus, " → "), lo, hi)
	fmt.Fprintln(w, "In the parallel workloads ns/op is wall time shared by all goroutines, so perfect scaling divides it by the CPUs added (speedup 2.00x from 1 to 2); Inc/seq runs one goroutine whatever -cpu says.")
	fmt.Fprintf(w, "The machine had %s cores; a larger machine's numbers, where recorded, are in Scaling to N cores above.\n\n", res.configOr("hitrate-cores", "?"))
	if len(res.procs) < 2 {
		fmt.Fprintln(w, "Only one -cpu value was run.")
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "| contender | %s |\n", strings.Join(res.workloads, " | "))
	fmt.Fprintf(w, "| --- |%s\n", strings.Repeat(" ---: |", len(res.workloads)))
	for _, c := range res.contenders {
		fmt.Fprintf(w, "| %s |", c)
		for _, wl := range res.workloads {
			var cell []string
			any := false
			for _, p := range res.procs {
				v, ok := res.center(key{wl, c, p})
				cell = append(cell, nsOr(v, ok))
				any = any || ok
			}
			if !any {
				fmt.Fprint(w, " — |")
				continue
			}
			l, lok := res.center(key{wl, c, lo})
			h, hok := res.center(key{wl, c, hi})
			fmt.Fprintf(w, " %s (%s) |", strings.Join(cell, " → "), ratio(l, h, lok && hok))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

func (res *Results) configOr(k, def string) string {
	if v := res.config[k]; v != "" {
		return v
	}
	return def
}

// sibling returns the name of file in the document: in the folder of
// resultsPath, where run.sh writes it beside the results.
func sibling(resultsPath, file string) string {
	return path.Join(path.Dir(resultsPath), filepath.Base(file))
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("report: ")
	out := flag.String("o", "", "write the document to `file` (default stdout, without the headline)")
	resPath := flag.String("results", "", "the results file as the document names it (default: the argument)")
	headline := flag.String("headline", "", "write the headline to `file` instead of stdout")
	coreFile := flag.String("core", "", "check the targets against the core packages' results in `file`")
	ovFile := flag.String("overhead", "", "check the proxy's target against the output of bench/cmd/overhead in `file`")
	scalingFiles := flag.String("scaling", "", "add the Scaling to N cores section from bench/device.sh's output `files` (comma-separated)")
	others := flag.Bool("others", true, "list the other results files beside RESULTS.txt in an Other hosts section")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: report [-o FILE] [-results PATH] [-headline FILE] [-core FILE] [-overhead FILE] [-scaling FILES] [-others=false] RESULTS.txt")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	in := flag.Arg(0)
	f, err := os.Open(in)
	if err != nil {
		log.Fatal(err)
	}
	res, err := Parse(f, in)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	opt := Options{ResultsPath: *resPath}
	if opt.ResultsPath == "" {
		opt.ResultsPath = in
	}
	if *coreFile != "" {
		f, err := os.Open(*coreFile)
		if err != nil {
			log.Fatal(err)
		}
		opt.Core, err = ParseCore(f, *coreFile)
		f.Close()
		if err != nil {
			log.Fatal(err)
		}
		opt.CorePath = sibling(opt.ResultsPath, *coreFile)
	}
	if *ovFile != "" {
		b, err := os.ReadFile(*ovFile)
		if err != nil {
			log.Fatal(err)
		}
		opt.Overhead = ParseOverhead(string(b))
		opt.OverheadPath = sibling(opt.ResultsPath, *ovFile)
	}
	skip := []string{filepath.Base(in), filepath.Base(*coreFile), filepath.Base(*ovFile)}
	if *scalingFiles != "" {
		files := strings.Split(*scalingFiles, ",")
		paths := make([]string, len(files))
		for i, f := range files {
			paths[i] = sibling(opt.ResultsPath, f)
			skip = append(skip, filepath.Base(f))
		}
		opt.Scaling, err = ParseScaling(files, paths)
		if err != nil {
			log.Fatal(err)
		}
	}
	if *others {
		opt.Others = OtherHosts(filepath.Dir(in), path.Dir(opt.ResultsPath), skip)
	}
	var doc bytes.Buffer
	res.Render(&doc, opt)
	if *out == "" {
		os.Stdout.Write(doc.Bytes())
		return
	}
	if err := os.WriteFile(*out, doc.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	var hl bytes.Buffer
	res.Headline(&hl)
	if *headline != "" {
		if err := os.WriteFile(*headline, hl.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		return
	}
	os.Stdout.Write(hl.Bytes())
}
