package latency_test

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/ring"
)

// values is the benchmarks' value stream: 50 µs to 200 ms, log-uniform.
var values = func() (v [1024]time.Duration) {
	r := rand.New(rand.NewPCG(1, 1))
	for i := range v {
		v[i] = time.Duration(50e3 * math.Exp(r.Float64()*math.Log(4000)))
	}
	return v
}()

func BenchmarkRecord(b *testing.B) {
	clock := ring.NewClock()
	defer clock.Stop()
	h := latency.New(clock)
	i := 0
	for b.Loop() {
		h.Record(values[i&1023])
		i++
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	clock := ring.NewClock()
	defer clock.Stop()
	h := latency.New(clock)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			h.Record(values[i&1023])
			i++
		}
	})
}

func BenchmarkAtomicAdd(b *testing.B) {
	var n atomic.Uint64
	b.Run("seq", func(b *testing.B) {
		for b.Loop() {
			n.Add(1)
		}
	})
	b.Run("par", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n.Add(1)
			}
		})
	})
}

// BenchmarkRead reads the Second window (count, rate, mean, p50, p90,
// p99, p99.9, max) of a Histogram whose every slot is full, on every
// stripe.
func BenchmarkRead(b *testing.B) {
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	for range ring.Size {
		for _, v := range values {
			h.Record(v)
		}
		clock.Advance(ring.Tick)
	}
	var s latency.Snapshot
	for b.Loop() {
		h.Read(latency.Second, &s)
	}
}

func BenchmarkSample(b *testing.B) {
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	for _, v := range values {
		h.Record(v)
	}
	for b.Loop() {
		h.Sample()
	}
}
