package shard_test

import (
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
)

// TestLargeAddAtTagZero is issue 16's reproduction: an add of 2^16 or more
// in the epoch whose slot tag is 0 (epoch 2^28, after 310 days) must be
// counted, on the base cell as on the striped cells.
func TestLargeAddAtTagZero(t *testing.T) {
	mc := ring.NewManualClock()
	mc.Advance((1<<28 - ring.Size) * ring.Tick) // epoch 2^28: tag 0
	if e := mc.Epoch(); e != 1<<28 {
		t.Fatalf("epoch %d, want 2^28", e)
	}
	c := shard.New(mc.Clock)
	c.Add(1 << 16)
	if c.Total() != 1<<16 {
		t.Fatalf("Total() = %d, want %d", c.Total(), 1<<16)
	}
	// Every size of n, and the epochs around tag 0.
	want := uint64(1 << 16)
	for _, n := range []uint64{1, 1<<16 - 1, 1 << 16, 1<<35 + 3, 0} {
		for _, d := range []int{-2, -1, 0, 1} {
			m := ring.NewManualClock()
			m.Advance(time.Duration(1<<28-ring.Size+d) * ring.Tick)
			k := shard.New(m.Clock)
			k.Add(n)
			k.Add(n)
			if got := k.Total(); got != 2*n {
				t.Errorf("epoch 2^28%+d, n %d: Total %d, want %d", d, n, got, 2*n)
			}
		}
		c.Add(n)
		want += n
	}
	if got := c.Total(); got != want {
		t.Fatalf("Total %d, want %d", got, want)
	}
}

// TestRateOfNewCounterAfterLongUptime: a Counter made when its Clock has
// run for more than 2^27 ticks (about 155 days) counts its events in the
// window, by every slot (its empty slots' tags looked later than the
// epoch, so the rate read low or 0 until the uptime reached 2^28 ticks).
func TestRateOfNewCounterAfterLongUptime(t *testing.T) {
	for _, up := range []int{1<<27 + 1, 3 << 26, 1<<28 - 50} {
		clock := ring.NewManualClock()
		clock.Advance(time.Duration(up) * ring.Tick)
		c := shard.New(clock.Clock)
		for range 2 * ring.Size {
			c.Add(1000)
			clock.Advance(ring.Tick)
		}
		// Advance left the current slot empty: half the oldest of the ten
		// full slots plus the nine others.
		if got, want := c.Rate(), 0.5*1000+9*1000.0; got != want {
			t.Errorf("uptime %d ticks: rate %v, want %v", up, got, want)
		}
		if got, want := c.Total(), uint64(2*ring.Size*1000); got != want {
			t.Errorf("uptime %d ticks: total %d, want %d", up, got, want)
		}
	}
}
