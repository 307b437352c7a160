package monitor_test

import (
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// TestStallAfterStreamReadsZero: 100 events 10 ms apart on a connection,
// then the rotator stalls for 2 s. Every rate read (Monitor.Rate,
// Conn.Rate, the snapshot's protocol and connection rates, and a sort by
// rate) reads 0; totals are exact.
func TestStallAfterStreamReadsZero(t *testing.T) {
	for _, e := range []ring.Estimator{ring.Seed, ring.Interpolated} {
		m, clock := newManual(t, "http", []string{"req"}, monitor.WithEstimator(e))
		ev := m.MustEvent("req")
		c := m.Open("a")
		for range 100 {
			c.Log(ev)
			clock.Advance(10 * time.Millisecond)
		}
		clock.Stall(2 * time.Second)
		if r := m.Rate(ev); r != 0 {
			t.Errorf("%v: Monitor.Rate %v, want 0", e, r)
		}
		if r := c.Rate(ev); r != 0 {
			t.Errorf("%v: Conn.Rate %v, want 0", e, r)
		}
		p := m.Snapshot(monitor.Query{Conns: true, SortBy: monitor.ByRate("req")}).Protocols[0]
		if got := p.Events[0]; got.Rate != 0 || got.Total != 100 {
			t.Errorf("%v: snapshot event %+v, want rate 0 total 100", e, got)
		}
		if got := p.Open[0].Events[0]; got.Rate != 0 || got.Total != 100 {
			t.Errorf("%v: snapshot connection %+v, want rate 0 total 100", e, got)
		}
		if m.Total(ev) != 100 || c.Total(ev) != 100 {
			t.Errorf("%v: totals %d and %d, want 100", e, m.Total(ev), c.Total(ev))
		}
	}
}
