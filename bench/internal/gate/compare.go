package gate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// Units judged by the gate, as tidied by benchfmt ("ns/op" becomes "sec/op").
const (
	unitTime   = "sec/op"
	unitBytes  = "B/op"
	unitAllocs = "allocs/op"
)

// confidence is the confidence level of the intervals shown in the table.
const confidence = 0.95

// Config holds the thresholds used by Compare.
// Use DefaultConfig and adjust fields rather than a zero Config.
type Config struct {
	// Tolerance is the largest accepted relative slowdown of the
	// sec/op median, e.g. 0.10 for 10%. A significant slowdown
	// larger than this fails the gate. Zero means any significant
	// slowdown fails.
	Tolerance float64

	// Alpha is the significance level of the Mann-Whitney U test.
	// Values outside (0, 1) are replaced by DefaultAlpha.
	Alpha float64

	// FailOnBytes makes any growth of the B/op median a failure.
	// By default such growth is only a warning.
	FailOnBytes bool

	// AllowLowCount downgrades sec/op comparisons that have too few
	// samples to ever reach significance (see Compare) from a
	// failure to a warning.
	AllowLowCount bool
}

// Default thresholds.
const (
	DefaultTolerance = 0.10
	DefaultAlpha     = 0.05
)

// DefaultConfig returns the default Config: 10% tolerance, alpha 0.05,
// B/op growth warns, too few samples fails.
func DefaultConfig() Config {
	return Config{Tolerance: DefaultTolerance, Alpha: DefaultAlpha}
}

// Verdict is the outcome of one Row of a Report.
type Verdict int

// Verdicts, from best to worst.
const (
	Pass Verdict = iota // no regression detected
	Warn                // reported, but does not fail the gate
	Fail                // regression, or not enough data to rule one out
)

