package ring_test

import (
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
)

var estimators = []ring.Estimator{ring.Seed, ring.Interpolated}

// TestStallAfterStreamReadsZero is the reproduction: 100 events
// 10 ms apart, then the rotator stalls for 2 s. No event came in the last
// 2 s, so the rate is 0 (it read 95, or 90 interpolated, when readers used
// the stored epoch); the total is exact.
func TestStallAfterStreamReadsZero(t *testing.T) {
	clock := ring.NewManualClock()
	c := ring.NewCounter(clock.Clock)
	for range 100 {
		c.Inc()
		clock.Advance(10 * time.Millisecond)
	}
	clock.Stall(2 * time.Second)
	for _, e := range estimators {
		if got := c.RateWith(e); got != 0 {
			t.Errorf("%v: rate %v after a 2 s stall with no event, want 0", e, got)
		}
	}
	if c.Total() != 100 {
		t.Errorf("total %d, want 100", c.Total())
	}
}

// TestStallNeverAboveOnTime runs a steady 100 ev/s stream (one event every
// 10 ms) on two counters: one whose rotator is on time, one whose rotator
// stalls for 500 ms at several points of the stream and then catches up.
// At every millisecond the late one must read no more than the on-time
// one, by either estimator (it read up to 45% above the events of the
// last 1.05 s when readers used the stored epoch), and totals stay exact.
func TestStallNeverAboveOnTime(t *testing.T) {
	for _, start := range []time.Duration{1500, 1550, 1599, 2020} {
		start *= time.Millisecond
		onTime, late := ring.NewManualClock(), ring.NewManualClock()
		a, b := ring.NewCounter(onTime.Clock), ring.NewCounter(late.Clock)
		var n uint64
		for now := time.Duration(0); now < 4*time.Second; now += time.Millisecond {
			if now%(10*time.Millisecond) == 0 {
				a.Inc()
				b.Inc()
				n++
			}
			onTime.Advance(time.Millisecond)
			if now >= start && now < start+500*time.Millisecond {
				late.Stall(time.Millisecond)
			} else {
				late.Advance(time.Millisecond)
			}
			for _, e := range estimators {
				if ra, rb := a.RateWith(e), b.RateWith(e); rb > ra {
					t.Fatalf("stall at %v, now %v, %v: late rotator reads %v, on time %v", start, now, e, rb, ra)
				}
			}
		}
		if a.Total() != n || b.Total() != n {
			t.Fatalf("totals %d and %d, want %d", a.Total(), b.Total(), n)
		}
	}
}

// TestStoppedStreamReadsZeroDuringStall stops a 100 ev/s stream at several
// points of a rotator stall: with the rotator still held up, the rate must
// read 0 within 1.1 s of the last event.
func TestStoppedStreamReadsZeroDuringStall(t *testing.T) {
	for _, into := range []time.Duration{0, 10, 50, 95, 300} {
		into *= time.Millisecond
		for _, e := range estimators {
			clock := ring.NewManualClock()
			c := ring.NewCounter(clock.Clock)
			for range 150 { // 1.5 s of stream with an on-time rotator
				c.Inc()
				clock.Advance(10 * time.Millisecond)
			}
			n := uint64(150)
			for d := time.Duration(0); d < into; d += 10 * time.Millisecond { // the stall begins, the stream goes on
				c.Inc()
				n++
				clock.Stall(10 * time.Millisecond)
			}
			c.Inc() // the last event
			var zeroAt time.Duration = -1
			for d := time.Duration(0); d <= 3*time.Second; d += time.Millisecond {
				if c.RateWith(e) == 0 {
					zeroAt = d
					break
				}
				clock.Stall(time.Millisecond)
			}
			if zeroAt < 0 || zeroAt > 1100*time.Millisecond {
				t.Errorf("%v, stream stopped %v into the stall: rate zero after %v, want <= 1.1 s", e, into, zeroAt)
			}
			if c.Total() != n+1 {
				t.Errorf("total %d, want %d", c.Total(), n+1)
			}
		}
	}
}

// TestStallLongerThanWindow writes during a stall longer than the window:
// those events leave the rate once their stale slot is more than a second
// old, but never the total.
func TestStallLongerThanWindow(t *testing.T) {
	clock := ring.NewManualClock()
	c := ring.NewCounter(clock.Clock)
	for range 300 { // 3 s at 100 ev/s, the rotator stalled all along
		c.Inc()
		clock.Stall(10 * time.Millisecond)
	}
	if got := c.Rate(); got != 0 {
		t.Errorf("rate %v: the events of a stall longer than the window are out of it", got)
	}
	if c.Total() != 300 {
		t.Errorf("total %d, want 300", c.Total())
	}
	clock.Rotate()
	c.Inc()
	if got := c.Rate(); got != 1 {
		t.Errorf("after catching up, rate %v, want 1", got)
	}
}

// TestManualClockSaturates: a ManualClock moved past the largest
// time.Duration (about 292 years) stops there, as does the epoch; it
// wrapped to a negative elapsed time and an epoch whose slot writes and
// reads disagreed. A negative or zero d moves nothing.
func TestManualClockSaturates(t *testing.T) {
	const maxD = time.Duration(1<<63 - 1)
	clock := ring.NewManualClock()
	c := ring.NewCounter(clock.Clock)
	clock.Advance(maxD - 5*time.Second)
	c.Add(3)
	clock.Advance(10 * time.Second)
	clock.Stall(maxD)
	clock.Rotate()
	c.Add(4)
	clock.Advance(-time.Hour)
	clock.Advance(0)
	wantEpoch := uint64(ring.Size) + uint64(maxD/ring.Tick)
	if got := clock.Elapsed(); got != maxD {
		t.Errorf("elapsed %v, want %v", got, maxD)
	}
	if e, r := clock.Epoch(), clock.ReadEpoch(); e != wantEpoch || r != wantEpoch {
		t.Errorf("epoch %d, read epoch %d, want %d", e, r, wantEpoch)
	}
	if got := c.Rate(); got != 4 {
		t.Errorf("rate %v, want 4: the 3 are 50 ticks old", got)
	}
	if got := c.Total(); got != 7 {
		t.Errorf("total %d, want 7", got)
	}
}
