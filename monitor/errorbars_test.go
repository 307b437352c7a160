package monitor_test

import (
	"math"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// TestSnapshotRateInterval checks rate_low and rate_high in snapshots: the
// Garwood interval of the count the estimator reads from the window,
// weights included.
func TestSnapshotRateInterval(t *testing.T) {
	for _, tc := range []struct {
		name      string
		est       ring.Estimator
		perTick   uint64
		ticks     int // ticks of perTick events, each followed by one tick of time
		silence   int // ticks of silence after them
		rate      float64
		low, high float64
	}{
		{"nothing", ring.Seed, 0, 0, 0, 0, 0, 3.6889},
		{"steady 100/s interpolated", ring.Interpolated, 10, 20, 0, 100, 81.3640, 121.6268},
		// Seed weighs the oldest slot by half: 0.5*10 + 9*10 = 95, whose
		// interval TestRateIntervalDefinition checks.
		{"steady 100/s seed", ring.Seed, 10, 20, 0, 95, 76.8607, 116.1326},
		// Only the oldest slot holds events: Seed reads half of them.
		{"oldest slot seed", ring.Seed, 10, 1, ring.N - 1, 5, 1.6235, 11.6683},
		{"oldest slot interpolated", ring.Interpolated, 10, 1, ring.N - 1, 10, 4.7954, 18.3904},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, clock := newManual(t, "http", []string{"req"}, monitor.WithEstimator(tc.est))
			req := m.MustEvent("req")
			for range tc.ticks {
				m.Add(req, tc.perTick)
				clock.Advance(ring.Tick)
			}
			for range tc.silence {
				clock.Advance(ring.Tick)
			}
			e := m.Snapshot(monitor.Query{}).Protocols[0].Events[0]
			if e.Rate != tc.rate || math.Abs(e.RateLow-tc.low) > 5e-5 || math.Abs(e.RateHigh-tc.high) > 5e-5 {
				t.Errorf("rate %v in [%v, %v], want %v in [%v, %v]", e.Rate, e.RateLow, e.RateHigh, tc.rate, tc.low, tc.high)
			}
		})
	}
}

// TestSnapshotRateIntervalBytes checks that an event counting bytes gets
// no interval (0, 0), while an event count beside it does.
func TestSnapshotRateIntervalBytes(t *testing.T) {
	m, clock := newManual(t, "http", []string{"req", "bytes"}, monitor.WithUnit(monitor.Bytes, "bytes"))
	req, b := m.MustEvent("req"), m.MustEvent("bytes")
	for range 20 {
		m.Add(req, 10)
		m.Add(b, 1000)
		clock.Advance(ring.Tick)
	}
	evs := m.Snapshot(monitor.Query{}).Protocols[0].Events
	if e := evs[0]; e.RateLow == 0 || e.RateHigh <= e.Rate {
		t.Errorf("events: rate %v in [%v, %v], want an interval around it", e.Rate, e.RateLow, e.RateHigh)
	}
	if e := evs[1]; e.Rate == 0 || e.RateLow != 0 || e.RateHigh != 0 {
		t.Errorf("bytes: rate %v in [%v, %v], want a rate and no interval (0, 0)", e.Rate, e.RateLow, e.RateHigh)
	}
}
