package latency_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/ring"
)

// TestMaxNotBelowCounts: while a writer records ever larger values (each
// in a bucket above the last), every read of Second and Total has a max,
// and a Quantile(1), at least in the highest bucket it counts: a reader
// never sees a value's count without its max.
func TestMaxNotBelowCounts(t *testing.T) {
	old := runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))
	defer runtime.GOMAXPROCS(old)
	for mode, mk := range latency.Makers {
		t.Run(mode, func(t *testing.T) {
			clock := ring.NewManualClock()
			var cur atomic.Pointer[latency.Histogram]
			cur.Store(mk(clock.Clock))
			var stop atomic.Bool
			var wg sync.WaitGroup
			wg.Go(func() {
				for !stop.Load() {
					h := mk(clock.Clock)
					cur.Store(h)
					for v := time.Duration(1000); v < latency.Max && !stop.Load(); v = v * 1025 / 1000 {
						h.Record(v)
					}
				}
			})
			defer wg.Wait()
			defer stop.Store(true)
			var s latency.Snapshot
			for range 5000 {
				h := cur.Load()
				for _, w := range []latency.Window{latency.Total, latency.Second} {
					h.Read(w, &s)
					for i := latency.NumBuckets - 2; i > 0; i-- {
						if s.Bucket(i) == 0 {
							continue
						}
						lo, _ := latency.BucketBounds(i)
						if float64(s.Max) < lo || float64(s.Quantile(1)) < lo {
							t.Fatalf("%v: bucket %d [%.0f ns, ...) counted, max %v, q1 %v", w, i, lo, s.Max, s.Quantile(1))
						}
						break
					}
				}
			}
		})
	}
}

// TestMeanNotAboveMax: while a writer records values of 1 ms, every read
// of Second and Total has a mean of at most 1 ms, the max: a reader never
// takes a value's sum without its count (it reads the sums first).
func TestMeanNotAboveMax(t *testing.T) {
	old := runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))
	defer runtime.GOMAXPROCS(old)
	for mode, mk := range latency.Makers {
		t.Run(mode, func(t *testing.T) {
			clock := ring.NewManualClock()
			h := mk(clock.Clock)
			var stop atomic.Bool
			var wg sync.WaitGroup
			wg.Go(func() {
				for !stop.Load() {
					h.Record(time.Millisecond)
				}
			})
			defer wg.Wait()
			defer stop.Store(true)
			var s latency.Snapshot
			for k := range 2000 {
				if k%200 == 199 {
					clock.Advance(ring.Tick) // slots cleared into the totals
				}
				for _, w := range []latency.Window{latency.Total, latency.Second} {
					h.Read(w, &s)
					if s.Count > 0 && (s.Mean > time.Millisecond || s.Max != time.Millisecond) {
						t.Fatalf("%v: count %v, sum %v s, mean %v, max %v", w, s.Count, s.Sum, s.Mean, s.Max)
					}
				}
			}
		})
	}
}
