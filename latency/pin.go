//go:build !hitrate_portable

package latency

import "github.com/hitrate/hitrate/internal/owned"

// While pinned (owned.Pin), a goroutine cannot be preempted or moved to
// another P, so each P's stripe has one writer at a time and is written
// with loads and plain stores (owned.Store32, owned.Store64).

// pinned reports whether this build writes striped cells pinned to their
// P; the hitrate_portable build does not.
const pinned = true

// RecordValue records v nanoseconds (or v of any unit, read as
// nanoseconds: values from 1000 to 3.6e12 are bucketed, see Min and Max).
// It never blocks and never allocates.
func (h *Histogram) RecordValue(v uint64) {
	if h == nil || h.clock == nil {
		return
	}
	i := index(v)
	v = min(v, uint64(Max))
	if h.striped.Load() == 0 {
		h.recordShared(&h.base, i, v)
		return
	}
	pid := owned.Pin()
	if uint(pid) < uint(len(h.cells)) {
		// The clock is read while pinned, so the epoch is never older
		// than one this stripe was written with.
		e, k := h.clock.Slot()
		s := &h.cells[pid].slots[k]
		if s.tag.Load() == e {
			p := &s.b[i]
			if c, sum := p.Load()+1, s.sum.Load()+v; c < countHalf && sum < sumHalf {
				if v > s.max.Load() {
					owned.Store64(&s.max, v) // before the count: see recordShared
				}
				owned.Store32(p, c)
				owned.Store64(&s.sum, sum)
				if uint32(i) < s.lo.Load() || uint32(i) > s.hi.Load() {
					widen(s, i)
				}
				owned.Unpin()
				return
			}
		}
		h.ownedSlow(s, e, i, v)
	} else {
		// GOMAXPROCS grew past the stripes made at New: this P shares the
		// base stripe with others, so it adds atomically.
		h.recordShared(&h.base, i, v)
	}
	owned.Unpin()
}
