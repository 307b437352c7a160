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
