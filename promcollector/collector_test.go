package promcollector_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
	"github.com/hitrate/hitrate/promcollector"
	"github.com/hitrate/hitrate/ring"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// fakeSource returns a fixed snapshot, or panics.
type fakeSource struct {
	snap  monitor.Snapshot
	panic any
}

func (f fakeSource) Snapshot(monitor.Query) monitor.Snapshot {
	if f.panic != nil {
		panic(f.panic)
	}
	return f.snap
}

func handSnapshot() monitor.Snapshot {
	return monitor.Snapshot{
		Time: time.Unix(1, 0),
		Protocols: []monitor.Protocol{
			{
				Name: "http",
				Events: []monitor.EventStats{
					{Name: "requests", Total: 1234567, Rate: 3456.5, PeakRate: 9100},
					{Name: "bytes", Unit: monitor.Bytes, Total: 1 << 40, Rate: 1.5e9, PeakRate: math.Inf(1)},
				},
				Conns: monitor.ConnCounts{Current: 2, Peak: 40, Total: 1200},
				Open:  []monitor.ConnInfo{{ID: 1, Name: "never a label"}},
			},
			{
				Name:   "we\\ird\"\nname\xff",
				Events: []monitor.EventStats{{Name: "a\"b", Total: 1, Rate: 0.25}, {Name: "a\"b", Total: 2}},
			},
			{Name: "http", Events: []monitor.EventStats{{Name: "requests", Total: 99}}},
			{Name: "we\\ird\"\nname\xfe", Events: []monitor.EventStats{{Name: "c", Total: 3}}}, // written as the one above
			{Name: "tcp", Dists: []monitor.DistStats{{Name: "connect_time", Total: monitor.DistTotal{
				Count: 4, Sum: 0.75, Bounds: []time.Duration{time.Millisecond, 250 * time.Millisecond}, Buckets: []uint64{1, 3},
			}}}},
		},
	}
}

// TestSameAsWrite checks that the collector gives exactly what
// exposition.Write writes: names, types, help, labels and values.
func TestSameAsWrite(t *testing.T) {
	src := fakeSource{snap: handSnapshot()}
	var want bytes.Buffer
	if err := exposition.Write(&want, src.snap); err != nil {
		t.Fatal(err)
	}
	// exposition.Write writes protocol before event; the registry sorts
	// label names, and CollectAndCompare compares in that order.
	if err := testutil.CollectAndCompare(promcollector.New(src), sortLabels(t, want.String())); err != nil {
		t.Error(err)
	}
}

// sortLabels parses a text exposition and writes it back with each
// series' labels sorted by name.
func sortLabels(t *testing.T, text string) io.Reader {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parsing exposition.Write's output: %v", err)
	}
	var out bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(mfs)) {
		mf := mfs[name]
		for _, m := range mf.GetMetric() {
			slices.SortFunc(m.Label, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
		}
		if _, err := expfmt.MetricFamilyToText(&out, mf); err != nil {
			t.Fatal(err)
		}
	}
	return &out
}

func TestCollectAndCompare(t *testing.T) {
	want := `# HELP hitrate_events_total Events counted since the monitor was made.
# TYPE hitrate_events_total counter
hitrate_events_total{event="requests",protocol="http"} 1.234567e+06
hitrate_events_total{event="a\"b",protocol="we\\ird\"\nname\ufffd"} 1
# HELP hitrate_bytes_total Bytes counted since the monitor was made, by the events whose unit is bytes.
# TYPE hitrate_bytes_total counter
hitrate_bytes_total{event="bytes",protocol="http"} 1.099511627776e+12
# HELP hitrate_bytes_rate Bytes per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_bytes_total[...]) in queries and alerts.
# TYPE hitrate_bytes_rate gauge
hitrate_bytes_rate{event="bytes",protocol="http"} 1.5e+09
# HELP hitrate_connections Connections open now.
# TYPE hitrate_connections gauge
hitrate_connections{protocol="http"} 2
hitrate_connections{protocol="tcp"} 0
hitrate_connections{protocol="we\\ird\"\nname\ufffd"} 0
# HELP hitrate_latency_seconds Latency distributions since the monitor was made, in seconds. Each le bound is nominal: values are counted at the fine bucket edge nearest to it, within 0.97%.
# TYPE hitrate_latency_seconds histogram
hitrate_latency_seconds_bucket{distribution="connect_time",protocol="tcp",le="0.001"} 1
hitrate_latency_seconds_bucket{distribution="connect_time",protocol="tcp",le="0.25"} 3
hitrate_latency_seconds_bucket{distribution="connect_time",protocol="tcp",le="+Inf"} 4
hitrate_latency_seconds_sum{distribution="connect_time",protocol="tcp"} 0.75
hitrate_latency_seconds_count{distribution="connect_time",protocol="tcp"} 4
`
	want = strings.ReplaceAll(want, `\ufffd`, "\ufffd")
	c := promcollector.New(fakeSource{snap: handSnapshot()})
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "hitrate_events_total", "hitrate_bytes_total", "hitrate_bytes_rate", "hitrate_connections", "hitrate_latency_seconds"); err != nil {
		t.Error(err)
	}
	// Per event family, 2 count events (requests, a"b) or 1 byte event;
	// per connection family, 3 protocols; one histogram.
	if n := testutil.CollectAndCount(c); n != 3*2+3*1+3*3+1 {
		t.Errorf("collected %d metrics, want 19", n)
	}
}

