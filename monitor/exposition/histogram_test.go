package exposition_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
	"github.com/hitrate/hitrate/ring"
)

// latencyFamily returns the histogram family of the table.
func latencyFamily(t *testing.T) exposition.Family {
	t.Helper()
	for _, f := range exposition.Families() {
		if f.PerDist {
			if f.Name != exposition.LatencyFamily || f.Type != "histogram" || !slices.Equal(f.Labels(), []string{"protocol", "distribution"}) {
				t.Fatalf("histogram family %+v", f)
			}
			return f
		}
	}
	t.Fatal("no histogram family")
	return exposition.Family{}
}

func TestHistograms(t *testing.T) {
	f := latencyFamily(t)
	total := monitor.DistTotal{
		Count: 5, Sum: 1.5,
		Bounds:  []time.Duration{time.Millisecond, 2500 * time.Microsecond, time.Second},
		Buckets: []uint64{1, 3, 4},
	}
	s := monitor.Snapshot{Protocols: []monitor.Protocol{
		{Name: "http", Dists: []monitor.DistStats{
			{Name: "rt", Total: total},
			{Name: "rt", Total: monitor.DistTotal{Count: 99}}, // a duplicate: left out
			{Name: "ct\xff", Total: monitor.DistTotal{Count: 1, Bounds: total.Bounds, Buckets: []uint64{1}}},
		}},
		{Name: "http", Dists: []monitor.DistStats{{Name: "other"}}}, // a duplicate protocol: left out
		{Name: "tcp"},
	}}
	var got []exposition.Histogram
	for h := range f.Histograms(s) {
		got = append(got, h)
	}
	if len(got) != 2 {
		t.Fatalf("%d histograms: %+v", len(got), got)
	}
	h := got[0]
	if !slices.Equal(h.LabelValues, []string{"http", "rt"}) || !slices.Equal(h.Bounds, []float64{0.001, 0.0025, 1}) ||
		!slices.Equal(h.Buckets, []uint64{1, 3, 4}) || h.Count != 5 || h.Sum != 1.5 {
		t.Errorf("first: %+v", h)
	}
	h.Buckets[0] = 77
	if total.Buckets[0] != 1 {
		t.Error("Histograms shares the snapshot's buckets")
	}
	if h := got[1]; !slices.Equal(h.LabelValues, []string{"http", "ct\uFFFD"}) || len(h.Bounds) != 1 || len(h.Buckets) != 1 {
		t.Errorf("second (bounds and buckets cut to the shorter): %+v", h)
	}
	// Other families have no histograms; the histogram family no samples.
	for range exposition.Families()[0].Histograms(s) {
		t.Error("a scalar family gave a histogram")
	}
	for range f.Samples(s) {
		t.Error("the histogram family gave a sample")
	}
	n := 0
	for range f.Histograms(s) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d histograms after break", n)
	}
}

