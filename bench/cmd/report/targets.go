package main

// The Targets and Proxy overhead sections: hitrate's own performance
// targets, checked against the benchmarks of its core packages (a second
// results file, -core) and against the output of bench/cmd/overhead
// (-overhead).

import (
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// Core holds the samples of the core packages' benchmarks (ring, shard and
// monitor), as go test -bench writes them when run from the repository
// root on several packages: each result's package is its "pkg"
// configuration.
type Core struct {
	config  map[string]string // the first value of each file configuration key
	procs   []int             // every GOMAXPROCS in the file, ascending
	samples map[coreKey]map[string][]float64
}

// coreKey names one core benchmark at one GOMAXPROCS.
type coreKey struct {
	pkg   string // the last element of the import path: "shard"
	name  string // the name without Benchmark and -procs: "CounterInc"
	procs int
}

// ParseCore reads the core packages' results in the Go benchmark format.
// A result without a "pkg" configuration is kept under the package "".
func ParseCore(r io.Reader, fileName string) (*Core, error) {
	c := &Core{config: map[string]string{}, samples: map[coreKey]map[string][]float64{}}
	err := scan(r, fileName, c.config, func(rec *benchfmt.Result) {
		base, parts := rec.Name.Parts()
		parts, procs, ok := splitProcs(parts)
		if !ok {
			return
		}
		name := strings.TrimPrefix(string(base), "Benchmark")
		for _, p := range parts {
			name += string(p)
		}
		k := coreKey{pkg: pkgName(rec.GetConfig("pkg")), name: name, procs: procs}
		if !slices.Contains(c.procs, procs) {
			c.procs = append(c.procs, procs)
		}
		m := c.samples[k]
		if m == nil {
			m = map[string][]float64{}
			c.samples[k] = m
		}
		for _, v := range rec.Values {
			m[v.Unit] = append(m[v.Unit], v.Value)
		}
	})
	if err != nil {
		return nil, err
	}
	if len(c.samples) == 0 {
		return nil, fmt.Errorf("%s: no benchmark results", fileName)
	}
	sort.Ints(c.procs)
	return c, nil
}

// pkgName returns the last element of an import path, or "" for "".
func pkgName(importPath string) string {
	if importPath == "" {
		return ""
	}
	return path.Base(importPath)
}

// summary returns the median of one benchmark's unit at GOMAXPROCS p and
// its confidence interval; ok is false if the file has no such values.
func (c *Core) summary(pkg, name string, p int, unit string) (benchmath.Summary, bool) {
	return summarize(c.samples[coreKey{pkg, name, p}][unit])
}

// minRuns returns the fewest runs of any benchmark's time.
func (c *Core) minRuns() int {
	n := math.MaxInt
	for _, m := range c.samples {
		if v := len(m[unitTime]); v > 0 {
			n = min(n, v)
		}
	}
	if n == math.MaxInt {
		return 0
	}
	return n
}

// endProcs returns the GOMAXPROCS at which the time targets are checked:
// 1 (one goroutine, no -N suffix), and the largest in the file if larger.
func (c *Core) endProcs() []int {
	ps := []int{1}
	if hi := c.procs[len(c.procs)-1]; hi > 1 {
		ps = append(ps, hi)
	}
	return ps
}

// The verdicts of a target row.
const (
	verdictMet    = "met"
	verdictMissed = "missed"
	verdictAbsent = "—" // a benchmark (or line) the row needs is missing
)

// verdict says whether v is within limit: at most limit, or below it if
// strict.
func verdict(v, limit float64, strict bool) string {
	if v < limit || (!strict && v == limit) {
		return verdictMet
	}
	return verdictMissed
}

// TargetRow is one row of the Targets table.
type TargetRow struct {
	What     string // the target, in words
	Bench    string // the benchmarks (or command) it is measured with
	CPU      string // the -cpu (GOMAXPROCS) it is measured at
	Measured string // the measured median, or "—"
	Goal     string // the target: "≤ 1.3x"
	Result   string // verdictMet, verdictMissed or verdictAbsent
}

// benchCell names benchmarks of one package for the Bench column.
func benchCell(pkg string, names ...string) string {
	cells := make([]string, len(names))
	for i, n := range names {
		cells[i] = "`Benchmark" + n + "`"
	}
	return pkg + ": " + strings.Join(cells, " / ")
}

// ratioRow checks that the median time of num over that of den, both of
// package pkg at GOMAXPROCS p, is at most limit.
func (c *Core) ratioRow(what, pkg, num, den string, p int, limit float64) TargetRow {
	row := TargetRow{What: what, Bench: benchCell(pkg, num, den), CPU: strconv.Itoa(p),
		Goal: "≤ " + strconv.FormatFloat(limit, 'f', -1, 64) + "x", Measured: verdictAbsent, Result: verdictAbsent}
	n, nok := c.summary(pkg, num, p, unitTime)
	d, dok := c.summary(pkg, den, p, unitTime)
	if !nok || !dok || d.Center == 0 {
		return row
	}
	r := n.Center / d.Center
	row.Measured = fmt.Sprintf("%.2fx (%s / %s ns)", r, ns(n.Center), ns(d.Center))
	row.Result = verdict(r, limit, false)
	return row
}

// timeRow checks that the median time of one benchmark at GOMAXPROCS p is
// at most limitNs nanoseconds.
func (c *Core) timeRow(what, pkg, name string, p int, limitNs float64) TargetRow {
	row := TargetRow{What: what, Bench: benchCell(pkg, name), CPU: strconv.Itoa(p),
		Goal: "≤ " + num(limitNs) + " ns", Measured: verdictAbsent, Result: verdictAbsent}
	s, ok := c.summary(pkg, name, p, unitTime)
	if !ok {
		return row
	}
	row.Measured = ns(s.Center) + " ns ± " + s.PctRangeString()
	row.Result = verdict(s.Center*1e9, limitNs, false)
	return row
}

// worstRow checks that the largest median of one benchmark's unit over
// every GOMAXPROCS in the file is at most limit.
func (c *Core) worstRow(what, pkg, name, unit string, limit float64) TargetRow {
	goal := "≤ " + num(limit) + " " + unit
	if limit == 0 {
		goal = "0 " + unit
	}
	row := TargetRow{What: what, Bench: benchCell(pkg, name), CPU: verdictAbsent, Goal: goal,
		Measured: verdictAbsent, Result: verdictAbsent}
	worst, found := 0.0, false
	var cpus []string
	for _, p := range c.procs {
		s, ok := c.summary(pkg, name, p, unit)
		if !ok {
			continue
		}
		if !found || s.Center > worst {
			worst = s.Center
		}
		found = true
		cpus = append(cpus, strconv.Itoa(p))
	}
	if !found {
		return row
	}
	row.CPU = strings.Join(cpus, ", ")
	row.Measured = num(worst) + " " + unit
	row.Result = verdict(worst, limit, false)
	return row
}

// coreBench names one core benchmark.
type coreBench struct{ pkg, name string }

// knownIncPaths are the benchmarks of hitrate's increment paths, whose
// allocs/op must be 0; the file's other benchmarks with Inc, Add or Log in
// their name are added after them, except the sync/atomic references
// (AtomicAdd...), which measure no hitrate code.
var knownIncPaths = []coreBench{
	{"shard", "CounterInc"}, {"shard", "CounterIncParallel"}, {"shard", "CounterIncRotating"},
	{"ring", "CounterInc"}, {"ring", "CounterIncPerGoroutine"}, {"ring", "WindowAdd"},
	{"monitor", "ConnLog"}, {"monitor", "ConnLogParallel"}, {"monitor", "MonitorLog"}, {"monitor", "MonitorLogParallel"},
}

// incPathRE matches the name of an increment path's benchmark.
var incPathRE = regexp.MustCompile(`Inc|Add|Log`)

// incPaths returns knownIncPaths and the file's other increment paths.
func (c *Core) incPaths() []coreBench {
	list := slices.Clone(knownIncPaths)
	var more []coreBench
	for k := range c.samples {
		b := coreBench{k.pkg, k.name}
		if incPathRE.MatchString(k.name) && !strings.HasPrefix(k.name, "AtomicAdd") &&
			!slices.Contains(list, b) && !slices.Contains(more, b) {
			more = append(more, b)
		}
	}
	slices.SortFunc(more, func(a, b coreBench) int {
		return strings.Compare(a.pkg+"."+a.name, b.pkg+"."+b.name)
	})
	return append(list, more...)
}

// Targets returns the rows of the Targets table: those measured with the
// core results, if core is not nil, then the proxy's, if ov is not nil.
func Targets(core *Core, ov *Overhead) []TargetRow {
	var rows []TargetRow
	if c := core; c != nil {
		for _, p := range c.endProcs() {
			rows = append(rows, c.ratioRow("`shard.Counter.Inc` / `sync/atomic` Add, one goroutine",
				"shard", "CounterInc", "AtomicAdd", p, 1.3))
		}
		if slices.Contains(c.procs, 2) {
			rows = append(rows, c.ratioRow("`shard.Counter.Inc` / `sync/atomic` Add, `RunParallel` on 2 CPUs",
				"shard", "CounterIncParallel", "AtomicAddParallel", 2, 0.25))
		}
		for _, b := range []struct{ what, pkg, name string }{
			{"rate read: `shard.Counter.Rate`", "shard", "CounterRate"},
			{"rate read: `shard.Counter.RateWith(ring.Interpolated)`", "shard", "CounterRateInterpolated"},
			{"rate read: `ring.Counter.Rate`", "ring", "CounterRate"},
			{"rate read: `ring.Counter.RateWith(ring.Interpolated)`", "ring", "CounterRateInterpolated"},
		} {
			for _, p := range c.endProcs() {
				rows = append(rows, c.timeRow(b.what, b.pkg, b.name, p, 100))
			}
		}
		for _, p := range c.endProcs() {
			rows = append(rows, c.ratioRow("one event on a connection: `monitor.Conn.Log` / `sync/atomic` Add",
				"monitor", "ConnLog", "AtomicAdd", p, 2.5))
		}
		for _, p := range c.endProcs() {
			rows = append(rows, c.ratioRow("proxy pattern (two goroutines per connection): `monitor.Conn` / padded atomics, per event",
				"monitor", "ConnProxy", "ProxyPadded", p, 3))
		}
		for _, p := range c.procs {
			rows = append(rows, c.spreadRow("proxy pattern: slowest run / median", "monitor", "ConnProxy", p, 1.5))
		}
		if len(c.snapshotCases()) > 0 {
			rows = append(rows, c.readerRows()...)
		}
		rows = append(rows, c.worstRow("memory per open connection with 4 events", "monitor", "ConnMemory", "B/conn", 512))
		rows = append(rows, c.worstRow("allocations per `Open` + `Close`", "monitor", "OpenClose", unitAllocs, 1))
		for _, b := range c.incPaths() {
			rows = append(rows, c.worstRow("allocations per increment", b.pkg, b.name, unitAllocs, 0))
		}
	}
	if ov != nil {
		rows = append(rows, ov.row())
	}
	return rows
}

// overheadLimit is the proxy's target: monitoring costs it less than this
// share of its throughput, in percent.
const overheadLimit = 2.0

// The defaults of bench/cmd/overhead's -clients and -body flags: the
// command shown names only other values.
const (
	overheadClients = 8
	overheadBody    = 128
)

// Overhead is the output of bench/cmd/overhead, and what it says.
type Overhead struct {
	// Text is the output, verbatim.
	Text string
	// Cost is the throughput cost of monitoring, in percent: the median
	// over the rounds of each round's paired cost. HasCost is false if the
	// output has no such line.
	Cost    float64
	HasCost bool
	// CI is the 95% confidence interval of Cost, as the output states it
	// ("-0.15% to 2.06%"), or "" if it states none.
	CI string
	// CPU is the output's line on the CPU cost of monitoring, or "".
	CPU string
	// Command is the command that prints such an output, run from the
	// bench module, with the flags the output states; HasCommand is false
	// if it states none.
	Command    string
	HasCommand bool
	// Procs is the GOMAXPROCS it ran with, or 0 if unknown.
	Procs int
}

// The lines of bench/cmd/overhead's output that Overhead reads.
var (
	overheadCostRE  = regexp.MustCompile(`(?m)^throughput cost of monitoring: median ([-+]?[0-9]+(?:\.[0-9]+)?)% per round \(95% CI ([^)]*)\)`)
	overheadCPURE   = regexp.MustCompile(`(?m)^CPU cost of monitoring: (.*)$`)
	overheadSetupRE = regexp.MustCompile(`(?m)^(\d+) keep-alive clients, GET with a (\d+)-byte response; (\d+) rounds of (\S+) per side, interleaved; GOMAXPROCS (\d+)\s*$`)
)

// ParseOverhead reads the output of bench/cmd/overhead. It does not fail: a
// line it cannot find leaves its fields unset.
func ParseOverhead(text string) *Overhead {
	ov := &Overhead{Text: text, Command: "go run ./cmd/overhead"}
	if m := overheadCostRE.FindStringSubmatch(text); m != nil {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			ov.Cost, ov.HasCost = v, true
		}
		if strings.Contains(m[2], " to ") {
			ov.CI = m[2]
		}
	}
	if m := overheadCPURE.FindStringSubmatch(text); m != nil {
		ov.CPU = m[1]
	}
	if m := overheadSetupRE.FindStringSubmatch(text); m != nil {
		ov.Command += " -rounds " + m[3] + " -round-duration " + m[4]
		if m[1] != strconv.Itoa(overheadClients) {
			ov.Command += " -clients " + m[1]
		}
		if m[2] != strconv.Itoa(overheadBody) {
			ov.Command += " -body " + m[2]
		}
		ov.HasCommand = true
		ov.Procs, _ = strconv.Atoi(m[5])
	}
	return ov
}

