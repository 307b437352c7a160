package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

var update = flag.Bool("update", false, "rewrite testdata/small.md")

func parseFile(t *testing.T, name string) *Results {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Parse(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want key
		ok   bool
	}{
		{"BenchmarkInc/seq/atomic", key{"Inc/seq", "atomic", 1}, true},
		{"BenchmarkInc/par/shard-16", key{"Inc/par", "shard", 16}, true},
		{"BenchmarkInc/seq/monitor-conn", key{"Inc/seq", "monitor-conn", 1}, true},
		{"BenchmarkInc/seq/monitor-conn-2", key{"Inc/seq", "monitor-conn", 2}, true},
		{"BenchmarkProxyMix/monitor-2", key{"ProxyMix", "monitor", 2}, true},
		{"BenchmarkAtomicAdd-2", key{}, false},
		{"BenchmarkAtomicAdd", key{}, false},
	} {
		got, ok := parseName(benchfmt.Name(tc.name))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseName(%q) = %+v, %v; want %+v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParse(t *testing.T) {
	res := parseFile(t, "testdata/small.txt")
	if want := []string{"Inc/seq", "Inc/par", "ProxyMix"}; !slices.Equal(res.workloads, want) {
		t.Errorf("workloads %q, want %q", res.workloads, want)
	}
	if want := []string{"atomic", "uberatomic", "xsync", "shard", "monitor"}; !slices.Equal(res.contenders, want) {
		t.Errorf("contenders %q, want %q", res.contenders, want)
	}
	if want := []int{1, 2}; !slices.Equal(res.procs, want) {
		t.Errorf("procs %v, want %v", res.procs, want)
	}
	if n := res.minRuns(); n != 6 {
		t.Errorf("minRuns %d, want 6", n)
	}
	if got := res.config["hitrate-cores"]; got != "2" {
		t.Errorf("hitrate-cores %q, want 2", got)
	}
	for _, u := range []string{unitTime, unitBytes, unitAllocs, "ops/s"} {
		if n := len(res.samples[key{"Inc/par", "shard", 2}][u]); n != 6 {
			t.Errorf("Inc/par shard -cpu 2: %d %s values, want 6", n, u)
		}
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := Parse(strings.NewReader("goos: linux\n"), "empty"); err == nil {
		t.Error("no results: no error")
	}
	if _, err := Parse(strings.NewReader("BenchmarkInc/seq/atomic 10 x ns/op\n"), "bad"); err == nil {
		t.Error("syntax error: no error")
	}
}

// median is the median of vals, computed here independently of benchmath.
func median(vals []float64) float64 {
	v := slices.Sorted(slices.Values(vals))
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// row finds the table row of contender c under the heading of workload wl
// and -cpu p.
func row(t *testing.T, doc, wl string, p int, c string) []string {
	t.Helper()
	_, sec, ok := strings.Cut(doc, "### "+wl+"\n")
	if !ok {
		t.Fatalf("no section %s", wl)
	}
	sec, _, _ = strings.Cut(sec, "\n### ")
	// One table, with three columns per -cpu: ns/op, x atomic, x xsync.
	col := -1
	for _, line := range strings.Split(sec, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if cells[0] == "contender" {
			for i, h := range cells {
				if h == fmt.Sprintf("ns/op (± CI), -cpu %d", p) {
					col = i
				}
			}
			if col < 0 {
				t.Fatalf("%s: no -cpu %d columns", wl, p)
			}
			continue
		}
		if col >= 0 && cells[0] == c {
			return append([]string{c}, cells[col:col+3]...)
		}
	}
	t.Fatalf("%s -cpu %d: no row %s", wl, p, c)
	return nil
}

func TestRenderRatios(t *testing.T) {
	res := parseFile(t, "testdata/small.txt")
	var buf bytes.Buffer
	res.Render(&buf, Options{ResultsPath: "bench/results/x.txt"})
	doc := buf.String()
	for _, wl := range []string{"Inc/seq", "Inc/par"} {
		for _, p := range []int{1, 2} {
			sec := func(c string) float64 { return median(res.samples[key{wl, c, p}][unitTime]) }
			cells := row(t, doc, wl, p, "shard")
			if want := ns(sec("shard")) + " ± "; !strings.HasPrefix(cells[1], want) {
				t.Errorf("%s -cpu %d shard ns/op %q, want prefix %q", wl, p, cells[1], want)
			}
			if want := fmt.Sprintf("%.2fx", sec("shard")/sec("atomic")); cells[2] != want {
				t.Errorf("%s -cpu %d shard x atomic %q, want %q", wl, p, cells[2], want)
			}
			if want := fmt.Sprintf("%.2fx", sec("shard")/sec("xsync")); cells[3] != want {
				t.Errorf("%s -cpu %d shard x xsync %q, want %q", wl, p, cells[3], want)
			}
			if cells := row(t, doc, wl, p, "atomic"); cells[2] != "1.00x" {
				t.Errorf("%s -cpu %d atomic x atomic %q, want 1.00x", wl, p, cells[2])
			}
		}
	}
	// ProxyMix has no xsync in the test data: its ratio column says so.
	if cells := row(t, doc, "ProxyMix", 2, "monitor"); cells[3] != "—" {
		t.Errorf("ProxyMix monitor x xsync %q, want —", cells[3])
	}
	// Six runs give a finite 95% interval; every time cell has one.
	if m := regexp.MustCompile(`± ∞`).FindString(doc); m != "" {
		t.Errorf("infinite interval with 6 runs")
	}
	for _, want := range []string{
		"> **Preliminary**: 6 runs",
		"| CPU | AMD EPYC",
		"| cores | 2 |",
		"| Go | go version go1.26.8 linux/amd64 |",
		"a larger machine's numbers, where recorded, are in Scaling to N cores above",
		"[bench/results/x.txt](bench/results/x.txt)",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if strings.Contains(doc, "## benchstat") {
		t.Error("benchstat section without benchstat output")
	}
}

func TestHeadline(t *testing.T) {
	res := parseFile(t, "testdata/small.txt")
	var buf bytes.Buffer
	res.Headline(&buf)
	hl := buf.String()
	for _, wl := range []string{"Inc/seq", "Inc/par"} {
		for _, p := range []int{1, 2} {
			sec := func(c string) float64 { return median(res.samples[key{wl, c, p}][unitTime]) }
			want := fmt.Sprintf("| %s | %d | %s | %s | %s | %.2fx | %.2fx |", wl, p,
				ns(sec("shard")), ns(sec("atomic")), ns(sec("xsync")),
				sec("shard")/sec("atomic"), sec("shard")/sec("xsync"))
			if !strings.Contains(hl, want+"\n") {
				t.Errorf("headline lacks %q:\n%s", want, hl)
			}
		}
	}
}

// TestGolden compares the whole document with testdata/small.md; run
// go test -update to rewrite it after an intended change.
func TestGolden(t *testing.T) {
	res := parseFile(t, "testdata/small.txt")
	var buf bytes.Buffer
	res.Render(&buf, Options{ResultsPath: "bench/results/small.txt"})
	if *update {
		if err := os.WriteFile("testdata/small.md", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/small.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("document differs from testdata/small.md (go test -update to accept):\n%s", buf.String())
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		sec  float64
		want string
	}{{4.69e-9, "4.69"}, {12.56e-9, "12.6"}, {418.2e-9, "418"}, {1234.6e-9, "1235"}} {
		if got := ns(tc.sec); got != tc.want {
			t.Errorf("ns(%v) = %q, want %q", tc.sec, got, tc.want)
		}
	}
	if got := ratio(1, 0, true); got != "—" {
		t.Errorf("ratio by zero %q", got)
	}
	if got := num(2.5); got != "2.5" {
		t.Errorf("num(2.5) = %q", got)
	}
}

// parseCoreFile parses a core results file of testdata.
func parseCoreFile(t *testing.T, name string) *Core {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ParseCore(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readOverhead parses an overhead output of testdata.
func readOverhead(t *testing.T, name string) *Overhead {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return ParseOverhead(string(b))
}

func TestParseCore(t *testing.T) {
	c := parseCoreFile(t, "testdata/core.txt")
	if want := []int{1, 2}; !slices.Equal(c.procs, want) {
		t.Errorf("procs %v, want %v", c.procs, want)
	}
	if n := c.minRuns(); n != 3 {
		t.Errorf("minRuns %d, want 3", n)
	}
	// The same name in two packages is two benchmarks.
	for _, pkg := range []string{"ring", "shard", "monitor"} {
		if n := len(c.samples[coreKey{pkg, "AtomicAdd", 2}][unitTime]); n != 3 {
			t.Errorf("%s AtomicAdd-2: %d times, want 3", pkg, n)
		}
	}
	// The custom metric keeps its unit.
	if got := c.samples[coreKey{"monitor", "ConnMemory", 1}]["B/conn"]; !slices.Equal(got, []float64{480.2, 479.9, 481.0}) {
		t.Errorf("ConnMemory B/conn %v", got)
	}
	if got := c.config["hitrate-host-kind"]; got != "x86_64-2c" {
		t.Errorf("hitrate-host-kind %q", got)
	}
	if _, err := ParseCore(strings.NewReader("pkg: x\n"), "empty"); err == nil {
		t.Error("no results: no error")
	}
}

// findRow returns the row of targets whose What contains what, whose
// Bench contains bench and whose CPU is cpu.
func findRow(t *testing.T, rows []TargetRow, what, bench, cpu string) TargetRow {
	t.Helper()
	for _, r := range rows {
		if strings.Contains(r.What, what) && strings.Contains(r.Bench, bench) && r.CPU == cpu {
			return r
		}
	}
	t.Fatalf("no row %q %q -cpu %s", what, bench, cpu)
	return TargetRow{}
}

func TestTargets(t *testing.T) {
	c := parseCoreFile(t, "testdata/core.txt")
	ov := readOverhead(t, "testdata/overhead.txt")
	rows := Targets(c, ov)
	for _, tc := range []struct {
		what, bench, cpu string
		measured, result string
	}{
		// Ratios are the median over the median at the same -cpu.
		{"one goroutine", "shard: `BenchmarkCounterInc`", "1", "0.80x (4.10 / 5.10 ns)", verdictMet},
		{"one goroutine", "shard: `BenchmarkCounterInc`", "2", "1.33x (8.10 / 6.10 ns)", verdictMissed},
		{"on 2 CPUs", "CounterIncParallel", "2", "0.21x (2.10 / 10.1 ns)", verdictMet},
		{"`shard.Counter.Rate`", "shard: `BenchmarkCounterRate`", "1", "50.0 ns ± ∞", verdictMet},
		{"`shard.Counter.Rate`", "shard: `BenchmarkCounterRate`", "2", "120 ns ± ∞", verdictMissed},
		{"`ring.Counter.Rate`", "ring: `BenchmarkCounterRate`", "2", "19.0 ns ± ∞", verdictMet},
		// Not in the file.
		{"`ring.Counter.RateWith", "ring: `BenchmarkCounterRateInterpolated`", "1", verdictAbsent, verdictAbsent},
		{"`ring.Counter.RateWith", "ring: `BenchmarkCounterRateInterpolated`", "2", verdictAbsent, verdictAbsent},
		{"`monitor.Conn.Log`", "monitor: `BenchmarkConnLog` / `BenchmarkAtomicAdd`", "1", "2.00x (12.0 / 6.00 ns)", verdictMet},
		{"`monitor.Conn.Log`", "monitor: `BenchmarkConnLog` / `BenchmarkAtomicAdd`", "2", "2.60x (13.0 / 5.00 ns)", verdictMissed},
		// Memory and allocations: the largest median over -cpu.
		{"memory per open connection", "ConnMemory", "1, 2", "496 B/conn", verdictMet},
		{"`Open` + `Close`", "OpenClose", "1, 2", "1 allocs/op", verdictMet},
		{"per increment", "shard: `BenchmarkCounterIncRotating`", "1, 2", "1 allocs/op", verdictMissed},
		{"per increment", "monitor: `BenchmarkMonitorLogParallel`", "1, 2", "0 allocs/op", verdictMet},
		// An increment path that is not in knownIncPaths is added.
		{"per increment", "shard: `BenchmarkCounterAdd`", "1, 2", "0 allocs/op", verdictMet},
		{"proxy", "`bench/cmd/overhead`", "2", "0.86% median (95% CI 0.77% to 0.95%)", verdictMet},
	} {
		r := findRow(t, rows, tc.what, tc.bench, tc.cpu)
		if r.Measured != tc.measured || r.Result != tc.result {
			t.Errorf("%s %s -cpu %s: %q %q, want %q %q", tc.what, tc.bench, tc.cpu, r.Measured, r.Result, tc.measured, tc.result)
		}
	}
	// The sync/atomic references are no increment path of hitrate.
	for _, r := range rows {
		if strings.Contains(r.What, "per increment") && strings.Contains(r.Bench, "AtomicAdd") {
			t.Errorf("reference among the increment paths: %+v", r)
		}
	}
	// The ratio checked is the one from the medians of the file.
	sec := func(pkg, name string, p int) float64 { return median(c.samples[coreKey{pkg, name, p}][unitTime]) }
	r := findRow(t, rows, "one goroutine", "shard", "2")
	if want := fmt.Sprintf("%.2fx", sec("shard", "CounterInc", 2)/sec("shard", "AtomicAdd", 2)); !strings.HasPrefix(r.Measured, want+" ") {
		t.Errorf("shard Inc -cpu 2 %q, want prefix %q", r.Measured, want)
	}
}

func TestTargetsMissing(t *testing.T) {
	// One benchmark, at -cpu 1 only: every other row reads "—", and
	// there is no -cpu 2 row.
	c, err := ParseCore(strings.NewReader("pkg: github.com/hitrate/hitrate/shard\nBenchmarkCounterTotal 100 1.7 ns/op 0 B/op 0 allocs/op\n"), "one")
	if err != nil {
		t.Fatal(err)
	}
	rows := Targets(c, nil)
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	for _, r := range rows {
		if r.Measured != verdictAbsent || r.Result != verdictAbsent {
			t.Errorf("%+v: want —", r)
		}
		if r.CPU == "2" {
			t.Errorf("-cpu 2 row without -cpu 2 results: %+v", r)
		}
	}
	var buf bytes.Buffer
	parseFile(t, "testdata/small.txt").Render(&buf, Options{ResultsPath: "bench/results/x.txt", Core: c, CorePath: "bench/results/x-core.txt"})
	doc := buf.String()
	if !strings.Contains(doc, "| — | ≤ 1.3x | — |") {
		t.Errorf("no row with —:\n%s", doc)
	}
	if strings.Contains(doc, "## Proxy overhead") {
		t.Error("Proxy overhead section without -overhead")
	}
}

func TestParseOverhead(t *testing.T) {
	ov := readOverhead(t, "testdata/overhead.txt")
	if !ov.HasCost || ov.Cost != 0.86 {
		t.Errorf("cost %v %v, want 0.86", ov.Cost, ov.HasCost)
	}
	if want := "go run ./cmd/overhead -rounds 6 -round-duration 250ms"; ov.Command != want || !ov.HasCommand {
		t.Errorf("command %q, want %q", ov.Command, want)
	}
	if ov.CI != "0.77% to 0.95%" || !strings.HasPrefix(ov.CPU, "median 0.74% per round") {
		t.Errorf("CI %q, CPU %q", ov.CI, ov.CPU)
	}
	if lo, hi, ok := ov.ciBounds(); !ok || lo != 0.77 || hi != 0.95 {
		t.Errorf("ciBounds = %v, %v, %v, want 0.77, 0.95", lo, hi, ok)
	}
	if ov.Procs != 2 || ov.verdict() != verdictMet {
		t.Errorf("procs %d verdict %q", ov.Procs, ov.verdict())
	}
	for _, tc := range []struct {
		text, command, measured, verdict string
	}{
		{"4 keep-alive clients, GET with a 128-byte response; 6 rounds of 500ms per side, interleaved; GOMAXPROCS 4\n" +
			"throughput cost of monitoring: median 2.00% per round (95% CI 1.00% to 3.00%); pooled over all rounds 2.10%; min 1.00%, max 3.00% (target: under 2%)\n",
			"go run ./cmd/overhead -rounds 6 -round-duration 500ms -clients 4", "2.00%", verdictMissed},
		{"throughput cost of monitoring: median -0.35% per round (95% CI needs 6 rounds or more); pooled over all rounds -0.30%; min -1.00%, max 0.50% (target: under 2%)\n",
			"go run ./cmd/overhead", "-0.35%", verdictMet},
		{"hitrate overhead: failed\n", "go run ./cmd/overhead", verdictAbsent, verdictAbsent},
	} {
		ov := ParseOverhead(tc.text)
		if ov.Command != tc.command || ov.measured() != tc.measured || ov.verdict() != tc.verdict {
			t.Errorf("%q: %q %q %q, want %q %q %q", tc.text, ov.Command, ov.measured(), ov.verdict(), tc.command, tc.measured, tc.verdict)
		}
	}
}

func TestRenderTargets(t *testing.T) {
	res := parseFile(t, "testdata/small.txt")
	ov := readOverhead(t, "testdata/overhead.txt")
	var buf bytes.Buffer
	res.Render(&buf, Options{
		ResultsPath:  "bench/results/x.txt",
		Core:         parseCoreFile(t, "testdata/core.txt"),
		CorePath:     "bench/results/x-core.txt",
		Overhead:     ov,
		OverheadPath: "bench/results/x-overhead.txt",
	})
	doc := buf.String()
	// Targets right after the headline, then the proxy's overhead.
	last := -1
	for _, h := range []string{"## Headline", "## Targets", "## Proxy overhead", "## Machine"} {
		i := strings.Index(doc, "\n"+h+"\n")
		if i < last {
			t.Errorf("%s missing or out of order", h)
		}
		last = i
	}
	for _, want := range []string{
		"[bench/results/x-core.txt](bench/results/x-core.txt)",
		"**21 of 31 rows met**, 4 missed, 6 not measured.",
		"| `shard.Counter.Inc` / `sync/atomic` Add, one goroutine | shard: `BenchmarkCounterInc` / `BenchmarkAtomicAdd` | 2 | 1.33x (8.10 / 6.10 ns) | ≤ 1.3x | missed |\n",
		"the same machine as the peer benchmarks",
		"```sh\ngo test -run '^$' -bench . -benchmem -count 3 -cpu 1,2 ./ring/ ./shard/ ./monitor/\n```",
		"- core packages: [bench/results/x-core.txt](bench/results/x-core.txt)\n",
		"less than 2% of its throughput",
		"on the same machine as the benchmarks",
		"**Throughput cost of monitoring: 0.86%, median per round, 95% CI 0.77% to 0.95% (target < 2%): met.**",
		"CPU cost of monitoring (process CPU time per request, everything included): median 0.74% per round",
		"```sh\ngo run ./cmd/overhead -rounds 6 -round-duration 250ms\n```",
		"Its output is in [bench/results/x-overhead.txt](bench/results/x-overhead.txt).",
		"- proxy overhead: [bench/results/x-overhead.txt](bench/results/x-overhead.txt)\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q", want)
		}
	}
}

// A contender's name must not end in a dash and digits: the benchmark
// names at -cpu 1 carry no -N suffix, so "floor-64" would read as the
// contender "floor" at -cpu 64.
func TestContenderNamesHaveNoCPUSuffix(t *testing.T) {
	for name := range contenderDoc {
		if i := strings.LastIndexByte(name, '-'); i >= 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				t.Errorf("contender %q ends in -<digits>, which reads as a -cpu suffix", name)
			}
		}
	}
}
