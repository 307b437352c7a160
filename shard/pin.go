//go:build !hitrate_portable

package shard

import (
	"runtime"
	"sync"
	"time"

	"github.com/hitrate/hitrate/internal/fold"
	"github.com/hitrate/hitrate/internal/owned"
	"github.com/hitrate/hitrate/ring"
)

// While pinned (owned.Pin), a goroutine cannot be preempted or moved to
// another P, so each P's cell has one writer at a time and can be written
// with a load and a plain store (owned.Store64, through fold's owned add).

// Pinned reports whether this build writes striped cells pinned to their P
// (true), or uses the portable fallback of the hitrate_portable build tag.
const Pinned = true

// Add adds n events. It never blocks and never allocates.
func (c *Counter) Add(n uint64) {
	e, slot := c.clock.Slot()
	if c.striped.Load() == 0 {
		// One atomic add on the base cell; a slow path, and a contention
		// sample, once in a while.
		if n < fold.FastMax {
			v, ok := c.base.Fast(e, slot, n)
			if ok && (v-n)^v < sampleEvery {
				return
			}
			c.baseSlow(e, n, v, ok)
			return
		}
		c.base.Add(e, n) // a large n: the compare-and-swap path
		return
	}
	pid := owned.Pin()
	if uint(pid) < uint(len(c.cells)) {
		// fold.Pair's owned add, its fast path inlined.
		if s := &c.cells[pid]; !s.FastOwned(e, slot, n) {
			s.SlowOwned(e, n)
		}
	} else {
		// GOMAXPROCS grew past the cells made at New: this P shares the
		// base cell with others, so it adds atomically.
		c.base.Add(e, n)
	}
	owned.Unpin()
}

// pinFirst reports whether this CPU runs a pinned write of a per-P cell
// faster than an atomic add to the base cell, so that Counters should
// stripe from the start. procPin and procUnpin are two calls that cannot
// be inlined: on some CPUs (Intel Xeon) the pinned write costs less than
// one locked add, on others (AMD EPYC) 1.5 to 3 times more. New times both
// paths once per process (about 100 µs, on a manual clock of its own) and
// keeps the faster; only speed depends on the outcome, never what is
// counted.
var pinFirst = sync.OnceValue(func() bool {
	clock := ring.NewManualClock()
	// A cell for every P, so that the pinned Counter never takes the
	// atomic path of Ps past its cells.
	pinned, base := newN(clock.Clock, max(runtime.GOMAXPROCS(0), runtime.NumCPU())), newN(clock.Clock, 1)
	pinned.striped.Store(1)
	const ops, rounds = 2000, 7
	best := [2]time.Duration{1 << 62, 1 << 62}
	for range rounds {
		for mode, c := range []*Counter{pinned, base} {
			start := time.Now()
			for range ops {
				c.Add(1)
			}
			best[mode] = min(best[mode], time.Since(start))
		}
	}
	return best[0] < best[1]*9/10
})
