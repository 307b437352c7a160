package shard

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/hitrate/hitrate/ring"
)

func TestCellIsPadded(t *testing.T) {
	if s := unsafe.Sizeof(cell{}); s != cacheLine {
		t.Fatalf("cell is %d bytes, want %d", s, cacheLine)
	}
	if o := unsafe.Offsetof(Counter{}.base); o != cacheLine {
		t.Fatalf("the base cell is at offset %d, want %d", o, cacheLine)
	}
}

// TestOverflowShard makes a Counter with one shard and runs writers on
// more Ps, striped: with the pinned build, Ps past the first must use the
// base cell, and nothing may be lost.
func TestOverflowShard(t *testing.T) {
	old := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(old)
	clock := ring.NewManualClock()
	c := newN(clock.Clock, 1)
	c.striped.Store(1)
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
	t.Logf("pinned=%v cell 0: %d, base: %d", Pinned, c.cells[0].c.Total(&c.cells[0].g), c.base.c.Total(&c.base.g))
}

// TestStripesUnderContention: writers on several cores at once must make
// the Counter stripe; one goroutine alone must not.
func TestStripesUnderContention(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs")
	}
	old := runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))
	defer runtime.GOMAXPROCS(old)
	clock := ring.NewManualClock()

	alone := newN(clock.Clock, 4)
	for range 1 << 20 {
		alone.Inc()
	}
	if alone.Striped() {
		t.Fatal("one goroutine made the Counter stripe")
	}

	c := newN(clock.Clock, 4)
	var wg sync.WaitGroup
	var n atomic.Uint64
	deadline := time.Now().Add(5 * time.Second)
	for range 2 {
		wg.Go(func() {
			for !c.Striped() && time.Now().Before(deadline) {
				for range 1000 {
					c.Inc()
				}
				n.Add(1000)
			}
		})
	}
	wg.Wait()
	if !c.Striped() {
		t.Fatalf("two writers did not make the Counter stripe in %d events", n.Load())
	}
	t.Logf("striped after %d events", n.Load())
	if c.Total() != n.Load() {
		t.Fatalf("total %d, want %d", c.Total(), n.Load())
	}
}

// TestZeroAllocsEveryPath: the base cell's fast and slow paths, the
// contention sample, the striped path and the large-n path.
func TestZeroAllocsEveryPath(t *testing.T) {
	clock := ring.NewManualClock()
	for _, striped := range []bool{false, true} {
		c := newN(clock.Clock, runtime.GOMAXPROCS(0))
		if striped {
			c.striped.Store(1)
		}
		for name, f := range map[string]func(){
			"Inc":         c.Inc,
			"Add(64)":     func() { c.Add(64) }, // samples every time
			"Add(big)":    func() { c.Add(1 << 20) },
			"Add+advance": func() { clock.Advance(ring.Tick); c.Inc() }, // folds
		} {
			if a := testing.AllocsPerRun(1000, f); a != 0 {
				t.Errorf("striped=%v %s: %v allocs per run, want 0", striped, name, a)
			}
		}
	}
}

// TestResetWindow: a Reset empties the window without writing the cells;
// events after it count, in the window and the total.
func TestResetWindow(t *testing.T) {
	clock := ring.NewManualClock()
	for _, striped := range []bool{false, true} {
		c := newN(clock.Clock, 2)
		if striped {
			c.striped.Store(1)
		}
		c.Add(100)
		clock.Advance(ring.Tick)
		c.Add(10)
		if got := c.Reset(); got != 110 {
			t.Fatalf("Reset %d, want 110", got)
		}
		c.Add(3)
		if s := c.Slots(); s.Sum() != 3 || s[ring.N] != 3 || c.Total() != 3 {
			t.Fatalf("striped=%v: after Reset and Add(3): slots %v total %d", striped, s, c.Total())
		}
		clock.Advance(ring.Tick)
		c.Add(4)
		if s := c.Slots(); s.Sum() != 7 || s[ring.N] != 4 || c.Total() != 7 {
			t.Fatalf("striped=%v: a tick later: slots %v total %d", striped, s, c.Total())
		}
	}
}
