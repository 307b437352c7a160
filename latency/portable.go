//go:build hitrate_portable

package latency

import "math/rand/v2"

// pinned is false in the portable build: a Histogram stripes only when it
// sees contention.
const pinned = false

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
	// Striped, without pinning: a stripe at random, added to atomically,
	// since other goroutines may write the same stripe at once.
	n := uint64(rand.Uint32()) * uint64(len(h.cells)) >> 32
	h.recordShared(&h.cells[n], i, v)
}