// String returns "ok", "warn" or "FAIL".
func (v Verdict) String() string {
	switch v {
	case Pass:
		return "ok"
	case Warn:
		return "warn"
	case Fail:
		return "FAIL"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Row is the comparison of one benchmark in one unit.
type Row struct {
	Pkg  string // value of the "pkg:" configuration line, may be empty
	Name string // full benchmark name, e.g. "BenchmarkCounterInc-2"
	Unit string // tidied unit: "sec/op", "B/op", "allocs/op", ...

	// Base and Head summarize the samples (median and 95%
	// confidence interval); they are zero when N is zero.
	Base, Head   benchmath.Summary
	NBase, NHead int

	// Delta is Head.Center/Base.Center - 1; +Inf when the base is
	// zero and the head is not; NaN when a side is missing.
	Delta float64

	// P is the Mann-Whitney U test p-value; NaN when no test was
	// done (B/op, allocs/op, a missing side).
	P float64

	Verdict Verdict
	Note    string // why the row is not a plain pass; empty otherwise
}

// Report is the result of Compare.
type Report struct {
	Config Config
	Rows   []Row
}

// ReadResults parses Go benchmark output (as written by "go test -bench")
// from r. fileName is used in error messages only. Lines that are not
// benchmark results or configuration lines are ignored; malformed
// benchmark lines are an error.
func ReadResults(r io.Reader, fileName string) ([]*benchfmt.Result, error) {
	var (
		out  []*benchfmt.Result
		errs []error
	)
	br := benchfmt.NewReader(r, fileName)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.Result:
			out = append(out, rec.Clone())
		case *benchfmt.SyntaxError:
			errs = append(errs, rec)
		}
	}
	if err := br.Err(); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// ReadFile is ReadResults on the named file.
func ReadFile(path string) ([]*benchfmt.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadResults(f, path)
}

type key struct{ pkg, name, unit string }

type benchKey struct{ pkg, name string }

// Compare compares the base and head results benchmark by benchmark
// (keyed by package, full name and unit) and returns a Report, in
// which a Row Fails when:
//
//   - sec/op: the head median is more than cfg.Tolerance slower than
//     the base median and the Mann-Whitney U test gives p < cfg.Alpha;
//   - sec/op: the sample sizes are so small that the test cannot reach
//     p < cfg.Alpha whatever the data (the smallest possible two-sided
//     p-value, 2/C(n1+n2, n1), is >= alpha; with alpha 0.05 that is
//     fewer than 4 samples a side). This is a warning instead with
//     cfg.AllowLowCount;
//   - allocs/op: the head median is larger than the base median at all
//     (allocation counts are deterministic, so no test is needed);
//   - B/op: as allocs/op, with cfg.FailOnBytes (a warning otherwise);
//   - the benchmark or unit is present in base but missing in head.
//
// A benchmark missing in base (a new one) passes with a note. Other
// units are shown but not judged.
func Compare(base, head []*benchfmt.Result, cfg Config) *Report {
	if !(cfg.Alpha > 0 && cfg.Alpha < 1) {
		cfg.Alpha = DefaultAlpha
	}
	baseVals := make(map[key][]float64)
	headVals := make(map[key][]float64)
	var (
		pkgs    []string
		names   = make(map[string][]string)
		units   = make(map[benchKey][]string)
		seenKey = make(map[key]bool)
	)
	collect := func(rs []*benchfmt.Result, vals map[key][]float64) {
		for _, r := range rs {
			pkg, name := r.GetConfig("pkg"), "Benchmark"+r.Name.String()
			bk := benchKey{pkg, name}
			if _, ok := names[pkg]; !ok {
				pkgs = append(pkgs, pkg)
			}
			if _, ok := units[bk]; !ok {
				names[pkg] = append(names[pkg], name)
				units[bk] = nil
			}
			for _, v := range r.Values {
				k := key{pkg, name, v.Unit}
				if !seenKey[k] {
					seenKey[k] = true
					units[bk] = append(units[bk], v.Unit)
				}
				vals[k] = append(vals[k], v.Value)
			}
		}
	}
	collect(base, baseVals)
	collect(head, headVals)

	rep := &Report{Config: cfg}
	for _, pkg := range pkgs {
		// Order units as benchstat does for the testing package,
		// then any custom units in order of appearance.
		order := []string{unitTime, unitBytes, unitAllocs}
		seen := map[string]bool{unitTime: true, unitBytes: true, unitAllocs: true}
		for _, name := range names[pkg] {
			for _, u := range units[benchKey{pkg, name}] {
				if !seen[u] {
					seen[u] = true
					order = append(order, u)
				}
			}
		}
		for _, unit := range order {
			for _, name := range names[pkg] {
				k := key{pkg, name, unit}
				if !seenKey[k] {
					continue
				}
				rep.Rows = append(rep.Rows, compareOne(k, baseVals[k], headVals[k], cfg))
			}
		}
	}
	return rep
}

// compareOne builds the Row for one benchmark and unit.
func compareOne(k key, bv, hv []float64, cfg Config) Row {
	th := &benchmath.Thresholds{CompareAlpha: cfg.Alpha}
	row := Row{Pkg: k.pkg, Name: k.name, Unit: k.unit, NBase: len(bv), NHead: len(hv), Delta: math.NaN(), P: math.NaN()}
	var bs, hs *benchmath.Sample
	if len(bv) > 0 {
		bs = benchmath.NewSample(append([]float64(nil), bv...), th)
		row.Base = benchmath.AssumeNothing.Summary(bs, confidence)
	}
	if len(hv) > 0 {
		hs = benchmath.NewSample(append([]float64(nil), hv...), th)
		row.Head = benchmath.AssumeNothing.Summary(hs, confidence)
	}
	switch {
	case bs == nil:
		row.Note = "missing in base (new benchmark), not compared"
		return row
	case hs == nil:
		row.Verdict, row.Note = Fail, "missing in head"
		return row
	}
	b, h := row.Base.Center, row.Head.Center
	switch {
	case b == h:
		row.Delta = 0
	case b == 0:
		row.Delta = math.Inf(1)
		if h < 0 {
			row.Delta = math.Inf(-1)
		}
	default:
		row.Delta = h/b - 1
	}

	switch k.unit {
	case unitTime:
		row.P = benchmath.AssumeNothing.Compare(bs, hs).P
		if minP := minUTestP(len(bv), len(hv)); minP >= cfg.Alpha {
			row.Verdict = Fail
			if cfg.AllowLowCount {
				row.Verdict = Warn
			}
			row.Note = fmt.Sprintf("too few samples (n=%d+%d): Mann-Whitney cannot reach p<%g (smallest possible p=%.3f); need at least %d per side, 10 recommended",
				len(bv), len(hv), cfg.Alpha, minP, minSamples(cfg.Alpha))
			return row
		}
		if h > b*(1+cfg.Tolerance) {
			if row.P < cfg.Alpha {
				row.Verdict = Fail
				row.Note = fmt.Sprintf("slower by %s (tolerance %s, p=%.3f < %g)", pct(row.Delta), pct(cfg.Tolerance), row.P, cfg.Alpha)
			} else {
				row.Note = fmt.Sprintf("slower by %s but not significant (p=%.3f >= %g)", pct(row.Delta), row.P, cfg.Alpha)
			}
		}
	case unitAllocs, unitBytes:
		if h > b {
			row.Verdict = Fail
			if k.unit == unitBytes && !cfg.FailOnBytes {
				row.Verdict = Warn
			}
			row.Note = fmt.Sprintf("%s grew from %s to %s", k.unit, fmtNum(b), fmtNum(h))
		}
	}
	return row
}

// minUTestP returns the smallest two-sided p-value the exact
// Mann-Whitney U test can produce for sample sizes n1 and n2 (the
// samples do not overlap at all): 2/C(n1+n2, n1), capped at 1.
func minUTestP(n1, n2 int) float64 {
	// C(n1+n2, n1) computed in floating point; exact enough here.
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}

// minSamples returns the smallest n such that two samples of n values
// each can reach a p-value below alpha.
func minSamples(alpha float64) int {
	n := 1
	for minUTestP(n, n) >= alpha && n < 1000 {
		n++
	}
	return n
}

// Failed reports whether any row failed.
func (r *Report) Failed() bool {
	return len(r.Failures()) > 0
}

// Failures returns the rows whose verdict is Fail.
func (r *Report) Failures() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Verdict == Fail {
			out = append(out, row)
		}
	}
	return out
}