// goal is the proxy's target as the document writes it.
func (ov *Overhead) goal() string {
	return "< " + num(overheadLimit) + "%"
}

// measured is the cost as the document writes it, or "—".
func (ov *Overhead) measured() string {
	if !ov.HasCost {
		return verdictAbsent
	}
	return strconv.FormatFloat(ov.Cost, 'f', 2, 64) + "%"
}

// verdict is whether the cost is below the target.
func (ov *Overhead) verdict() string {
	if !ov.HasCost {
		return verdictAbsent
	}
	return verdict(ov.Cost, overheadLimit, true)
}

// ciBounds returns the ends of CI, in percent.
func (ov *Overhead) ciBounds() (lo, hi float64, ok bool) {
	l, h, found := strings.Cut(ov.CI, " to ")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseFloat(strings.TrimSuffix(l, "%"), 64)
	hi, err2 := strconv.ParseFloat(strings.TrimSuffix(h, "%"), 64)
	return lo, hi, err1 == nil && err2 == nil
}

// row is the proxy's row of the Targets table.
func (ov *Overhead) row() TargetRow {
	cpu := verdictAbsent
	if ov.Procs > 0 {
		cpu = strconv.Itoa(ov.Procs)
	}
	m := ov.measured()
	if ov.HasCost && ov.CI != "" {
		m += " median (95% CI " + ov.CI + ")"
	}
	return TargetRow{What: "proxy: throughput cost of monitoring (see [Proxy overhead](#proxy-overhead))",
		Bench: "`bench/cmd/overhead`", CPU: cpu, Measured: m, Goal: ov.goal(), Result: ov.verdict()}
}

