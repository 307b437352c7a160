package monitor_test

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

func TestDistributionsValidation(t *testing.T) {
	long := strings.Repeat("x", monitor.MaxNameLen+1)
	tests := []struct {
		dists []string
		want  string
	}{
		{[]string{""}, `monitor "http": distribution 0 has an empty name`},
		{[]string{"a", "a"}, `monitor "http": distribution 1 "a" has the same name as distribution 0`},
		{[]string{"ok", "\xff"}, `monitor "http": distribution 1 "\xff" has a name that is not valid UTF-8`},
		{[]string{long}, "over MaxNameLen"},
		{[]string{"a\nb"}, "holds a control character"},
	}
	for _, tc := range tests {
		_, err := monitor.New("http", []string{"req"}, monitor.WithManualSampling(), monitor.WithDistributions(tc.dists...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("dists %q: err %v, want %q", tc.dists, err, tc.want)
		}
	}
	// Two options add up, and are checked together.
	_, err := monitor.New("http", []string{"req"}, monitor.WithManualSampling(),
		monitor.WithDistributions("a"), monitor.WithDistributions("b", "a"))
	if err == nil || !strings.Contains(err.Error(), `distribution 2 "a" has the same name as distribution 0`) {
		t.Errorf("across options: %v", err)
	}
	// A distribution may share an event's name.
	m, err := monitor.New("http", []string{"request"}, monitor.WithManualSampling(), monitor.WithDistributions("request"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Dist("request"); err != nil {
		t.Error(err)
	}
}

func TestDistLookup(t *testing.T) {
	m, _ := newManual(t, "http", []string{"req"}, monitor.WithDistributions("response_time", "connect_time"))
	if got := m.Distributions(); !slices.Equal(got, []string{"response_time", "connect_time"}) {
		t.Fatalf("Distributions = %q", got)
	}
	m.Distributions()[0] = "changed"
	if m.Distributions()[0] != "response_time" {
		t.Fatal("Distributions returned the Monitor's own slice")
	}
	if _, err := m.Dist("nope"); err == nil || !strings.Contains(err.Error(), "known: response_time, connect_time") {
		t.Errorf("Dist(nope): %v", err)
	}
	plain, _ := newManual(t, "tcp", []string{"req"})
	if plain.Distributions() != nil {
		t.Error("Distributions without any: not nil")
	}
	if _, err := plain.Dist("x"); err == nil || !strings.Contains(err.Error(), "none declared") {
		t.Errorf("Dist on a monitor without distributions: %v", err)
	}
	var nilMon *monitor.Monitor
	if _, err := nilMon.Dist("x"); err == nil {
		t.Error("Dist on nil: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("MustDist(nope) did not panic")
		}
	}()
	m.MustDist("nope")
}

// exactQuantile is the q-quantile of sorted values, weighted 1 each: the
// smallest value whose rank reaches ceil(q*n).
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	r := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(r, 1)-1]
}

// awayFromBounds returns v, or v moved up by 3% if it is within 1.5% of
// one of latency.ExportBounds, so that no bucket edge (within 0.97% of
// its bound) can put it on the other side.
func awayFromBounds(v time.Duration) time.Duration {
	for _, b := range latency.ExportBounds {
		if math.Abs(float64(v-b)) < 0.015*float64(b) {
			return v + v*3/100
		}
	}
	return v
}

func within(got, want time.Duration, rel float64) bool {
	return math.Abs(float64(got-want)) <= rel*float64(want)
}

// TestDistRecord records a known long-tailed set of values, protocol-wide
// and on connections, over one second, and checks every window and the
// connections' counts and means against exact answers.
func TestDistRecord(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req"}, monitor.WithDistributions("rt", "ct"))
	rt, ct := m.MustDist("rt"), m.MustDist("ct")
	a, b := m.Open("a"), m.Open("b")
	defer a.Close()
	defer b.Close()
	var all, onA []time.Duration
	// The first Tick's values sit in the oldest slot of the window after
	// N Ticks, at half weight: start recording after one Tick, so every
	// value weighs 1 in Second.
	clock.Advance(ring.Tick)
	for tick := range ring.N {
		for k := range 50 {
			v := time.Duration(113+k*37+tick*1000) * time.Microsecond
			if k == 49 {
				v = time.Duration(200+tick) * time.Millisecond // a tail
			}
			v = awayFromBounds(v)
			switch k % 3 {
			case 0:
				a.Record(rt, v)
				onA = append(onA, v)
			case 1:
				b.Record(rt, v)
			default:
				m.Record(rt, v)
			}
			all = append(all, v)
		}
		a.Record(ct, 3*time.Millisecond)
		if tick < ring.N-1 {
			clock.Advance(ring.Tick)
		}
	}
	m.Sample()
	slices.Sort(all)
	p := m.Snapshot(monitor.Query{Conns: true}).Protocols[0]
	if len(p.Dists) != 2 || p.Dists[0].Name != "rt" || p.Dists[1].Name != "ct" {
		t.Fatalf("Dists = %+v", p.Dists)
	}
	d := p.Dists[0]
	var sum time.Duration
	for _, v := range all {
		sum += v
	}
	for _, w := range []struct {
		name string
		win  monitor.DistWindow
	}{{"1s", d.Second}, {"10s", d.TenSeconds}, {"60s", d.Minute}} {
		if w.win.Count != float64(len(all)) {
			t.Errorf("%s: count %v, want %d", w.name, w.win.Count, len(all))
		}
		for _, q := range []struct {
			got time.Duration
			q   float64
		}{{w.win.P50, 0.5}, {w.win.P90, 0.9}, {w.win.P99, 0.99}, {w.win.P999, 0.999}} {
			if want := exactQuantile(all, q.q); !within(q.got, want, 0.0097) {
				t.Errorf("%s: p%v = %v, want %v within 0.97%%", w.name, q.q*100, q.got, want)
			}
		}
		if !within(w.win.Mean, sum/time.Duration(len(all)), 1e-9) {
			t.Errorf("%s: mean %v, want %v", w.name, w.win.Mean, sum/time.Duration(len(all)))
		}
	}
	if d.Second.Max != all[len(all)-1] || d.Second.Span != time.Second || d.Second.Rate != float64(len(all)) {
		t.Errorf("1s: max %v span %v rate %v", d.Second.Max, d.Second.Span, d.Second.Rate)
	}
	if d.Total.Count != uint64(len(all)) || d.Total.Max != all[len(all)-1] {
		t.Errorf("total: count %d max %v", d.Total.Count, d.Total.Max)
	}
	if math.Abs(d.Total.Sum-sum.Seconds()) > 1e-9 {
		t.Errorf("total sum %v s, want %v", d.Total.Sum, sum.Seconds())
	}
	if !slices.Equal(d.Total.Bounds, latency.ExportBounds) || len(d.Total.Buckets) != len(d.Total.Bounds) {
		t.Fatalf("bounds %v, %d buckets", d.Total.Bounds, len(d.Total.Buckets))
	}
	for i, bound := range d.Total.Bounds {
		// No value is within 1% of a bound here, so the counts are exact.
		n := uint64(0)
		for _, v := range all {
			if math.Abs(float64(v-bound)) < 0.01*float64(bound) {
				t.Fatalf("value %v too close to bound %v for this test", v, bound)
			}
			if v <= bound {
				n++
			}
		}
		if d.Total.Buckets[i] != n {
			t.Errorf("bucket le %v: %d, want %d", bound, d.Total.Buckets[i], n)
		}
	}
	if len(d.History) != 1 || d.History[0].Count != uint64(len(all)) ||
		!within(d.History[0].P50, exactQuantile(all, 0.5), 0.0097) || !within(d.History[0].P99, exactQuantile(all, 0.99), 0.0097) {
		t.Errorf("history %+v", d.History)
	}

	// The connections.
	if len(p.Open) != 2 {
		t.Fatalf("%d open", len(p.Open))
	}
	ca := p.Open[0]
	if ca.Name != "a" || len(ca.Dists) != 2 || ca.Dists[0].Name != "rt" || ca.Dists[1].Name != "ct" {
		t.Fatalf("conn a: %+v", ca)
	}
	var sumA time.Duration
	for _, v := range onA {
		sumA += v
	}
	if ca.Dists[0].Count != float64(len(onA)) || ca.Dists[0].Total != uint64(len(onA)) {
		t.Errorf("conn a rt: count %v total %d, want %d", ca.Dists[0].Count, ca.Dists[0].Total, len(onA))
	}
	if want := sumA / time.Duration(len(onA)); math.Abs(float64(ca.Dists[0].Mean-want)) > 500 {
		t.Errorf("conn a rt: mean %v, want %v within 0.5µs", ca.Dists[0].Mean, want)
	}
	if ca.Dists[1].Count != ring.N || ca.Dists[1].Mean != 3*time.Millisecond {
		t.Errorf("conn a ct: %+v", ca.Dists[1])
	}
	if cb := p.Open[1]; cb.Dists[1].Count != 0 || cb.Dists[1].Mean != 0 || cb.Dists[1].Total != 0 {
		t.Errorf("conn b ct: %+v", cb.Dists[1])
	}
}

// TestDistConnWindow checks that a connection's count and mean follow the
// window of the rates: the oldest slot half-weighted, then gone.
func TestDistConnWindow(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req"}, monitor.WithDistributions("rt"))
	rt := m.MustDist("rt")
	c := m.Open("c")
	defer c.Close()
	c.Record(rt, 10*time.Millisecond) // epoch 0
	clock.Advance(ring.Tick)
	c.Record(rt, 20*time.Millisecond) // epoch 1
	c.Record(rt, 20*time.Millisecond)
	clock.Advance((ring.N - 1) * ring.Tick)
	conn := func() monitor.ConnDist {
		return m.Snapshot(monitor.Query{Conns: true}).Protocols[0].Open[0].Dists[0]
	}
	// At epoch N, epoch 0 is the oldest, half-weighted: (5 + 40) / 2.5 = 18 ms.
	got := conn()
	if got.Count != 2.5 || got.Mean != 18*time.Millisecond || got.Total != 3 {
		t.Errorf("with the oldest half-weighted: %+v", got)
	}
	clock.Advance(ring.Tick)
	// At epoch N+1, epoch 0 is out, epoch 1 the oldest.
	got = conn()
	if got.Count != 1 || got.Mean != 20*time.Millisecond || got.Total != 3 {
		t.Errorf("after the first left: %+v", got)
	}
	clock.Advance(ring.Tick)
	if got = conn(); got.Count != 0 || got.Mean != 0 || got.Total != 3 {
		t.Errorf("after all left: %+v", got)
	}
}

func TestDistDroppedAndBadInput(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req"}, monitor.WithDistributions("rt"))
	other, _ := newManual(t, "redis", []string{"req"}, monitor.WithDistributions("rt"))
	rt, foreign := m.MustDist("rt"), other.MustDist("rt")
	c := m.Open("c")
	m.Record(monitor.Dist{}, time.Second)
	m.Record(foreign, time.Second)
	c.Record(monitor.Dist{}, time.Second)
	c.Record(foreign, time.Second)
	if m.Dropped() != 4 {
		t.Errorf("Dropped = %d, want 4", m.Dropped())
	}
	c.Record(rt, -time.Second) // counts as 0: an underflow
	c.Record(rt, 2*time.Hour)  // above latency.Max: an overflow, counted as 1 h
	c.Close()
	c.Record(rt, time.Millisecond) // closed: the protocol only
	clock.Advance(ring.Tick)
	m.Sample()
	p := m.Snapshot(monitor.Query{}).Protocols[0]
	d := p.Dists[0]
	if d.Total.Count != 3 || d.Total.Underflow != 1 || d.Total.Overflow != 1 || d.Total.Max != latency.Max {
		t.Errorf("total %+v", d.Total)
	}
	if want := (latency.Max + time.Millisecond).Seconds(); math.Abs(d.Total.Sum-want) > 1e-9 {
		t.Errorf("sum %v, want %v", d.Total.Sum, want)
	}
	if got := other.Snapshot(monitor.Query{}).Protocols[0].Dists[0].Total.Count; got != 0 {
		t.Errorf("foreign monitor recorded %d", got)
	}
	// Nil and zero handles never panic.
	var nilMon *monitor.Monitor
	nilMon.Record(rt, time.Second)
	monitor.Conn{}.Record(rt, time.Second)
	if nilMon.Distributions() != nil {
		t.Error("nil Distributions")
	}
}

func TestDistHistory(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req"}, monitor.WithDistributions("rt"))
	rt := m.MustDist("rt")
	const secs = monitor.HistoryLen + 5
	for s := range secs {
		// Second s: 99 values of s+1 ms and one of 100*(s+1) ms.
		for range 99 {
			m.Record(rt, time.Duration(s+1)*time.Millisecond)
		}
		if s%2 == 0 {
			m.Record(rt, time.Duration(100*(s+1))*time.Millisecond)
		} else {
			m.Record(rt, time.Duration(s+1)*time.Millisecond)
		}
		clock.Advance(time.Second)
		m.Sample()
	}
	h := m.Snapshot(monitor.Query{}).Protocols[0].Dists[0].History
	if len(h) != monitor.HistoryLen {
		t.Fatalf("history of %d points, want %d", len(h), monitor.HistoryLen)
	}
	for i, pt := range h {
		s := secs - monitor.HistoryLen + i
		p50 := time.Duration(s+1) * time.Millisecond
		p99 := p50
		if pt.Count != 100 || !within(pt.P50, p50, 0.0097) || !within(pt.P99, p99, 0.0097) {
			t.Errorf("point %d (second %d): %+v, want p50 %v p99 %v", i, s, pt, p50, p99)
		}
	}
	// An empty second: a point with no values.
	clock.Advance(time.Second)
	m.Sample()
	h = m.Snapshot(monitor.Query{}).Protocols[0].Dists[0].History
	if last := h[len(h)-1]; last != (monitor.DistPoint{}) {
		t.Errorf("empty second: %+v", last)
	}
}

// TestDistConcurrentExact records from many goroutines on shared and own
// connections while the clock moves, the sampler samples and readers
// read: every total must be exact.
func TestDistConcurrentExact(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req"}, monitor.WithDistributions("rt"))
	rt := m.MustDist("rt")
	shared := m.Open("shared")
	defer shared.Close()
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				clock.Advance(ring.Tick)
				m.Sample()
				m.Snapshot(monitor.Query{Conns: true})
			}
		}
	})
	const workers, per = 4, 20000
	var wg sync.WaitGroup
	own := make([]monitor.Conn, workers)
	for w := range workers {
		own[w] = m.Open("own")
		wg.Go(func() {
			for i := range per {
				v := time.Duration(1+i%1000) * time.Microsecond
				shared.Record(rt, v)
				own[w].Record(rt, 70*time.Millisecond) // the counter's slow add
			}
		})
	}
	wg.Wait()
	close(stop)
	bg.Wait()
	p := m.Snapshot(monitor.Query{Conns: true}).Protocols[0]
	if got := p.Dists[0].Total.Count; got != 2*workers*per {
		t.Errorf("protocol count %d, want %d", got, 2*workers*per)
	}
	for _, c := range p.Open {
		want := uint64(per)
		if c.Name == "shared" {
			want = workers * per
		}
		if c.Dists[0].Total != want {
			t.Errorf("conn %s: total %d, want %d", c.Name, c.Dists[0].Total, want)
		}
	}
	for _, c := range own {
		c.Close()
	}
}