// TestWriteHistogram records known values in a Monitor and checks the
// histogram Write writes: buckets cumulative, each le counting exactly
// the values at or below it (no value is near a bound), +Inf and _count
// equal to the values recorded, _sum their sum.
func TestWriteHistogram(t *testing.T) {
	clock := ring.NewManualClock()
	m, err := monitor.New("http", []string{"req"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
		monitor.WithDistributions("response_time"))
	if err != nil {
		t.Fatal(err)
	}
	rt := m.MustDist("response_time")
	vals := []time.Duration{0, 3 * time.Microsecond, 70 * time.Microsecond, 3 * time.Millisecond, 3 * time.Millisecond,
		40 * time.Millisecond, 700 * time.Millisecond, 4 * time.Second, 2 * time.Hour}
	var sum time.Duration
	for _, v := range vals {
		m.Record(rt, v)
		sum += min(v, latency.Max)
	}
	var b strings.Builder
	if err := exposition.Write(&b, m.Snapshot(monitor.Query{})); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "# TYPE hitrate_latency_seconds histogram\n") {
		t.Fatalf("no histogram TYPE:\n%s", out)
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "hitrate_latency_seconds") {
			lines = append(lines, l)
		}
	}
	if len(lines) != len(latency.ExportBounds)+3 {
		t.Fatalf("%d histogram lines:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i, bound := range latency.ExportBounds {
		n := 0
		for _, v := range vals {
			if v <= bound {
				n++
			}
		}
		want := `hitrate_latency_seconds_bucket{protocol="http",distribution="response_time",le="` +
			strconv.FormatFloat(float64(bound)/1e9, 'g', -1, 64) + `"} ` + strconv.Itoa(n)
		if lines[i] != want {
			t.Errorf("line %d: %q, want %q", i, lines[i], want)
		}
	}
	rest := lines[len(latency.ExportBounds):]
	want := []string{
		`hitrate_latency_seconds_bucket{protocol="http",distribution="response_time",le="+Inf"} ` + strconv.Itoa(len(vals)),
		`hitrate_latency_seconds_sum{protocol="http",distribution="response_time"} `,
		`hitrate_latency_seconds_count{protocol="http",distribution="response_time"} ` + strconv.Itoa(len(vals)),
	}
	gotSum, err := strconv.ParseFloat(strings.TrimPrefix(rest[1], want[1]), 64)
	if err != nil || math.Abs(gotSum-sum.Seconds()) > 1e-9 {
		t.Errorf("sum %q (%v), want %v", rest[1], err, sum.Seconds())
	}
	rest[1] = want[1]
	if !slices.Equal(rest, want) {
		t.Errorf("tail:\n%s\nwant:\n%s", strings.Join(rest, "\n"), strings.Join(want, "\n"))
	}

	// Without distributions, no histogram family at all.
	b.Reset()
	if err := exposition.Write(&b, monitor.Snapshot{Protocols: []monitor.Protocol{{Name: "tcp"}}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "latency") {
		t.Errorf("a histogram family without distributions:\n%s", b.String())
	}
}

// TestHistogramsInvalid: a distribution from a Source of the user's own
// whose Total is not a cumulative histogram is left out of Histograms,
// and so of what Write writes, while the valid ones beside it are kept.
func TestHistogramsInvalid(t *testing.T) {
	f := latencyFamily(t)
	ms := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}
	cases := []struct {
		name  string
		total monitor.DistTotal
		valid bool
	}{
		{"ok", monitor.DistTotal{Count: 4, Bounds: ms, Buckets: []uint64{1, 1, 4}}, true},
		{"empty", monitor.DistTotal{}, true},
		{"count-above-buckets", monitor.DistTotal{Count: 9, Bounds: ms, Buckets: []uint64{0, 2, 3}}, true},
		{"cut-to-shorter", monitor.DistTotal{Count: 2, Bounds: ms[:1], Buckets: []uint64{1, 0, 7}}, true},
		{"unordered-bounds", monitor.DistTotal{Count: 4, Bounds: []time.Duration{2 * time.Millisecond, time.Millisecond, 3 * time.Millisecond}, Buckets: []uint64{1, 2, 4}}, false},
		{"repeated-bound", monitor.DistTotal{Count: 4, Bounds: []time.Duration{time.Millisecond, time.Millisecond, 3 * time.Millisecond}, Buckets: []uint64{1, 2, 4}}, false},
		{"buckets-going-down", monitor.DistTotal{Count: 4, Bounds: ms, Buckets: []uint64{2, 1, 4}}, false},
		{"bucket-above-count", monitor.DistTotal{Count: 3, Bounds: ms, Buckets: []uint64{1, 2, 4}}, false},
	}
	var dists []monitor.DistStats
	var want []string
	for _, c := range cases {
		dists = append(dists, monitor.DistStats{Name: c.name, Total: c.total})
		if c.valid {
			want = append(want, c.name)
		}
	}
	s := monitor.Snapshot{Protocols: []monitor.Protocol{{Name: "p", Dists: dists}}}
	var got []string
	for h := range f.Histograms(s) {
		got = append(got, h.LabelValues[1])
	}
	if !slices.Equal(got, want) {
		t.Errorf("Histograms gave %q, want %q", got, want)
	}

	var b strings.Builder
	if err := exposition.Write(&b, s); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		in := strings.Contains(b.String(), `distribution="`+c.name+`"`)
		if in != c.valid {
			t.Errorf("%s: written %v, want %v", c.name, in, c.valid)
		}
	}
	// The valid ones are written whole: every bucket of "ok", in order,
	// with the +Inf bucket at its count.
	var okBuckets []string
	for line := range strings.Lines(b.String()) {
		if strings.HasPrefix(line, `hitrate_latency_seconds_bucket{protocol="p",distribution="ok",`) {
			okBuckets = append(okBuckets, strings.TrimSpace(line[strings.Index(line, "le="):]))
		}
	}
	wantBuckets := []string{`le="0.001"} 1`, `le="0.002"} 1`, `le="0.003"} 4`, `le="+Inf"} 4`}
	if !slices.Equal(okBuckets, wantBuckets) {
		t.Errorf("buckets of ok: %q, want %q", okBuckets, wantBuckets)
	}
}
