package otelhitrate_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/otelhitrate"
	"github.com/hitrate/hitrate/ring"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// recorder is a Source that passes Snapshot on and keeps every snapshot
// it returned, so that a test can compare a collection with the snapshot
// its callback took.
type recorder struct {
	src   monitor.Source
	mu    sync.Mutex
	snaps []monitor.Snapshot
}

func (r *recorder) Snapshot(q monitor.Query) monitor.Snapshot {
	s := r.src.Snapshot(q)
	r.mu.Lock()
	r.snaps = append(r.snaps, s)
	r.mu.Unlock()
	return s
}

func (r *recorder) calls() []monitor.Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.snaps)
}

// fakeSource returns a fixed snapshot, or panics once armed.
type fakeSource struct {
	snap  monitor.Snapshot
	panic atomic.Value
}

func (f *fakeSource) Snapshot(monitor.Query) monitor.Snapshot {
	if v := f.panic.Load(); v != nil {
		panic(v)
	}
	return f.snap
}

// point is one collected data point, keyed by instrument and protocol.
type point struct {
	metric, protocol string
}

// collected is what one collection gave: values by point, and each
// instrument's unit, kind and attribute keys.
type collected struct {
	values    map[point]int64
	units     map[string]string
	monotonic map[string]bool
}

// collect runs one collection of the reader and flattens it, failing the
// test on any attribute other than protocol or any aggregation other than
// a cumulative int64 sum.
func collect(t *testing.T, reader *sdkmetric.ManualReader) collected {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return flatten(t, rm)
}

func flatten(t *testing.T, rm metricdata.ResourceMetrics) collected {
	t.Helper()
	c := collected{values: map[point]int64{}, units: map[string]string{}, monotonic: map[string]bool{}}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				t.Fatalf("%s: aggregation %T, want metricdata.Sum[int64]", m.Name, m.Data)
			}
			if sum.Temporality != metricdata.CumulativeTemporality {
				t.Errorf("%s: temporality %v, want cumulative", m.Name, sum.Temporality)
			}
			c.units[m.Name] = m.Unit
			c.monotonic[m.Name] = sum.IsMonotonic
			for _, dp := range sum.DataPoints {
				if dp.Attributes.Len() != 1 {
					t.Errorf("%s: attributes %v, want only protocol", m.Name, dp.Attributes.ToSlice())
				}
				proto, ok := dp.Attributes.Value(otelhitrate.ProtocolKey)
				if !ok {
					t.Fatalf("%s: no protocol attribute in %v", m.Name, dp.Attributes.ToSlice())
				}
				p := point{m.Name, proto.AsString()}
				if _, dup := c.values[p]; dup {
					t.Errorf("%v collected twice", p)
				}
				c.values[p] = dp.Value
			}
		}
	}
	return c
}

// expected turns a snapshot into the values a collection must show.
func expected(s monitor.Snapshot) map[point]int64 {
	want := map[point]int64{}
	for _, p := range s.Protocols {
		for _, e := range p.Events {
			want[point{otelhitrate.EventPrefix + e.Name, p.Name}] = int64(e.Total)
		}
		want[point{otelhitrate.ConnectionsName, p.Name}] = p.Conns.Current
		want[point{otelhitrate.ConnectionsOpenedName, p.Name}] = int64(p.Conns.Total)
	}
	return want
}

func newReader(t *testing.T) (*sdkmetric.ManualReader, metric.Meter) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { provider.Shutdown(context.Background()) })
	return reader, provider.Meter("otelhitrate_test")
}

