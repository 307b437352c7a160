package shard

import (
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/hitrate/hitrate/ring"
)

func TestShardIsPadded(t *testing.T) {
	if s := unsafe.Sizeof(shard{}); s != cacheLine {
		t.Fatalf("shard is %d bytes, want %d", s, cacheLine)
	}
}

// TestOverflowShard makes a Counter with one shard and runs writers on
// more Ps: with the pinned build, Ps past the first must use the overflow
// shard, and nothing may be lost.
func TestOverflowShard(t *testing.T) {
	old := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(old)
	clock := ring.NewManualClock()
	c := newN(clock.Clock, 1)
	const writers, per = 8, 50000
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range per {
				c.Inc()
			}
		})
	}
	wg.Wait()
	if got := c.Total(); got != writers*per {
		t.Fatalf("total %d, want %d", got, writers*per)
	}
	if s := c.Slots(); s.Sum() != writers*per {
		t.Fatalf("window %d, want %d", s.Sum(), writers*per)
	}
	t.Logf("pinned=%v shard 0: %d, overflow: %d", Pinned, c.shards[0].total.Load(), c.overflow.total.Load())
}