func TestCollectAndLint(t *testing.T) {
	problems, err := testutil.CollectAndLint(promcollector.New(fakeSource{snap: handSnapshot()}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestPedanticRegistry(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(promcollector.New(fakeSource{snap: handSnapshot()})); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) != 10 {
		t.Errorf("%d families, want 10", len(mfs))
	}
}

// TestNoDuplicateSeries: names that differ only in their invalid UTF-8
// are written alike, so only the first is collected; a pedantic registry
// fails on a series collected twice.
func TestNoDuplicateSeries(t *testing.T) {
	snap := monitor.Snapshot{Protocols: []monitor.Protocol{
		{Name: "p", Events: []monitor.EventStats{{Name: "q\xff", Total: 1}, {Name: "q\xfe", Total: 2}}},
		{Name: "r\xff", Events: []monitor.EventStats{{Name: "b", Unit: monitor.Bytes, Total: 3}}},
		{Name: "r\xfe", Events: []monitor.EventStats{{Name: "b", Unit: monitor.Bytes, Total: 4}}},
	}}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(promcollector.New(fakeSource{snap: snap}))
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("Gather: %v", err)
	}
	want := `# HELP hitrate_events_total Events counted since the monitor was made.
# TYPE hitrate_events_total counter
hitrate_events_total{event="q\ufffd",protocol="p"} 1
# HELP hitrate_bytes_total Bytes counted since the monitor was made, by the events whose unit is bytes.
# TYPE hitrate_bytes_total counter
hitrate_bytes_total{event="b",protocol="r\ufffd"} 3
`
	want = strings.ReplaceAll(want, `\ufffd`, "\ufffd")
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "hitrate_events_total", "hitrate_bytes_total"); err != nil {
		t.Error(err)
	}
}

func TestPanickingSource(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(promcollector.New(fakeSource{panic: "boom"}))
	if _, err := reg.Gather(); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Gather: err = %v, want the panic", err)
	}
	reg = prometheus.NewRegistry()
	reg.MustRegister(promcollector.New(nil))
	if _, err := reg.Gather(); err == nil {
		t.Errorf("Gather of a nil Source: no error")
	}
}

