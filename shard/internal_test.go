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
	t.Logf("pinned=%v cell 0: %d, base: %d", Pinned, c.cells[0].Total(), c.base.Total())
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

// TestResetBaselineOffsets reads a Counter at every epoch from N+2 before
// its last Reset to N+2 after it: the window since the Reset is the cells'
// window less the baseline's slot of the same epoch, at every offset, and
// the total is exact.
func TestResetBaselineOffsets(t *testing.T) {
	clock := ring.NewManualClock()
	c := newN(clock.Clock, 2)
	c.striped.Store(1)
	for k := range uint64(2 * ring.Size) {
		c.Add(100 + k)
		clock.Advance(ring.Tick)
	}
	be := clock.Epoch()
	c.Add(5)
	c.Reset()
	c.Add(1) // after the Reset, in be
	for o := -ring.N - 2; o <= ring.N+2; o++ {
		e := be + uint64(o)
		var cells, s ring.Slots
		c.sum(e, (*[ring.Size]uint64)(&cells))
		tot := c.read(e, &s)
		if tot != 1 {
			t.Fatalf("offset %d: total %d, want 1", o, tot)
		}
		for k := range s {
			// Slot k holds epoch e-N+k; the baseline covers be-N..be.
			want := cells[k]
			if ep := int(k) + o - ring.N; ep >= -ring.N && ep <= 0 {
				// The baseline held all of that epoch but our Add(1).
				want = 0
				if ep == 0 {
					want = 1
				}
			}
			if s[k] != want {
				t.Fatalf("offset %d: slots %v, cells %v: slot %d %d, want %d", o, s, cells, k, s[k], want)
			}
		}
	}
}

// TestTotalNeverDownWhileReading: readers of a striped Counter see the
// total never go down and the window never above it, while writers count
// through many ticks (no Reset), and the total ends exact.
func TestTotalNeverDownWhileReading(t *testing.T) {
	clock := ring.NewManualClock()
	c := newN(clock.Clock, max(runtime.GOMAXPROCS(0), 2))
	c.striped.Store(1)
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				clock.Advance(time.Millisecond)
			}
		}
	})
	for range 2 {
		bg.Go(func() {
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				var s ring.Slots
				tot := c.read(clock.ReadEpoch(), &s)
				if tot < last || s.Sum() > tot {
					t.Errorf("total %d after %d, window %d", tot, last, s.Sum())
					return
				}
				last = tot
			}
		})
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50000 {
				c.Inc()
			}
		})
	}
	wg.Wait()
	close(stop)
	bg.Wait()
	if got := c.Total(); got != 4*50000 {
		t.Fatalf("total %d, want %d", got, 4*50000)
	}
}