// Conclusion returns a one-line verdict for the whole report, starting
// with "PASS" or "FAIL".
func (r *Report) Conclusion() string {
	var (
		warns  int
		bench  = make(map[benchKey]bool)
		failed = make(map[benchKey]bool)
	)
	for _, row := range r.Rows {
		bk := benchKey{row.Pkg, row.Name}
		bench[bk] = true
		switch row.Verdict {
		case Warn:
			warns++
		case Fail:
			failed[bk] = true
		}
	}
	if len(failed) == 0 {
		s := fmt.Sprintf("PASS: no regression in %d benchmark(s) (tolerance %s, alpha %g)", len(bench), pct(r.Config.Tolerance), r.Config.Alpha)
		if warns > 0 {
			s += fmt.Sprintf(", %d warning(s)", warns)
		}
		return s
	}
	first := r.Failures()[0]
	what := first.Name + " " + first.Unit
	if first.NHead == 0 {
		what = first.Name
	}
	return fmt.Sprintf("FAIL: %d of %d benchmark(s) failed; first: %s: %s", len(failed), len(bench), what, first.Note)
}

// pct formats a fraction as an unsigned percentage ("10%", "30.4%").
func pct(f float64) string {
	return strconv.FormatFloat(math.Round(1000*math.Abs(f))/10, 'f', -1, 64) + "%"
}

// signedPct formats a relative delta for the table ("+30.41%").
func signedPct(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+∞"
	case math.IsInf(f, -1):
		return "-∞"
	case math.IsNaN(f):
		return "-"
	case f == 0:
		return "0.00%"
	}
	return fmt.Sprintf("%+.2f%%", 100*f)
}

// fmtNum formats a median for a note.
func fmtNum(f float64) string {
	return strconv.FormatFloat(f, 'g', 4, 64)
}
