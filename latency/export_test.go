package latency

import "github.com/hitrate/hitrate/ring"

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