func newMonitor(t *testing.T, clock *ring.ManualClock, name string, events ...string) *monitor.Monitor {
	t.Helper()
	opts := []monitor.Option{monitor.WithClock(clock.Clock), monitor.WithManualSampling()}
	var bytes []string
	for _, ev := range events {
		if strings.HasPrefix(ev, "bytes") {
			bytes = append(bytes, ev)
		}
	}
	if bytes != nil {
		opts = append(opts, monitor.WithUnit(monitor.Bytes, bytes...))
	}
	m, err := monitor.New(name, events, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// TestValuesEqualSnapshot checks, collection after collection, that the
// values are exactly those of the one snapshot the callback took, and the
// instruments' names, units and kinds (events whose name begins with
// "bytes" count monitor.Bytes; see newMonitor).
func TestValuesEqualSnapshot(t *testing.T) {
	clock := ring.NewManualClock()
	web := newMonitor(t, clock, "http", "requests", "errors", "bytes_out")
	db := newMonitor(t, clock, "redis", "requests", "commands")
	g, err := monitor.NewGroup(web, db)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{src: g}
	reader, meter := newReader(t)
	reg, err := otelhitrate.Register(meter, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	if n := len(rec.calls()); n != 1 {
		t.Fatalf("Register took %d snapshots, want 1", n)
	}

	req, errs, out := web.MustEvent("requests"), web.MustEvent("errors"), web.MustEvent("bytes_out")
	dreq, cmds := db.MustEvent("requests"), db.MustEvent("commands")
	a, b, c := web.Open("a"), web.Open("b"), db.Open("c")
	steps := []func(){
		func() {},
		func() {
			for range ring.N {
				clock.Advance(ring.Tick)
				a.Add(req, 7)
				b.Log(req)
				a.Add(out, 1500)
				c.Add(cmds, 3)
				c.Log(dreq)
			}
		},
		func() {
			b.Log(errs)
			b.Close()
			web.Log(req) // outside any connection
			db.Open("d")
		},
	}
	for i, step := range steps {
		step()
		got := collect(t, reader)
		calls := rec.calls()
		if n := len(calls); n != i+2 {
			t.Fatalf("step %d: %d snapshots after %d collections, want one per collection", i, n, i+1)
		}
		want := expected(calls[len(calls)-1])
		if !maps.Equal(got.values, want) {
			t.Errorf("step %d: collected\n%v\nwant the callback's snapshot\n%v", i, got.values, want)
		}
	}
	// The last step's numbers, by hand, so that a wrong snapshot cannot
	// agree with itself.
	got := collect(t, reader)
	for p, v := range map[point]int64{
		{"hitrate.event.requests", "http"}:      int64(8*ring.N + 1),
		{"hitrate.event.errors", "http"}:        1,
		{"hitrate.event.bytes_out", "http"}:     1500 * ring.N,
		{"hitrate.event.requests", "redis"}:     ring.N,
		{"hitrate.event.commands", "redis"}:     3 * ring.N,
		{"hitrate.connections", "http"}:         1,
		{"hitrate.connections", "redis"}:        2,
		{"hitrate.connections.opened", "http"}:  2,
		{"hitrate.connections.opened", "redis"}: 2,
	} {
		if got.values[p] != v {
			t.Errorf("%v = %d, want %d", p, got.values[p], v)
		}
	}
	if len(got.values) != 9 {
		t.Errorf("%d points, want 9: %v", len(got.values), got.values)
	}
	if got.units[otelhitrate.EventPrefix+"bytes_out"] != "By" || got.units[otelhitrate.EventPrefix+"requests"] != "{event}" {
		t.Errorf("units %v", got.units)
	}
	for name, unit := range got.units {
		wantUnit, wantMono := "{event}", true
		switch name {
		case otelhitrate.ConnectionsName:
			wantUnit, wantMono = "{connection}", false
		case otelhitrate.ConnectionsOpenedName:
			wantUnit = "{connection}"
		case otelhitrate.EventPrefix + "bytes_out":
			wantUnit = "By"
		}
		if unit != wantUnit || got.monotonic[name] != wantMono {
			t.Errorf("%s: unit %q, monotonic %v; want %q, %v", name, unit, got.monotonic[name], wantUnit, wantMono)
		}
	}
}

// TestOneSnapshotUnderLoad collects while writers count: every collection
// must equal, exactly, the snapshot its callback took. A callback that
// read the monitors instrument by instrument would not.
func TestOneSnapshotUnderLoad(t *testing.T) {
	clock := ring.NewManualClock()
	web := newMonitor(t, clock, "http", "requests", "errors")
	db := newMonitor(t, clock, "redis", "commands")
	rec := &recorder{src: monitor.Group{web, db}}
	reader, meter := newReader(t)
	reg, err := otelhitrate.Register(meter, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()

	const writers, perWriter = 4, 5000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			req, errs, cmds := web.MustEvent("requests"), web.MustEvent("errors"), db.MustEvent("commands")
			for i := range perWriter {
				c := web.Open(fmt.Sprint(w))
				c.Log(req)
				db.Log(cmds)
				if i%7 == 0 {
					c.Log(errs)
				}
				c.Close()
				if w == 0 && i%1000 == 0 {
					clock.Advance(ring.Tick)
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	collections := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		got := collect(t, reader)
		calls := rec.calls()
		want := expected(calls[len(calls)-1])
		if !maps.Equal(got.values, want) {
			t.Fatalf("collection %d differs from its snapshot:\n%v\nwant\n%v", collections, got.values, want)
		}
		collections++
	}
	if n := len(rec.calls()); n != collections+1 {
		t.Errorf("%d snapshots for %d collections and Register", n, collections)
	}
	got := collect(t, reader)
	for p, v := range map[point]int64{
		{"hitrate.event.requests", "http"}:     writers * perWriter,
		{"hitrate.event.commands", "redis"}:    writers * perWriter,
		{"hitrate.connections.opened", "http"}: writers * perWriter,
		{"hitrate.connections", "http"}:        0,
	} {
		if got.values[p] != v {
			t.Errorf("after the writers: %v = %d, want %d", p, got.values[p], v)
		}
	}
	t.Logf("%d collections under load", collections)
}

func TestUnregister(t *testing.T) {
	clock := ring.NewManualClock()
	m := newMonitor(t, clock, "http", "requests")
	rec := &recorder{src: m}
	reader, meter := newReader(t)
	reg, err := otelhitrate.Register(meter, rec)
	if err != nil {
		t.Fatal(err)
	}
	m.Log(m.MustEvent("requests"))
	if got := collect(t, reader); got.values[point{"hitrate.event.requests", "http"}] != 1 {
		t.Fatalf("before Unregister: %v", got.values)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	n := len(rec.calls())
	if got := collect(t, reader); len(got.values) != 0 {
		t.Errorf("after Unregister, collected %v", got.values)
	}
	if len(rec.calls()) != n {
		t.Error("the Source was read after Unregister")
	}
}

func TestRegisterErrors(t *testing.T) {
	clock := ring.NewManualClock()
	m := newMonitor(t, clock, "http", "requests")
	_, meter := newReader(t)
	snap := func(protos ...monitor.Protocol) monitor.Source {
		return &fakeSource{snap: monitor.Snapshot{Protocols: protos}}
	}
	ev := func(names ...string) []monitor.EventStats {
		var es []monitor.EventStats
		for _, n := range names {
			es = append(es, monitor.EventStats{Name: n})
		}
		return es
	}
	panicky := &fakeSource{}
	panicky.panic.Store("boom")
	for _, tc := range []struct {
		name  string
		meter metric.Meter
		src   monitor.Source
		want  string
	}{
		{"nil meter", nil, m, "nil Meter"},
		{"nil source", meter, nil, "nil Source"},
		{"nil monitor", meter, (*monitor.Monitor)(nil), "nil *monitor.Monitor"},
		{"nil in group", meter, monitor.Group{m, nil}, "monitor 1 of the Group is nil"},
		{"empty group", meter, monitor.Group{}, "lists no protocol"},
		{"space in event", meter, snap(monitor.Protocol{Name: "p", Events: ev("bytes in")}), `event "bytes in"`},
		{"empty event", meter, snap(monitor.Protocol{Name: "p", Events: ev("")}), "empty event name"},
		{"long event", meter, snap(monitor.Protocol{Name: "p", Events: ev(strings.Repeat("x", 242))}), "longer than 255"},
		{"case", meter, snap(monitor.Protocol{Name: "p", Events: ev("Req")}, monitor.Protocol{Name: "q", Events: ev("req")}), "differ only in case"},
		{"units differ", meter, snap(monitor.Protocol{Name: "p", Events: ev("out")},
			monitor.Protocol{Name: "q", Events: []monitor.EventStats{{Name: "out", Unit: monitor.Bytes}}}),
			`event "out" counts bytes in protocol "q" but events in an earlier one`},
		{"panic", meter, panicky, "panicked: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := otelhitrate.Register(tc.meter, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if reg != nil {
				t.Error("a Registration with the error")
			}
		})
	}
	// The longest valid name is accepted.
	if _, err := otelhitrate.Register(noop.NewMeterProvider().Meter(""),
		snap(monitor.Protocol{Name: "p", Events: ev(strings.Repeat("x", 255-len(otelhitrate.EventPrefix)))})); err != nil {
		t.Errorf("255-byte instrument name: %v", err)
	}
}

// TestCollectPanic checks that a Source panicking during a collection
// makes the collection fail instead of crashing the program.
func TestCollectPanic(t *testing.T) {
	src := &fakeSource{snap: monitor.Snapshot{Protocols: []monitor.Protocol{{Name: "p", Events: []monitor.EventStats{{Name: "e", Total: 3}}}}}}
	reader, meter := newReader(t)
	reg, err := otelhitrate.Register(meter, src)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	src.panic.Store("boom")
	var rm metricdata.ResourceMetrics
	err = reader.Collect(context.Background(), &rm)
	if err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Errorf("Collect error %v, want the panic", err)
	}
}

// TestDuplicatesAndBounds checks that the first of two protocols or
// events of one name wins, as in exposition.Write (protocol names
// compared as written, after invalid UTF-8 is replaced), that totals
// saturate at MaxInt64, and that invalid UTF-8 in a protocol is replaced.
func TestDuplicatesAndBounds(t *testing.T) {
	src := &fakeSource{snap: monitor.Snapshot{Protocols: []monitor.Protocol{
		{Name: "p", Events: []monitor.EventStats{{Name: "e", Total: math.MaxUint64}, {Name: "e", Total: 5}}, Conns: monitor.ConnCounts{Current: 3, Total: math.MaxInt64 + 1}},
		{Name: "p", Events: []monitor.EventStats{{Name: "e", Total: 9}, {Name: "other", Total: 9}}},
		{Name: "bad\xff", Events: []monitor.EventStats{{Name: "e", Total: 4}}},
		{Name: "bad\xfe", Events: []monitor.EventStats{{Name: "e", Total: 6}}, Conns: monitor.ConnCounts{Current: 8}}, // written as bad\xff is
		{Name: "u", Events: []monitor.EventStats{{Name: "e", Total: 1}, {Name: "e", Unit: monitor.Bytes, Total: 2}}},  // the first e wins
	}}}
	reader, meter := newReader(t)
	reg, err := otelhitrate.Register(meter, src)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	got := collect(t, reader)
	want := map[point]int64{
		{"hitrate.event.e", "p"}:                    math.MaxInt64,
		{"hitrate.connections", "p"}:                3,
		{"hitrate.connections.opened", "p"}:         math.MaxInt64,
		{"hitrate.event.e", "bad\uFFFD"}:            4,
		{"hitrate.connections", "bad\uFFFD"}:        0,
		{"hitrate.connections.opened", "bad\uFFFD"}: 0,
		{"hitrate.event.e", "u"}:                    1,
		{"hitrate.connections", "u"}:                0,
		{"hitrate.connections.opened", "u"}:         0,
	}
	if !maps.Equal(got.values, want) {
		t.Errorf("collected\n%v\nwant\n%v", got.values, want)
	}
}

// TestProtocolAttribute checks the attribute set itself, not only its
// protocol value.
func TestProtocolAttribute(t *testing.T) {
	clock := ring.NewManualClock()
	m := newMonitor(t, clock, "http", "requests")
	reader, meter := newReader(t)
	reg, err := otelhitrate.Register(meter, m)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	want := attribute.NewSet(attribute.String("protocol", "http"))
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			for _, dp := range mt.Data.(metricdata.Sum[int64]).DataPoints {
				n++
				if !dp.Attributes.Equals(&want) {
					t.Errorf("%s: attributes %v", mt.Name, dp.Attributes.ToSlice())
				}
			}
		}
	}
	if n != 3 {
		t.Errorf("%d data points, want 3", n)
	}
}
