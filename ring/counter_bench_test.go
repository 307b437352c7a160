package ring_test

import (
	"sync/atomic"
	"testing"

	"github.com/hitrate/hitrate/ring"
)

// The sync/atomic reference sits beside the ring benchmarks so that ratios
// are read from one run on one machine.

func BenchmarkAtomicAdd(b *testing.B) {
	var n atomic.Uint64
	for b.Loop() {
		n.Add(1)
	}
}

func BenchmarkCounterInc(b *testing.B) {
	clock := ring.NewClock()
	defer clock.Stop()
	c := ring.NewCounter(clock)
	b.ReportAllocs()
	for b.Loop() {
		c.Inc()
	}
}

// BenchmarkCounterIncPerGoroutine is the per-connection pattern: each
// goroutine writes its own Counter.
func BenchmarkCounterIncPerGoroutine(b *testing.B) {
	clock := ring.NewClock()
	defer clock.Stop()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := ring.NewCounter(clock)
		for pb.Next() {
			c.Inc()
		}
	})
}

func BenchmarkWindowAdd(b *testing.B) {
	clock := ring.NewClock()
	defer clock.Stop()
	var w ring.Window
	b.ReportAllocs()
	for b.Loop() {
		w.Add(clock.Epoch(), 1)
	}
}

func BenchmarkCounterRate(b *testing.B) {
	clock := ring.NewClock()
	defer clock.Stop()
	c := ring.NewCounter(clock)
	c.Add(100)
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		sink += c.Rate()
	}
	_ = sink
}

func BenchmarkCounterRateInterpolated(b *testing.B) {
	clock := ring.NewClock()
	defer clock.Stop()
	c := ring.NewCounter(clock)
	c.Add(100)
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		sink += c.RateWith(ring.Interpolated)
	}
	_ = sink
}
