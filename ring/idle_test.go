package ring_test

import (
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
)

// steadyRate adds 1000 events in each of 2*Size ticks and checks, against
// the model (Advance leaves the current slot empty: half the oldest of the
// ten full slots plus the nine others), the rate and the total.
func steadyRate(t *testing.T, what string, clock *ring.ManualClock, c *ring.Counter, before uint64) {
	t.Helper()
	for range 2 * ring.Size {
		c.Add(1000)
		clock.Advance(ring.Tick)
	}
	if got, want := c.Rate(), 0.5*1000+9*1000.0; got != want {
		t.Errorf("%s: rate %v, want %v", what, got, want)
	}
	if got, want := c.Total(), before+2*ring.Size*1000; got != want {
		t.Errorf("%s: total %d, want %d", what, got, want)
	}
}

// TestRateAfterLongIdle: a Counter that counted, then sat idle for longer
// than half the tag space (2^27 ticks, about 155 days), must count its new
// events in the window again, whatever the idle time (it read 0 for up to
// 155 days more: its writers took the old tags for later epochs').
func TestRateAfterLongIdle(t *testing.T) {
	for _, idle := range []int64{1 << 20, 1<<27 - 50, 1<<27 + 1, 1<<27 + 12345, 3 << 26, 1<<28 - 100, 1<<28 + 7, 5 << 27, 19 << 27} {
		clock := ring.NewManualClock()
		c := ring.NewCounter(clock.Clock)
		for range ring.Size {
			c.Add(1)
			clock.Advance(ring.Tick)
		}
		clock.Advance(time.Duration(idle) * ring.Tick)
		steadyRate(t, "idle "+time.Duration(idle*int64(ring.Tick)).String(), clock, c, ring.Size)
	}
}

// TestRateOfNewCounterAfterLongUptime: a Counter made when its Clock has
// run for more than 2^27 ticks (about 155 days of process uptime) counts
// its events in the window (it read 0 until the uptime reached 2^28
// ticks: its writers took the empty slots, tag 0, for a later epoch's).
func TestRateOfNewCounterAfterLongUptime(t *testing.T) {
	for _, up := range []int64{1<<27 - 20, 1 << 27, 1<<27 + 3, 3 << 26, 1<<28 - 30, 1<<28 - ring.Size, 1<<28 + 1, 3<<27 + 5} {
		for d := range int64(ring.Size) { // every slot's turn to be the first written
			clock := ring.NewManualClock()
			clock.Advance(time.Duration(up+d) * ring.Tick)
			steadyRate(t, "uptime "+time.Duration((up+d)*int64(ring.Tick)).String(), clock, ring.NewCounter(clock.Clock), 0)
		}
	}
}

// TestNewCounterAfterLongUptimeConcurrent: writers that race into the
// empty slots of a new Counter, at uptimes where an empty slot's tag looks
// later than the epoch, count every event in the window of their epoch.
func TestNewCounterAfterLongUptimeConcurrent(t *testing.T) {
	const writers, each = 8, 500
	for _, up := range []int64{1<<28 - 40, 3 << 26, 3<<26 + 1, 3<<26 + 2, 1<<28 - 3} {
		for d := range int64(ring.Size) {
			clock := ring.NewManualClock()
			clock.Advance(time.Duration(up+d) * ring.Tick)
			c := ring.NewCounter(clock.Clock)
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					for range each {
						c.Inc()
					}
				})
			}
			wg.Wait()
			if s, n := c.Slots(), uint64(writers*each); s[ring.N] != n || c.Total() != n {
				t.Errorf("uptime %d ticks: current slot %d, total %d, want %d in both", up+d, s[ring.N], c.Total(), n)
			}
		}
	}
}
