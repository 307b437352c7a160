package gate

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

func mustReadFile(t *testing.T, name string) []*benchfmt.Result {
	t.Helper()
	rs, err := ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		t.Fatalf("%s: no results", name)
	}
	return rs
}

func mustRead(t *testing.T, text string) []*benchfmt.Result {
	t.Helper()
	rs, err := ReadResults(strings.NewReader(text), "test")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// genOutput returns "go test -bench" output for one benchmark with the
// given ns/op values and allocs/op.
func genOutput(name string, ns []float64, allocs int) string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example.com/p\n")
	for _, v := range ns {
		fmt.Fprintf(&b, "%s-2\t1000000\t%.3f ns/op\t%d B/op\t%d allocs/op\n", name, v, 8*allocs, allocs)
	}
	b.WriteString("PASS\n")
	return b.String()
}

// sample returns n values around center with ±spread uniform noise.
func sample(r *rand.Rand, n int, center, spread float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = center * (1 + spread*(2*r.Float64()-1))
	}
	return v
}

func findRow(t *testing.T, rep *Report, name, unit string) Row {
	t.Helper()
	for _, row := range rep.Rows {
		if row.Name == name && row.Unit == unit {
			return row
		}
	}
	t.Fatalf("no row %s %s", name, unit)
	return Row{}
}

