//go:build !hitrate_portable

package shard

import (
	_ "unsafe" // for go:linkname

	"github.com/hitrate/hitrate/internal/fold"
)

// The runtime keeps procPin and procUnpin linkable on purpose (see the
// comment above procPin in runtime/proc.go). While pinned, a goroutine
// cannot be preempted or moved to another P, so each P's cell has one
// writer at a time and can be written with a load and a plain store
// (fold.StoreOwned).

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// Pinned reports whether this build writes striped cells pinned to their P
// (true), or uses the portable fallback of the hitrate_portable build tag.
const Pinned = true

// Add adds n events. It never blocks and never allocates.
func (c *Counter) Add(n uint64) {
	e := c.clock.Epoch()
	if c.striped.Load() == 0 {
		// One atomic add on the base cell; a slow path, and a contention
		// sample, once in a while.
		if n < fold.FastMax {
			v := c.base.c.Fast(e, n)
			if fold.Ok(v, e) && (v-n)^v < sampleEvery {
				return
			}
			c.baseSlow(e, n, v)
			return
		}
		c.baseSlow(e, n, 0)
		return
	}
	pid := procPin()
	if uint(pid) < uint(len(c.cells)) {
		// fold.Cell.AddOwned, inlined.
		s := &c.cells[pid]
		p := s.c.Slot(e)
		v := p.Load() + n
		if n < fold.FastMax && fold.Ok(v, e) {
			fold.StoreOwned(p, v)
		} else {
			s.c.Slow(&s.g, e, n, 0)
		}
	} else {
		// GOMAXPROCS grew past the cells made at New: this P shares the
		// base cell with others, so it adds atomically.
		c.base.c.Add(&c.base.g, e, n)
	}
	procUnpin()
}
