package shard_test

import (
	"sync/atomic"
	"testing"

	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
)

// The sync/atomic references sit beside the shard benchmarks so that
// ratios are read from one run on one machine.

func BenchmarkAtomicAdd(b *testing.B) {
	var n atomic.Int64
	for b.Loop() {
		n.Add(1)
	}
}

func BenchmarkAtomicAddParallel(b *testing.B) {
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Add(1)
		}
	})
}

func BenchmarkCounterInc(b *testing.B) {
	clock := ring.NewManualClock()
	c := shard.New(clock.Clock)
	b.ReportAllocs()
	for b.Loop() {
		c.Inc()
	}
}

func BenchmarkCounterIncParallel(b *testing.B) {
	clock := ring.NewManualClock()
	c := shard.New(clock.Clock)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc()
		}
	})
}

func BenchmarkCounterIncRotating(b *testing.B) {
	clock := ring.NewClock()
	defer clock.Stop()
	c := shard.New(clock)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc()
		}
	})
}

func BenchmarkCounterRate(b *testing.B) {
	clock := ring.NewManualClock()
	c := shard.New(clock.Clock)
	c.Add(10)
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
	c := shard.New(clock)
	c.Add(10)
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		sink += c.RateWith(ring.Interpolated)
	}
	_ = sink
}

func BenchmarkCounterTotal(b *testing.B) {
	clock := ring.NewManualClock()
	c := shard.New(clock.Clock)
	c.Add(10)
	var sink uint64
	for b.Loop() {
		sink += c.Total()
	}
	_ = sink
}