func table(t *testing.T, rep *Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestCompareFlagsSlowdown(t *testing.T) {
	rep := Compare(mustReadFile(t, "base.txt"), mustReadFile(t, "head_slow.txt"), DefaultConfig())
	fails := rep.Failures()
	if len(fails) != 1 {
		t.Fatalf("got %d failures, want 1:\n%s", len(fails), table(t, rep))
	}
	f := fails[0]
	if f.Name != "BenchmarkCounterInc-2" || f.Unit != "sec/op" || f.Pkg != "github.com/hitrate/hitrate/shard" {
		t.Errorf("failure is %s %s %s, want shard BenchmarkCounterInc-2 sec/op", f.Pkg, f.Name, f.Unit)
	}
	if f.Delta < 0.2 || f.Delta > 0.4 || !(f.P < 0.05) || f.NBase != 10 || f.NHead != 10 {
		t.Errorf("delta %v p %v n %d+%d, want ~+30%%, p<0.05, n=10", f.Delta, f.P, f.NBase, f.NHead)
	}
	out := table(t, rep)
	for _, want := range []string{
		"FAIL: shard BenchmarkCounterInc-2 sec/op: slower by",
		"\nFAIL: 1 of 5 benchmark(s) failed",
		"sec/op", "base", "head", "delta", "verdict",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	// A generous tolerance accepts the same slowdown.
	cfg := DefaultConfig()
	cfg.Tolerance = 0.5
	if rep := Compare(mustReadFile(t, "base.txt"), mustReadFile(t, "head_slow.txt"), cfg); rep.Failed() {
		t.Errorf("tolerance 50%% failed:\n%s", table(t, rep))
	}
}

func TestComparePassesSameDistribution(t *testing.T) {
	rep := Compare(mustReadFile(t, "base.txt"), mustReadFile(t, "head_same.txt"), DefaultConfig())
	for _, row := range rep.Rows {
		if row.Verdict != Pass || row.Note != "" {
			t.Errorf("%s %s: %v %q", row.Name, row.Unit, row.Verdict, row.Note)
		}
	}
	if out := table(t, rep); !strings.Contains(out, "\nPASS: no regression in 5 benchmark(s)") {
		t.Errorf("table:\n%s", out)
	}
}

func TestCompareGenerated(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := range 50 {
		base := mustRead(t, genOutput("BenchmarkX", sample(r, 10, 10, 0.03), 0))
		same := mustRead(t, genOutput("BenchmarkX", sample(r, 10, 10, 0.03), 0))
		slow := mustRead(t, genOutput("BenchmarkX", sample(r, 10, 13, 0.03), 0))
		if rep := Compare(base, same, DefaultConfig()); rep.Failed() {
			t.Fatalf("iteration %d: same distribution failed:\n%s", i, table(t, rep))
		}
		if rep := Compare(base, slow, DefaultConfig()); !rep.Failed() {
			t.Fatalf("iteration %d: 30%% slowdown passed:\n%s", i, table(t, rep))
		}
	}
}

func TestCompareSignificantButWithinTolerance(t *testing.T) {
	base := mustRead(t, genOutput("BenchmarkX", []float64{10, 10.01, 10.02, 10.03, 10.04, 10.05, 10.06, 10.07, 10.08, 10.09}, 0))
	head := mustRead(t, genOutput("BenchmarkX", []float64{10.5, 10.51, 10.52, 10.53, 10.54, 10.55, 10.56, 10.57, 10.58, 10.59}, 0))
	rep := Compare(base, head, DefaultConfig())
	row := findRow(t, rep, "BenchmarkX-2", "sec/op")
	if row.Verdict != Pass || !(row.P < 0.05) {
		t.Errorf("5%% significant slowdown: verdict %v p %v, want ok and p<0.05", row.Verdict, row.P)
	}
	cfg := DefaultConfig()
	cfg.Tolerance = 0
	if rep := Compare(base, head, cfg); !rep.Failed() {
		t.Errorf("tolerance 0 passed a significant slowdown")
	}
}

func TestCompareLargeButNotSignificant(t *testing.T) {
	// Overlapping, very noisy samples: median +20% but p >= 0.05.
	base := mustRead(t, genOutput("BenchmarkX", []float64{5, 10, 20, 8, 12, 30, 9, 11, 6, 25}, 0))
	head := mustRead(t, genOutput("BenchmarkX", []float64{6, 12, 24, 10, 14, 28, 11, 13, 5, 22}, 0))
	rep := Compare(base, head, DefaultConfig())
	row := findRow(t, rep, "BenchmarkX-2", "sec/op")
	if row.Verdict != Pass || row.P < 0.05 || row.Delta <= 0.1 {
		t.Fatalf("verdict %v p %v delta %v; want pass, p>=0.05, delta>10%%", row.Verdict, row.P, row.Delta)
	}
	if !strings.Contains(row.Note, "not significant") {
		t.Errorf("note %q does not mention significance", row.Note)
	}
}

func TestCompareAllocGrowth(t *testing.T) {
	rep := Compare(mustReadFile(t, "base.txt"), mustReadFile(t, "head_alloc.txt"), DefaultConfig())
	allocs := findRow(t, rep, "BenchmarkCounterAdd-2", "allocs/op")
	if allocs.Verdict != Fail || allocs.Base.Center != 0 || allocs.Head.Center != 1 || !math.IsInf(allocs.Delta, 1) {
		t.Errorf("allocs row: %+v", allocs)
	}
	if bytesRow := findRow(t, rep, "BenchmarkCounterAdd-2", "B/op"); bytesRow.Verdict != Warn {
		t.Errorf("B/op growth verdict %v, want warn", bytesRow.Verdict)
	}
	if n := len(rep.Failures()); n != 1 {
		t.Errorf("%d failures, want 1:\n%s", n, table(t, rep))
	}
	out := table(t, rep)
	for _, want := range []string{
		"FAIL: shard BenchmarkCounterAdd-2 allocs/op: allocs/op grew from 0 to 1",
		"warn: shard BenchmarkCounterAdd-2 B/op: B/op grew from 0 to 8",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	cfg := DefaultConfig()
	cfg.FailOnBytes = true
	rep = Compare(mustReadFile(t, "base.txt"), mustReadFile(t, "head_alloc.txt"), cfg)
	if b := findRow(t, rep, "BenchmarkCounterAdd-2", "B/op"); b.Verdict != Fail {
		t.Errorf("FailOnBytes: B/op verdict %v, want FAIL", b.Verdict)
	}

	// Any growth of the median fails, even with a single sample
	// and without a significance test.
	rep = Compare(mustRead(t, genOutput("BenchmarkY", []float64{1}, 0)), mustRead(t, genOutput("BenchmarkY", []float64{1}, 1)), DefaultConfig())
	if row := findRow(t, rep, "BenchmarkY-2", "allocs/op"); row.Verdict != Fail {
		t.Errorf("single-sample allocs 0->1: verdict %v", row.Verdict)
	}
}

func TestCompareMissing(t *testing.T) {
	base, head := mustReadFile(t, "base.txt"), mustReadFile(t, "head_missing.txt")
	rep := Compare(base, head, DefaultConfig())
	for _, row := range rep.Rows {
		missing := row.Name == "BenchmarkCounterAdd-2"
		if missing != (row.Verdict == Fail) || missing != (row.Note == "missing in head") {
			t.Errorf("%s %s: verdict %v note %q", row.Name, row.Unit, row.Verdict, row.Note)
		}
	}
	out := table(t, rep)
	const want = "FAIL: shard BenchmarkCounterAdd-2: missing in head\n"
	if strings.Count(out, want) != 1 {
		t.Errorf("table should report %q exactly once:\n%s", want, out)
	}
	if !strings.Contains(out, "FAIL: 1 of 5 benchmark(s) failed; first: BenchmarkCounterAdd-2: missing in head") {
		t.Errorf("conclusion:\n%s", out)
	}

	// A benchmark only in head is new: noted, not a failure.
	rep = Compare(head, base, DefaultConfig())
	if rep.Failed() {
		t.Errorf("new benchmark failed the gate:\n%s", table(t, rep))
	}
	if out := table(t, rep); !strings.Contains(out, "note: shard BenchmarkCounterAdd-2: missing in base (new benchmark)") {
		t.Errorf("new benchmark not noted:\n%s", out)
	}
}

func TestCompareTooFewSamples(t *testing.T) {
	base := mustRead(t, genOutput("BenchmarkX", []float64{10, 10.1, 10.2}, 0))
	head := mustRead(t, genOutput("BenchmarkX", []float64{15, 15.1, 15.2}, 0))
	rep := Compare(base, head, DefaultConfig())
	row := findRow(t, rep, "BenchmarkX-2", "sec/op")
	if row.Verdict != Fail || !strings.Contains(row.Note, "too few samples (n=3+3)") {
		t.Errorf("3+3 samples: verdict %v note %q, want FAIL too few samples", row.Verdict, row.Note)
	}
	// Identical results are no excuse either: the test has no power.
	if rep := Compare(base, base, DefaultConfig()); !rep.Failed() {
		t.Errorf("3+3 identical samples passed silently")
	}
	cfg := DefaultConfig()
	cfg.AllowLowCount = true
	rep = Compare(base, head, cfg)
	if row := findRow(t, rep, "BenchmarkX-2", "sec/op"); row.Verdict != Warn || rep.Failed() {
		t.Errorf("AllowLowCount: verdict %v, want warn", row.Verdict)
	}

	// 4+4 is enough at alpha 0.05 when the samples do not overlap.
	base = mustRead(t, genOutput("BenchmarkX", []float64{10, 10.1, 10.2, 10.3}, 0))
	head = mustRead(t, genOutput("BenchmarkX", []float64{15, 15.1, 15.2, 15.3}, 0))
	row = findRow(t, Compare(base, head, DefaultConfig()), "BenchmarkX-2", "sec/op")
	if row.Verdict != Fail || !strings.HasPrefix(row.Note, "slower by 49.3%") {
		t.Errorf("4+4 samples: verdict %v note %q, want FAIL slower", row.Verdict, row.Note)
	}
}

func TestMinUTestP(t *testing.T) {
	for _, tc := range []struct {
		n1, n2 int
		want   float64
	}{
		{1, 1, 1}, {2, 2, 1.0 / 3}, {3, 3, 0.1}, {4, 4, 2.0 / 70}, {5, 5, 2.0 / 252}, {3, 10, 2.0 / 286},
	} {
		if got := minUTestP(tc.n1, tc.n2); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("minUTestP(%d, %d) = %v, want %v", tc.n1, tc.n2, got, tc.want)
		}
	}
	if n := minSamples(0.05); n != 4 {
		t.Errorf("minSamples(0.05) = %d, want 4", n)
	}
}

func TestReadResultsSyntaxError(t *testing.T) {
	_, err := ReadResults(strings.NewReader("BenchmarkX-2\t100\tfast ns/op\n"), "bad.txt")
	if err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
		t.Errorf("err = %v, want a syntax error at bad.txt:1", err)
	}
}

func TestCompareSamePkgDifferentPackages(t *testing.T) {
	// The same benchmark name in two packages is two benchmarks.
	in := genOutput("BenchmarkX", []float64{1, 1, 1, 1, 1}, 0) +
		strings.ReplaceAll(genOutput("BenchmarkX", []float64{2, 2, 2, 2, 2}, 0), "example.com/p", "example.com/q")
	rep := Compare(mustRead(t, in), mustRead(t, in), DefaultConfig())
	if rep.Failed() || len(rep.Rows) != 6 {
		t.Errorf("got %d rows, failed %v:\n%s", len(rep.Rows), rep.Failed(), table(t, rep))
	}
}
