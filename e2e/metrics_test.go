package e2e

import (
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
	"github.com/hitrate/hitrate/ring"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsParse serves real monitors with known counts and parses
// /metrics back with the Prometheus text parser.
func TestMetricsParse(t *testing.T) {
	clock := ring.NewManualClock()
	opts := []monitor.Option{monitor.WithClock(clock.Clock), monitor.WithManualSampling()}
	webMon, err := monitor.New("web", []string{"requests", "errors", "bytes_out"},
		append(opts, monitor.WithUnit(monitor.Bytes, "bytes_out"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer webMon.Close()
	const odd = `db "main" \ ✓` // quotes and a backslash: escaped in label values
	db, err := monitor.New(odd, []string{`q"uery\`}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := monitor.NewGroup(webMon, db)
	if err != nil {
		t.Fatal(err)
	}
	req, errs, query := webMon.MustEvent("requests"), webMon.MustEvent("errors"), db.MustEvent(`q"uery\`)
	out := webMon.MustEvent("bytes_out")

	a, b, c := webMon.Open("a"), webMon.Open("b"), db.Open("c")
	for range ring.N { // one second: 7 requests a tick on a, 3 on b
		clock.Advance(ring.Tick)
		a.Add(req, 7)
		b.Add(req, 3)
		a.Add(out, 1500)
		c.Log(query)
	}
	webMon.Sample()
	db.Sample()
	for range ring.N { // then a calmer second, and an error
		clock.Advance(ring.Tick)
		a.Add(req, 2)
	}
	b.Log(errs)
	b.Close()
	webMon.Sample()
	db.Sample()

	srv := httptest.NewServer(web.NewHandler(g))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if got := expfmt.ResponseFormat(res.Header); got.FormatType() != expfmt.TypeTextPlain {
		t.Errorf("expfmt reads the format as %v", got)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	// The legacy validation of names: hitrate's names need no UTF-8 quoting.
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytesReader(body))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}

	types := map[string]dto.MetricType{
		"hitrate_events_total":             dto.MetricType_COUNTER,
		"hitrate_event_rate":               dto.MetricType_GAUGE,
		"hitrate_event_peak_rate":          dto.MetricType_GAUGE,
		"hitrate_bytes_total":              dto.MetricType_COUNTER,
		"hitrate_bytes_rate":               dto.MetricType_GAUGE,
		"hitrate_bytes_peak_rate":          dto.MetricType_GAUGE,
		"hitrate_connections":              dto.MetricType_GAUGE,
		"hitrate_connections_peak":         dto.MetricType_GAUGE,
		"hitrate_connections_opened_total": dto.MetricType_COUNTER,
	}
	if len(mfs) != len(types) {
		t.Errorf("%d families, want %d", len(mfs), len(types))
	}
	for name, typ := range types {
		mf := mfs[name]
		if mf == nil {
			t.Errorf("no family %s", name)
			continue
		}
		if mf.GetType() != typ || mf.GetHelp() == "" {
			t.Errorf("%s: type %v, help %q; want type %v with help", name, mf.GetType(), mf.GetHelp(), typ)
		}
	}

	type key struct{ metric, protocol, event string }
	want := map[key]float64{
		{"hitrate_events_total", "web", "requests"}:     120, // 100 + 20
		{"hitrate_events_total", "web", "errors"}:       1,
		{"hitrate_events_total", odd, `q"uery\`}:        10,
		{"hitrate_event_rate", "web", "requests"}:       webMon.Rate(req),
		{"hitrate_event_rate", "web", "errors"}:         webMon.Rate(errs),
		{"hitrate_event_rate", odd, `q"uery\`}:          db.Rate(query),
		{"hitrate_event_peak_rate", "web", "requests"}:  100,
		{"hitrate_event_peak_rate", odd, `q"uery\`}:     10,
		{"hitrate_bytes_total", "web", "bytes_out"}:     15000, // bytes: never in hitrate_events_total
		{"hitrate_bytes_rate", "web", "bytes_out"}:      webMon.Rate(out),
		{"hitrate_bytes_peak_rate", "web", "bytes_out"}: 15000,
		{"hitrate_connections", "web", ""}:              1,
		{"hitrate_connections", odd, ""}:                1,
		{"hitrate_connections_peak", "web", ""}:         2,
		{"hitrate_connections_opened_total", "web", ""}: 2,
		{"hitrate_connections_opened_total", odd, ""}:   1,
	}
	if r := webMon.Rate(req); r == 0 || r == 100 {
		t.Errorf("web requests rate %v: the calmer second should show", r)
	}
	got := map[key]float64{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			k := key{metric: name}
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "protocol":
					k.protocol = l.GetValue()
				case "event":
					k.event = l.GetValue()
				default:
					t.Errorf("%s has label %s", name, l.GetName())
				}
			}
			if _, dup := got[k]; dup {
				t.Errorf("series %v twice", k)
			}
			got[k] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("no series %v", k)
		} else if g != v {
			t.Errorf("%v = %v, want %v", k, g, v)
		}
	}
	if n := len(got); n != 3*3+3*1+2*3 {
		t.Errorf("%d series, want 18", n)
	}
}

// TestMetricsHistogramParse serves a monitor with latency distributions
// and parses /metrics with the Prometheus text parser: one histogram per
// distribution, its buckets cumulative at latency.ExportBounds, each
// counting exactly the values at or below its bound (none is within 1%
// of one), its count the values recorded.
func TestMetricsHistogramParse(t *testing.T) {
	clock := ring.NewManualClock()
	const odd = `d"ist\`
	m, err := monitor.New("proxy", []string{"requests"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
		monitor.WithDistributions("response_time", odd))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	rt := m.MustDist("response_time")
	c := m.Open("a")
	var vals []time.Duration
	for i := range 3000 {
		v := time.Duration(3000 * math.Pow(1.005, float64(i))) // 3 µs to about 10 s
		for _, b := range latency.ExportBounds {
			if math.Abs(float64(v-b)) < 0.01*float64(b) {
				v += v / 40
			}
		}
		vals = append(vals, v)
		c.Record(rt, v)
		if i%300 == 0 {
			clock.Advance(ring.Tick)
		}
	}
	c.Close()
	m.Sample()

	srv := httptest.NewServer(web.NewHandler(m))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	mf := mfs["hitrate_latency_seconds"]
	if mf == nil || mf.GetType() != dto.MetricType_HISTOGRAM || mf.GetHelp() == "" || len(mf.GetMetric()) != 2 {
		t.Fatalf("histogram family %v", mf)
	}
	for _, met := range mf.GetMetric() {
		labels := map[string]string{}
		for _, l := range met.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		want := vals
		if labels["distribution"] == odd {
			want = nil
		} else if labels["distribution"] != "response_time" {
			t.Fatalf("labels %v", labels)
		}
		if labels["protocol"] != "proxy" || len(labels) != 2 {
			t.Errorf("labels %v", labels)
		}
		h := met.GetHistogram()
		if h.GetSampleCount() != uint64(len(want)) {
			t.Errorf("%v: _count %d, want %d", labels, h.GetSampleCount(), len(want))
		}
		var sum time.Duration
		for _, v := range want {
			sum += v
		}
		if math.Abs(h.GetSampleSum()-sum.Seconds()) > 1e-6 {
			t.Errorf("%v: _sum %v, want %v", labels, h.GetSampleSum(), sum.Seconds())
		}
		bs := h.GetBucket()
		if len(bs) != len(latency.ExportBounds)+1 || !math.IsInf(bs[len(bs)-1].GetUpperBound(), 1) || bs[len(bs)-1].GetCumulativeCount() != h.GetSampleCount() {
			t.Fatalf("%v: %d buckets, the last %v", labels, len(bs), bs[len(bs)-1])
		}
		prev := uint64(0)
		for i, bound := range latency.ExportBounds {
			b := bs[i]
			n := uint64(0)
			for _, v := range want {
				if v <= bound {
					n++
				}
			}
			if b.GetUpperBound() != bound.Seconds() || b.GetCumulativeCount() != n || b.GetCumulativeCount() < prev {
				t.Errorf("%v: bucket le=%v: %d, want le=%v %d (cumulative from %d)", labels, b.GetUpperBound(), b.GetCumulativeCount(), bound.Seconds(), n, prev)
			}
			prev = b.GetCumulativeCount()
		}
	}
}
