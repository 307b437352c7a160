package otelhitrate_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/otelhitrate"
	"github.com/hitrate/hitrate/ring"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestProducer records values with known answers in two monitors and
// collects them through a ManualReader: one cumulative histogram per
// distribution name, a data point per protocol, whose bucket counts are
// exactly the values in each bucket (no value is within 1% of a bound).
func TestProducer(t *testing.T) {
	clock := ring.NewManualClock()
	web, err := monitor.New("web", []string{"requests"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
		monitor.WithDistributions("response_time", "connect_time"))
	if err != nil {
		t.Fatal(err)
	}
	defer web.Close()
	db, err := monitor.New("db", []string{"queries"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
		monitor.WithDistributions("response_time"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := monitor.NewGroup(web, db)
	if err != nil {
		t.Fatal(err)
	}
	webVals := []time.Duration{0, 20 * time.Microsecond, 3 * time.Millisecond, 3 * time.Millisecond, 700 * time.Millisecond, 2 * time.Hour}
	dbVals := []time.Duration{40 * time.Millisecond}
	for _, v := range webVals {
		web.Record(web.MustDist("response_time"), v)
	}
	for _, v := range dbVals {
		db.Record(db.MustDist("response_time"), v)
	}
	clock.Advance(3 * time.Second)

	p, err := otelhitrate.NewProducer(g)
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var sm *metricdata.ScopeMetrics
	for i := range rm.ScopeMetrics {
		if rm.ScopeMetrics[i].Scope.Name == otelhitrate.ScopeName {
			sm = &rm.ScopeMetrics[i]
		}
	}
	if sm == nil || len(sm.Metrics) != 2 {
		t.Fatalf("scope metrics %+v", rm.ScopeMetrics)
	}
	if sm.Metrics[0].Name != "hitrate.latency.response_time" || sm.Metrics[1].Name != "hitrate.latency.connect_time" || sm.Metrics[0].Unit != "s" {
		t.Fatalf("metrics %q %q unit %q", sm.Metrics[0].Name, sm.Metrics[1].Name, sm.Metrics[0].Unit)
	}
	bounds := make([]float64, len(latency.ExportBounds))
	for i, b := range latency.ExportBounds {
		bounds[i] = b.Seconds()
	}
	want := func(vals []time.Duration) []uint64 {
		counts := make([]uint64, len(bounds)+1)
		for _, v := range vals {
			k := len(bounds)
			for i, b := range latency.ExportBounds {
				if v <= b {
					k = i
					break
				}
			}
			counts[k]++
		}
		return counts
	}
	sum := func(vals []time.Duration) float64 {
		var s time.Duration
		for _, v := range vals {
			s += min(v, latency.Max)
		}
		return s.Seconds()
	}
	rt := sm.Metrics[0].Data.(metricdata.Histogram[float64])
	if rt.Temporality != metricdata.CumulativeTemporality || len(rt.DataPoints) != 2 {
		t.Fatalf("response_time: %+v", rt)
	}
	for _, dp := range rt.DataPoints {
		proto, _ := dp.Attributes.Value(otelhitrate.ProtocolKey)
		vals := webVals
		if proto.AsString() == "db" {
			vals = dbVals
		}
		if dp.Count != uint64(len(vals)) || !slices.Equal(dp.Bounds, bounds) || !slices.Equal(dp.BucketCounts, want(vals)) {
			t.Errorf("%s: count %d bounds %v buckets %v, want %d %v", proto.AsString(), dp.Count, dp.Bounds, dp.BucketCounts, len(vals), want(vals))
		}
		if math.Abs(dp.Sum-sum(vals)) > 1e-9 {
			t.Errorf("%s: sum %v, want %v", proto.AsString(), dp.Sum, sum(vals))
		}
		wantMax := slices.Max(vals)
		if max, ok := dp.Max.Value(); !ok || max != min(wantMax, latency.Max).Seconds() {
			t.Errorf("%s: max %v %v, want %v", proto.AsString(), max, ok, wantMax)
		}
		if _, ok := dp.Min.Value(); ok {
			t.Errorf("%s: a min, which hitrate does not keep", proto.AsString())
		}
		if got := dp.Time.Sub(dp.StartTime); got != 3*time.Second {
			t.Errorf("%s: from start to time %v, want the uptime 3s", proto.AsString(), got)
		}
	}
	ct := sm.Metrics[1].Data.(metricdata.Histogram[float64])
	if len(ct.DataPoints) != 1 || ct.DataPoints[0].Count != 0 || ct.DataPoints[0].Attributes != attribute.NewSet(otelhitrate.ProtocolKey.String("web")) {
		t.Errorf("connect_time: %+v", ct)
	}
	if _, ok := ct.DataPoints[0].Max.Value(); ok {
		t.Error("connect_time: a max without values")
	}
}

func TestNewProducerErrors(t *testing.T) {
	var nilMon *monitor.Monitor
	for _, tc := range []struct {
		src  monitor.Source
		want string
	}{
		{nil, "otelhitrate: NewProducer: nil Source"},
		{nilMon, "nil *monitor.Monitor"},
		{monitor.Group{nil}, "monitor 0 of the Group is nil"},
		{&fakeSource{snap: monitor.Snapshot{Protocols: []monitor.Protocol{{Name: "x", Dists: []monitor.DistStats{{Name: "a b"}}}}}},
			`distribution "a b": instrument name "hitrate.latency.a b"`},
	} {
		if _, err := otelhitrate.NewProducer(tc.src); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.src, err, tc.want)
		}
	}
	f := &fakeSource{snap: monitor.Snapshot{Protocols: []monitor.Protocol{{Name: "x"}}}}
	p, err := otelhitrate.NewProducer(f)
	if err != nil {
		t.Fatal(err)
	}
	if sms, err := p.Produce(context.Background()); err != nil || sms != nil {
		t.Errorf("no distributions: %v, %v", sms, err)
	}
	f.panic.Store("boom")
	if _, err := p.Produce(context.Background()); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("panicking source: %v", err)
	}
}

// A cumulative data point's StartTime stays the same from one collection
// to the next (consumers read a new StartTime as a reset), however the
// monitor's clock and the wall clock move apart between them; the counts
// go on from where they were.
func TestProducerStartTimeStable(t *testing.T) {
	clock := ring.NewManualClock()
	m, err := monitor.New("web", []string{"requests"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
		monitor.WithDistributions("response_time"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p, err := otelhitrate.NewProducer(m)
	if err != nil {
		t.Fatal(err)
	}
	point := func() metricdata.HistogramDataPoint[float64] {
		t.Helper()
		sms, err := p.Produce(context.Background())
		if err != nil || len(sms) != 1 || len(sms[0].Metrics) != 1 {
			t.Fatalf("Produce: %+v, %v", sms, err)
		}
		h := sms[0].Metrics[0].Data.(metricdata.Histogram[float64])
		if len(h.DataPoints) != 1 {
			t.Fatalf("data points %+v", h.DataPoints)
		}
		return h.DataPoints[0]
	}
	var first time.Time
	for i := range 4 {
		m.Record(m.MustDist("response_time"), time.Millisecond)
		clock.Advance(time.Second)
		dp := point()
		if i == 0 {
			first = dp.StartTime
		}
		if !dp.StartTime.Equal(first) || dp.Count != uint64(i+1) {
			t.Errorf("collection %d: start %v, count %d; want start %v (the first's), count %d", i, dp.StartTime, dp.Count, first, i+1)
		}
	}
}

// dynSource snapshots the monitors it holds now: a Source whose protocols
// come and go.
type dynSource struct{ ms []*monitor.Monitor }

func (d *dynSource) Snapshot(q monitor.Query) monitor.Snapshot {
	return monitor.Group(d.ms).Snapshot(q)
}

// TestProducerForgets: with monitors coming and going under new names, the
// Producer keeps the StartTime of the series of the last collection only,
// so what it keeps stays bounded; a series that stays keeps its
// StartTime, and one that comes back after a collection without it (here
// a new monitor under the old name, with more values than the old one had)
// starts again.
func TestProducerForgets(t *testing.T) {
	clock := ring.NewManualClock()
	newMon := func(name string, n int) *monitor.Monitor {
		t.Helper()
		m, err := monitor.New(name, []string{"requests"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
			monitor.WithDistributions("response_time"))
		if err != nil {
			t.Fatal(err)
		}
		for range n {
			m.Record(m.MustDist("response_time"), time.Millisecond)
		}
		return m
	}
	keep := newMon("keep", 1)
	defer keep.Close()
	src := &dynSource{ms: []*monitor.Monitor{keep}}
	p, err := otelhitrate.NewProducer(src)
	if err != nil {
		t.Fatal(err)
	}
	starts := func() map[string]time.Time {
		t.Helper()
		sms, err := p.Produce(context.Background())
		if err != nil || len(sms) != 1 || len(sms[0].Metrics) != 1 {
			t.Fatalf("Produce: %+v, %v", sms, err)
		}
		st := make(map[string]time.Time)
		for _, dp := range sms[0].Metrics[0].Data.(metricdata.Histogram[float64]).DataPoints {
			proto, _ := dp.Attributes.Value(otelhitrate.ProtocolKey)
			st[proto.AsString()] = dp.StartTime
		}
		return st
	}
	first := starts()["keep"]
	for i := range 100 {
		m := newMon(fmt.Sprint("conn-", i), 1)
		src.ms = []*monitor.Monitor{keep, m}
		clock.Advance(time.Second)
		st := starts()
		if len(st) != 2 || !st["keep"].Equal(first) {
			t.Fatalf("collection %d: starts %v, want keep's at %v", i, st, first)
		}
		m.Close()
		if n := otelhitrate.Series(p); n > 2 {
			t.Fatalf("after %d monitors came and went, the Producer keeps %d series", i+1, n)
		}
	}

	web := newMon("web", 1)
	src.ms = []*monitor.Monitor{keep, web}
	clock.Advance(5 * time.Second)
	old := starts()["web"] // made 5 s before
	src.ms = []*monitor.Monitor{keep}
	starts()
	web.Close()
	web = newMon("web", 2) // made now, with more values than the old one: no reset from the count
	defer web.Close()
	src.ms = []*monitor.Monitor{keep, web}
	if st := starts(); st["web"].Sub(old) < 4*time.Second || !st["keep"].Equal(first) {
		t.Fatalf("web back: start %v (the old one %v), keep %v (want %v)", st["web"], old, st["keep"], first)
	}
}
