package ring_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
)

// TestResetNeverNegative is issue 16's reproduction: under concurrent
// writers on a still clock, every Reset returns a number between 0 and what
// was added since the previous Reset (never a wrapped negative one), and
// the returns plus the final Total are what was added.
func TestResetNeverNegative(t *testing.T) {
	mc := ring.NewManualClock()
	mc.Advance(10 * ring.Tick) // then the clock stays still
	c := ring.NewCounter(mc.Clock)
	var started, done atomic.Uint64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				n := uint64(1)
				if w == 0 && i%16 == 0 {
					n = 65535 // the largest fast-path add
				}
				started.Add(n)
				c.Add(n)
				done.Add(n)
			}
		})
	}
	var removed, prevDone uint64
	for end := time.Now().Add(time.Second); time.Now().Before(end); {
		d0 := done.Load()
		got := c.Reset()
		s1 := started.Load()
		if got > s1-prevDone {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("Reset() = %d (int64 %d), added since the previous Reset at most %d", got, int64(got), s1-prevDone)
		}
		removed += got
		prevDone = d0
	}
	stop.Store(true)
	wg.Wait()
	if got, want := removed+c.Total(), started.Load(); got != want {
		t.Fatalf("Resets %d + Total %d = %d, want %d", removed, c.Total(), got, want)
	}
}
