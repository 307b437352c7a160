package shard_test

import (
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
)

// TestStallAfterStreamReadsZero: 100 events 10 ms apart, then the rotator
// stalls for 2 s. Readers take the epoch the elapsed time names, so the
// rate is 0 by both estimators, the slots are empty, and the total exact.
func TestStallAfterStreamReadsZero(t *testing.T) {
	clock := ring.NewManualClock()
	c := shard.New(clock.Clock)
	for range 100 {
		c.Inc()
		clock.Advance(10 * time.Millisecond)
	}
	clock.Stall(2 * time.Second)
	for _, e := range []ring.Estimator{ring.Seed, ring.Interpolated} {
		if got := c.RateWith(e); got != 0 {
			t.Errorf("%v: rate %v after a 2 s stall with no event, want 0", e, got)
		}
	}
	if s := c.Slots(); s != (ring.Slots{}) {
		t.Errorf("slots %v after a 2 s stall, want all zero", s)
	}
	if c.Total() != 100 {
		t.Errorf("total %d, want 100", c.Total())
	}
}
