package latency

import (
	"time"

	"github.com/hitrate/hitrate/ring"
)

// Makers makes Histograms in each mode for the black-box tests: as New
// chooses, unstriped (the shared base stripe, atomic adds) and striped.
var Makers = map[string]func(*ring.Clock) *Histogram{
	"new": New,
	"base": func(c *ring.Clock) *Histogram {
		return newN(c, 2)
	},
	"striped": func(c *ring.Clock) *Histogram {
		h := newN(c, 2)
		h.striped.Store(1)
		return h
	},
}

// RecordMissed counts d as a value that missed its slot (see Missed): what
// a writer does that finds its slot being cleared by another writer, or
// already taken by a newer epoch.
func RecordMissed(h *Histogram, d time.Duration) {
	v := uint64(max(d, 0))
	h.retire(index(v), min(v, uint64(Max)))
}
