package latency

import (
	"math"
	"runtime"
	"time"

	"github.com/hitrate/hitrate/ring"
)

// Read stores the distribution of window w into s. It never blocks
// writers; it reads again when a writer cleared a slot meanwhile (once per
// Tick and stripe, a few hundred nanoseconds). It does not allocate. On a
// nil or zero Histogram it stores an empty Snapshot.
func (h *Histogram) Read(w Window, s *Snapshot) {
	*s = Snapshot{}
	if h == nil || h.clock == nil {
		s.finish(w, 0, 0)
		return
	}
	switch w {
	case Second:
		h.readSecond(s)
	case TenSeconds, Minute, LastInterval:
		h.hist.read(w, s)
	case Total:
		h.readTotal(s)
	default:
		s.finish(w, 0, 0)
	}
}

// Snapshot returns the distribution of window w: Read, as a value.
func (h *Histogram) Snapshot(w Window) Snapshot {
	var s Snapshot
	h.Read(w, &s)
	return s
}

// guarded runs read between clears: again while a clear was in flight or
// ran meanwhile.
func (h *Histogram) guarded(read func()) {
	for try := 0; ; try++ {
		g0 := h.g.Load()
		if g0&guardMask == 0 {
			read()
			if h.g.Load() == g0 {
				return
			}
		}
		if try >= 4 {
			runtime.Gosched()
		}
	}
}

func (h *Histogram) readSecond(s *Snapshot) {
	e := h.clock.ReadEpoch()
	var sum float64
	h.guarded(func() {
		s.buckets, s.max, sum = [NumBuckets]uint64{}, 0, 0
		sum += addWindow(&h.base, e, s)
		for c := range h.cells {
			sum += addWindow(&h.cells[c], e, s)
		}
	})
	s.unit = 2
	s.finish(Second, time.Second, sum)
}

// addWindow adds to s the slots of st of the ring.Size epochs ending at
// e, the oldest with weight 1 and the others 2, and returns their weighted
// sum.
func addWindow(st *stripe, e uint64, s *Snapshot) float64 {
	var sum float64 // the slots' sums together may pass 2^64
	for k := range ring.Size {
		ep := e - ring.N + uint64(k)
		sl := &st.slots[ep%ring.Size]
		if sl.tag.Load() != ep {
			continue
		}
		sh, weight := uint(1), 2.0
		if k == 0 {
			sh, weight = 0, 1
		}
		// The sum, then the counts, then the max: the reverse of a
		// Record's order, so that every value in the sum read is in the
		// counts read, and every counted one below the max read.
		sum += sl.sumNs() * weight
		lo, hi := int(sl.lo.Load()), int(min(sl.hi.Load(), NumBuckets-1))
		if lo <= hi {
			b, src := s.buckets[lo:hi+1], sl.b[lo:hi+1]
			for j := range b {
				b[j] += uint64(src[j].Load()) << sh
			}
		}
		s.max = max(s.max, sl.max.Load())
	}
	return sum
}

// readTotal reads the exact totals: everything folded out of slots, and
// every slot whatever its tag. The sum is added up in 128 bits and
// converted to float64 once, so that it never goes down from one read to
// the next (a Prometheus _sum that did would read as a counter reset):
// converting the folded total and each slot's sum apart rounds each, and
// once the total passes 2^53 ns (104 days of latency; a day at 10,000
// requests a second of 10 ms) a fold changes how the parts round.
func (h *Histogram) readTotal(s *Snapshot) {
	var sum [2]uint64 // low, high
	h.guarded(func() {
		// The sums, then the counts, then the maxima, the reverse of a
		// Record's order: every value in the sum read is in the counts,
		// and no counted one is above the max (the mean is at most the
		// max).
		sum = [2]uint64{h.sumLo.Load(), h.sumHi.Load()}
		sums(&h.base, &sum)
		for c := range h.cells {
			sums(&h.cells[c], &sum)
		}
		for j := range h.retired {
			s.buckets[j] = h.retired[j].Load()
		}
		addAll(&h.base, s)
		for c := range h.cells {
			addAll(&h.cells[c], s)
		}
		s.max = h.maxAll.Load()
		for c := -1; c < len(h.cells); c++ {
			st := &h.base
			if c >= 0 {
				st = &h.cells[c]
			}
			for k := range st.slots {
				s.max = max(s.max, st.slots[k].max.Load())
			}
		}
	})
	s.unit = 1
	s.finish(Total, h.clock.Elapsed()-h.start, math.Ldexp(float64(sum[1]), 64)+float64(sum[0]))
}

// addAll adds the counts of every slot of st to s.
func addAll(st *stripe, s *Snapshot) {
	for k := range st.slots {
		sl := &st.slots[k]
		if sl.tag.Load() == 0 {
			continue
		}
		b := &s.buckets
		for j := range sl.b {
			b[j] += uint64(sl.b[j].Load())
		}
	}
}

// sumNs returns the sum of the values of s in nanoseconds, its carries
// included.
func (s *slot) sumNs() float64 {
	return float64(s.sum.Load()) + math.Ldexp(float64(s.carries.Load()), 63)
}
