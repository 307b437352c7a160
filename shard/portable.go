//go:build hitrate_portable

package shard

import (
	"math/rand/v2"

	"github.com/hitrate/hitrate/internal/fold"
)

// Pinned reports whether this build writes striped cells pinned to their P
// (true), or uses the portable fallback of the hitrate_portable build tag.
const Pinned = false

// Add adds n events. It never blocks and never allocates.
func (c *Counter) Add(n uint64) {
	e, slot := c.clock.Slot()
	if c.striped.Load() == 0 {
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
	// Striped, without pinning: a cell at random (the runtime's per-M
	// generator, lock-free), added to atomically, since other goroutines
	// may write the same cell at once.
	i := uint64(rand.Uint32()) * uint64(len(c.cells)) >> 32
	c.cells[i].Add(e, n)
}

// pinFirst is false in the portable build: a Counter stripes only when
// it sees contention.
func pinFirst() bool { return false }