func TestDistJSON(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req"}, monitor.WithDistributions("rt"))
	c := m.Open("c")
	defer c.Close()
	c.Record(m.MustDist("rt"), 5*time.Millisecond)
	clock.Advance(time.Second)
	m.Sample()
	snap := m.Snapshot(monitor.Query{Conns: true})
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"distributions":[{"name":"rt","1s":{"span_ns":1000000000,`, `"10s":{`, `"60s":{`,
		`"p50_ns":`, `"p90_ns":`, `"p99_ns":`, `"p999_ns":`, `"max_ns":`, `"mean_ns":`, `"rate":`,
		`"total":{"count":1,"sum_seconds":0.005,"max_ns":5000000,"bounds_ns":[10000,`, `"buckets":[0,`,
		`"underflow":0,"overflow":0,"missed":0}`, `"history":[{"count":1,"p50_ns":`,
		`"distributions":[{"name":"rt","count":0.5,"mean_ns":5000000,"total":1}]`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s:\n%s", key, b)
		}
	}
	var back monitor.Snapshot
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got, want := back.Protocols[0].Dists[0], snap.Protocols[0].Dists[0]; got.Total.Count != want.Total.Count ||
		got.TenSeconds != want.TenSeconds || !slices.Equal(got.Total.Buckets, want.Total.Buckets) || !slices.Equal(got.History, want.History) {
		t.Errorf("round trip: %+v, want %+v", got, want)
	}
	// Without distributions, no key.
	plain, _ := newManual(t, "tcp", []string{"req"})
	plain.Open("x")
	b, _ = json.Marshal(plain.Snapshot(monitor.Query{Conns: true}))
	if strings.Contains(string(b), "distributions") {
		t.Errorf("JSON without distributions: %s", b)
	}
}