func TestRealMonitors(t *testing.T) {
	clock := ring.NewManualClock()
	web, err := monitor.New("web", []string{"requests", "errors"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer web.Close()
	db, err := monitor.New("db", []string{"queries"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := monitor.NewGroup(web, db)
	if err != nil {
		t.Fatal(err)
	}
	req, queries := web.MustEvent("requests"), db.MustEvent("queries")
	a, b := web.Open("a"), web.Open("b")
	for range ring.N {
		clock.Advance(ring.Tick)
		a.Add(req, 3)
		db.Add(queries, 2)
	}
	b.Close()
	web.Sample()
	db.Sample()

	want := `# HELP hitrate_events_total Events counted since the monitor was made.
# TYPE hitrate_events_total counter
hitrate_events_total{event="errors",protocol="web"} 0
hitrate_events_total{event="queries",protocol="db"} 20
hitrate_events_total{event="requests",protocol="web"} 30
# HELP hitrate_event_rate Events per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_events_total[...]) in queries and alerts.
# TYPE hitrate_event_rate gauge
hitrate_event_rate{event="errors",protocol="web"} 0
hitrate_event_rate{event="queries",protocol="db"} 20
hitrate_event_rate{event="requests",protocol="web"} 30
# HELP hitrate_connections Connections open now.
# TYPE hitrate_connections gauge
hitrate_connections{protocol="db"} 0
hitrate_connections{protocol="web"} 1
# HELP hitrate_connections_opened_total Connections opened since the monitor was made.
# TYPE hitrate_connections_opened_total counter
hitrate_connections_opened_total{protocol="db"} 0
hitrate_connections_opened_total{protocol="web"} 2
`
	if err := testutil.CollectAndCompare(promcollector.New(g), strings.NewReader(want),
		"hitrate_events_total", "hitrate_event_rate", "hitrate_connections", "hitrate_connections_opened_total"); err != nil {
		t.Error(err)
	}
}

// TestRealHistogram records values with known answers in a Monitor and
// reads them back twice: from the registry (client_golang's histogram)
// and from exposition.Write's text, parsed by Prometheus's parser. Both
// must hold the same histogram: cumulative buckets, each counting exactly
// the values at or below its bound (no value is within 1% of a bound),
// and a count equal to the values recorded.
func TestRealHistogram(t *testing.T) {
	clock := ring.NewManualClock()
	m, err := monitor.New("proxy", []string{"requests"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
		monitor.WithDistributions("response_time", "connect_time"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	rt := m.MustDist("response_time")
	c := m.Open("a")
	var vals []time.Duration
	for i := range 2000 {
		// A long tail from 7 µs to about 20 s, none near a bound.
		v := time.Duration(7000 * math.Pow(1.0065, float64(i)))
		for _, b := range latency.ExportBounds {
			if math.Abs(float64(v-b)) < 0.01*float64(b) {
				v += v / 40
			}
		}
		vals = append(vals, v)
		c.Record(rt, v)
		if i%100 == 0 {
			clock.Advance(ring.Tick)
		}
	}
	c.Close()
	m.Sample()

	check := func(from string, mf *dto.MetricFamily) {
		t.Helper()
		if mf.GetType() != dto.MetricType_HISTOGRAM || len(mf.GetMetric()) != 2 {
			t.Fatalf("%s: %v", from, mf)
		}
		for _, met := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range met.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			h := met.GetHistogram()
			want := uint64(len(vals))
			if labels["distribution"] == "connect_time" {
				want = 0
			}
			if labels["protocol"] != "proxy" || h.GetSampleCount() != want {
				t.Errorf("%s: %v: count %d, want %d", from, labels, h.GetSampleCount(), want)
			}
			bs := h.GetBucket()
			if n := len(bs); n == len(latency.ExportBounds)+1 { // the text has +Inf, the registry not
				if !math.IsInf(bs[n-1].GetUpperBound(), 1) || bs[n-1].GetCumulativeCount() != h.GetSampleCount() {
					t.Errorf("%s: last bucket %v", from, bs[n-1])
				}
				bs = bs[:n-1]
			}
			if len(bs) != len(latency.ExportBounds) {
				t.Fatalf("%s: %d buckets", from, len(bs))
			}
			prev := uint64(0)
			for i, b := range bs {
				bound := latency.ExportBounds[i]
				if b.GetUpperBound() != bound.Seconds() {
					t.Errorf("%s: bucket %d: le %v, want %v", from, i, b.GetUpperBound(), bound.Seconds())
				}
				if b.GetCumulativeCount() < prev || b.GetCumulativeCount() > h.GetSampleCount() {
					t.Errorf("%s: bucket %d: %d after %d: not cumulative", from, i, b.GetCumulativeCount(), prev)
				}
				prev = b.GetCumulativeCount()
				if want == 0 {
					continue
				}
				n := uint64(0)
				for _, v := range vals {
					if v <= bound {
						n++
					}
				}
				if b.GetCumulativeCount() != n {
					t.Errorf("%s: le %v: %d, want %d", from, bound, b.GetCumulativeCount(), n)
				}
			}
			var sum time.Duration
			if want > 0 {
				for _, v := range vals {
					sum += v
				}
			}
			if math.Abs(h.GetSampleSum()-sum.Seconds()) > 1e-6 {
				t.Errorf("%s: sum %v, want %v", from, h.GetSampleSum(), sum.Seconds())
			}
		}
	}

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(promcollector.New(m))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, mf := range mfs {
		if mf.GetName() == exposition.LatencyFamily {
			check("registry", mf)
			found = true
		}
	}
	if !found {
		t.Fatal("no histogram family gathered")
	}
	var text bytes.Buffer
	if err := exposition.Write(&text, m.Snapshot(monitor.Query{})); err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	parsed, err := parser.TextToMetricFamilies(&text)
	if err != nil {
		t.Fatal(err)
	}
	check("text", parsed[exposition.LatencyFamily])
}

// TestOneCollectorPerRegistry: every collector describes the same
// families, so a registry refuses a second one, even of another monitor,
// as New says; a Group of both monitors exposes both.
func TestOneCollectorPerRegistry(t *testing.T) {
	a, err := monitor.New("a", []string{"x"}, monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := monitor.New("b", []string{"x"}, monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(promcollector.New(a))
	var are prometheus.AlreadyRegisteredError
	if err := reg.Register(promcollector.New(b)); !errors.As(err, &are) {
		t.Errorf("registering a second collector: err = %v, want an AlreadyRegisteredError", err)
	}

	g, err := monitor.NewGroup(a, b)
	if err != nil {
		t.Fatal(err)
	}
	reg = prometheus.NewPedanticRegistry()
	reg.MustRegister(promcollector.New(g))
	want := `# HELP hitrate_connections Connections open now.
# TYPE hitrate_connections gauge
hitrate_connections{protocol="a"} 0
hitrate_connections{protocol="b"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "hitrate_connections"); err != nil {
		t.Error(err)
	}
}
