package latency_test

import (
	"fmt"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/ring"
)

func ExampleHistogram() {
	clock := ring.NewManualClock() // ring.NewClock() or ring.Default() outside tests
	h := latency.New(clock.Clock)

	// One second of requests: 99 fast ones and one slow one per Tick.
	for range ring.N {
		for k := range 99 {
			h.Record(time.Duration(1000+k) * time.Microsecond)
		}
		h.Record(250 * time.Millisecond)
		clock.Advance(ring.Tick)
	}
	h.Sample() // the sampler, once a second

	s := h.Snapshot(latency.Second)
	fmt.Printf("last second: %.0f values, %.0f/s, p50 %v, p99 %v, max %v\n",
		s.Count, s.Rate, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Max)
	t := h.Snapshot(latency.TenSeconds)
	fmt.Printf("10 s: %.0f values over %v, mean %v\n", t.Count, t.Span, t.Mean.Round(time.Microsecond))

	// A classic histogram for /metrics, from the exact totals. Each bound
	// moves to the nearest bucket edge (within 0.97%): le 1ms counts the
	// values up to 1.009 ms, here 1000 to 1008 µs.
	total := h.Snapshot(latency.Total)
	bounds := []time.Duration{time.Millisecond, 10 * time.Millisecond, time.Second}
	fmt.Println("le 1ms, 10ms, 1s:", total.Cumulative(bounds, nil), "count:", total.Count)
	// Output:
	// last second: 950 values, 950/s, p50 1.059ms, p99 1.1ms, max 250ms
	// 10 s: 1000 values over 1s, mean 3.539ms
	// le 1ms, 10ms, 1s: [90 990 1000] count: 1000
}
