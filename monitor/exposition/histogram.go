package exposition

import (
	"iter"

	"github.com/hitrate/hitrate/monitor"
)

// Histogram is one series of a histogram Family (PerDist): a latency
// distribution since start, in seconds, as a classic Prometheus histogram
// has it.
type Histogram struct {
	// LabelValues holds the values of the family's Labels, protocol and
	// distribution: valid UTF-8, with any invalid byte replaced by U+FFFD.
	LabelValues []string
	// Bounds are the upper bounds of the buckets, in seconds, ascending:
	// latency.ExportBounds, nominal (see Families). The +Inf bucket is not
	// among them: its count is Count.
	Bounds []float64
	// Buckets are the cumulative counts at Bounds: Buckets[i] counts the
	// values at or below Bounds[i].
	Buckets []uint64
	// Count is the number of values, Sum their sum in seconds.
	Count uint64
	Sum   float64
}

// Histograms returns the series of a histogram family (PerDist) in s:
// protocol by protocol, distribution by distribution, from each
// distribution's Total. As with Samples, no series comes twice: a
// protocol whose written name came earlier in s, or a distribution whose
// written name came earlier in its protocol, is left out. A distribution
// whose Bounds and Buckets differ in length gets the shorter of the two.
// A distribution whose Total is not a valid cumulative histogram (from a
// Source of the user's own; a Monitor's always is) is left out too, so
// that no exporter writes a scrape that Prometheus rejects or misreads:
// one whose Bounds are not strictly ascending, or whose Buckets go down
// from one bound to the next or end above Count. A family that is not
// PerDist has no Histograms.
func (f Family) Histograms(s monitor.Snapshot) iter.Seq[Histogram] {
	return func(yield func(Histogram) bool) {
		if !f.PerDist {
			return
		}
		seen := make(map[string]bool, len(s.Protocols))
		var dists map[string]bool
		for i := range s.Protocols {
			p := &s.Protocols[i]
			proto := ValidUTF8(p.Name)
			if seen[proto] {
				continue
			}
			seen[proto] = true
			clear(dists)
			for j := range p.Dists {
				d := &p.Dists[j]
				name := ValidUTF8(d.Name)
				if len(p.Dists) > 1 {
					if dists == nil {
						dists = make(map[string]bool, len(p.Dists))
					}
					if dists[name] {
						continue
					}
					dists[name] = true
				}
				t := &d.Total
				n := min(len(t.Bounds), len(t.Buckets))
				if !cumulative(t, n) {
					continue
				}
				h := Histogram{
					LabelValues: []string{proto, name},
					Bounds:      make([]float64, n),
					Buckets:     append([]uint64(nil), t.Buckets[:n]...),
					Count:       t.Count,
					Sum:         t.Sum,
				}
				for k, b := range t.Bounds[:n] {
					h.Bounds[k] = float64(b) / 1e9
				}
				if !yield(h) {
					return
				}
			}
		}
	}
}

// cumulative reports whether the first n bounds and buckets of t make a
// cumulative histogram: bounds strictly ascending, counts never going
// down, and none above t.Count.
func cumulative(t *monitor.DistTotal, n int) bool {
	for k := 1; k < n; k++ {
		if t.Bounds[k] <= t.Bounds[k-1] || t.Buckets[k] < t.Buckets[k-1] {
			return false
		}
	}
	return n == 0 || t.Buckets[n-1] <= t.Count
}