// coreCommand is the command that wrote the core results, as the file
// records it (hitrate-core-run), or as bench/run.sh runs it with the
// file's run count and -cpu values.
func (c *Core) coreCommand() string {
	if v := c.config["hitrate-core-run"]; v != "" {
		return v
	}
	cpus := make([]string, len(c.procs))
	for i, p := range c.procs {
		cpus[i] = strconv.Itoa(p)
	}
	return fmt.Sprintf("go test -run '^$' -bench . -benchmem -count %d -cpu %s ./ring/ ./shard/ ./monitor/",
		c.minRuns(), strings.Join(cpus, ","))
}

// targets writes the Targets section.
func (res *Results) targets(w io.Writer, opt Options) {
	c := opt.Core
	fmt.Fprintln(w, "## Targets")
	fmt.Fprintln(w)
	if c != nil {
		fmt.Fprintf(w, "hitrate's own targets, checked against the benchmarks of its core packages (`ring`, `shard`, `monitor`), in [%s](%s): median of %d runs or more, computed as in the tables below; a ratio is a median over a median, both from that file at the same -cpu. ",
			opt.CorePath, opt.CorePath, c.minRuns())
		fmt.Fprintf(w, "**%s**: the median is within the target; **%s**: it is not; %s: a benchmark the row needs is not in the file. ", verdictMet, verdictMissed, verdictAbsent)
		fmt.Fprintln(w, "Memory and allocations are the largest median over the -cpu values listed. The increment paths are hitrate's benchmarks with Inc, Add or Log in their name; the `sync/atomic` references (`AtomicAdd`) measure no hitrate code and are left out. The rows of the latency histograms, the keyed tables and the HTTP middleware (after the proxy's) are checked against the peer benchmarks of this run instead (the Latency, Keyed and Middleware workloads below), each beside the peers it must beat.")
		fmt.Fprintln(w)
		var facts []string
		for _, f := range []struct{ key, what string }{
			{"hitrate-date", "date"}, {"hitrate-commit", "commit"}, {"hitrate-host-kind", "host kind"},
		} {
			if v := c.config[f.key]; v != "" {
				facts = append(facts, f.what+" "+v)
			}
		}
		if len(facts) > 0 {
			fmt.Fprintf(w, "Recorded: %s", strings.Join(facts, ", "))
			if hk := c.config["hitrate-host-kind"]; hk != "" && hk == res.config["hitrate-host-kind"] {
				fmt.Fprint(w, "; the same machine as the peer benchmarks")
			}
			fmt.Fprintln(w, ".")
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintln(w, "The core packages' benchmarks are not in this run (`SKIP_EXTRA=1`, or results recorded before they were): only the proxy's target is checked.")
		fmt.Fprintln(w)
	}
	rows := append(Targets(c, opt.Overhead), res.featureRows()...)
	fmt.Fprintln(w, tally(rows))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | benchmark | -cpu | measured | goal | result |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | --- |")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.What, r.Bench, r.CPU, r.Measured, r.Goal, r.Result)
	}
	fmt.Fprintln(w)
	if c == nil {
		return
	}
	fmt.Fprintln(w, "The core benchmarks ran from the repository root, one package after the other (not interleaved):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "```sh")
	fmt.Fprintln(w, c.coreCommand())
	fmt.Fprintln(w, "```")
	fmt.Fprintln(w)
}

// tally counts the rows by verdict, in a sentence: "**20 of 27 rows
// met**, 5 missed, 2 not measured."
func tally(rows []TargetRow) string {
	n := map[string]int{}
	for _, r := range rows {
		n[r.Result]++
	}
	return fmt.Sprintf("**%d of %d rows met**, %d missed, %d not measured.",
		n[verdictMet], len(rows), n[verdictMissed], n[verdictAbsent])
}

// overhead writes the Proxy overhead section.
func overhead(w io.Writer, opt Options) {
	ov := opt.Overhead
	fmt.Fprintln(w, "## Proxy overhead")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "The target: monitoring costs the proxy (`proxy`) less than %s%% of its throughput. `bench/cmd/overhead` measured it on the same machine as the benchmarks: on loopback, it drives a minimal HTTP/1.1 upstream behind two proxies, one without a monitor (off) and one counting the `http` protocol (on), in many short interleaved rounds; the measure is the median of the rounds' paired costs (the throughput lost from off to on), with its 95%% confidence interval. Clients, upstream and both proxies share the machine's cores, so the cost is larger than in a real deployment.\n\n",
		num(overheadLimit))
	if ov.HasCost {
		ci := ""
		if ov.CI != "" {
			ci = ", 95% CI " + ov.CI
		}
		fmt.Fprintf(w, "**Throughput cost of monitoring: %s, median per round%s (target %s): %s.**\n\n", ov.measured(), ci, ov.goal(), ov.verdict())
		if lo, hi, ok := ov.ciBounds(); ok && lo < overheadLimit && hi >= overheadLimit {
			fmt.Fprintf(w, "The interval reaches past the target: on this machine the measurement cannot tell a cost just under %s%% from one just over it.\n\n", num(overheadLimit))
		} else if ok && lo >= overheadLimit {
			fmt.Fprintf(w, "The whole interval is over the target: monitoring costs this proxy more than %s%% on this machine.\n\n", num(overheadLimit))
		}
		if ov.CPU != "" {
			fmt.Fprintf(w, "CPU cost of monitoring (process CPU time per request, everything included): %s.\n\n", ov.CPU)
		}
	} else {
		fmt.Fprintf(w, "**Throughput cost of monitoring: %s (the output has no \"throughput cost of monitoring\" line; target %s).**\n\n", verdictAbsent, ov.goal())
	}
	fmt.Fprintf(w, "Its output is in [%s](%s). From the bench module:\n\n", opt.OverheadPath, opt.OverheadPath)
	fmt.Fprintln(w, "```sh")
	fmt.Fprintln(w, ov.Command)
	fmt.Fprintln(w, "```")
	fmt.Fprintln(w)
	if !ov.HasCommand {
		fmt.Fprintln(w, "(The output does not state its flags.)")
		fmt.Fprintln(w)
	}
}
