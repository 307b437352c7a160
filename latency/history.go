package latency

import (
	"math"
	"math/bits"
	"sync"
	"time"

	"github.com/hitrate/hitrate/ring"
)

const (
	// secs is the number of per-second histograms kept: the TenSeconds
	// window.
	secs = 10
	// blockLen is the number of Sample intervals in a block, and blocks
	// the number of blocks kept: the Minute window is six blocks, and a
	// seventh while the newest fills.
	blockLen = 10
	blocks   = 7
)

// interval is the distribution of the values of one Sample interval, or of
// a block of them.
type interval struct {
	b     [NumBuckets]uint32 // saturating: see the package documentation
	sum   float64            // nanoseconds: over 2^64 for 5.1e6 values of 1 h
	max   uint64
	dur   time.Duration
	n     int // Sample intervals in it
	count uint64
}

// history is the per-second history that Sample builds: the intervals of
// the last secs Samples, and blocks of blockLen of them.
type history struct {
	mu        sync.Mutex
	prev      [NumBuckets]uint64 // the totals at the last Sample
	prevSum   [2]uint64          // the 128-bit total sum: low, high
	prevAt    time.Duration
	prevEpoch uint64 // the read epoch at the last Sample
	// prevStored is the epoch the clock had stored at the last Sample (older
	// than prevEpoch while its rotator was late), and prevMissed Missed.
	prevStored uint64
	prevMissed uint64
	// deferred is the sum (nanoseconds, at their buckets' reported values)
	// of the values that saturated buckets moved to the next interval.
	deferred float64
	sec      [secs]interval
	nsec     int // intervals filled
	head     int // the newest
	blk      [blocks]interval
	nblk     int
	bhead    int
}

// Sample closes the current interval of the history: it reads the exact
// totals, and keeps what was recorded since the previous Sample (or New)
// as one interval of TenSeconds and Minute. Call it once a second, from
// one goroutine (the process's sampler, or a test after advancing a
// ManualClock); calls from several goroutines take turns. Sample never
// blocks writers, and does not allocate.
//
// The interval's max is the largest of the maxima of its slots: those of
// the epochs from the previous Sample's (or the older one that a late
// rotator had stored then) to this one's, which may hold values of up to
// one Tick before the interval (or, while the rotator is stalled, of the
// intervals since it stalled). The interval's buckets are exact: a slot
// max below the bucket of the interval's largest value, or past it, is not
// the interval's, and that bucket's reported value (see Snapshot.Quantile)
// takes its place; where the slots may not hold the largest value (the
// interval is longer than the ring: a late Sample, a stalled rotator, whose
// first slots were reused; or it holds values counted in Missed), the max
// is at least that reported value. The max is so within 0.97% of the
// exact one, or above it in its bucket.
func (h *Histogram) Sample() {
	if h == nil || h.clock == nil {
		return
	}
	hs := &h.hist
	hs.mu.Lock()
	defer hs.mu.Unlock()
	now, stored, e := h.clock.Elapsed(), h.clock.Epoch(), h.clock.ReadEpoch()
	from := min(hs.prevEpoch, hs.prevStored)
	hs.head = (hs.head + 1) % secs
	hs.nsec = min(hs.nsec+1, secs)
	in := &hs.sec[hs.head]
	var sum [2]uint64
	var m, missed uint64
	var over float64
	h.guarded(func() {
		*in, over = interval{}, 0
		for j := range in.b {
			t := h.retired[j].Load()
			t += column(&h.base, j)
			for c := range h.cells {
				t += column(&h.cells[c], j)
			}
			d := t - hs.prev[j]
			if d > math.MaxUint32 {
				over += float64(d-math.MaxUint32) * mid[j]
				d = math.MaxUint32
			}
			in.b[j] = uint32(d)
		}
		sum = [2]uint64{h.sumLo.Load(), h.sumHi.Load()}
		sums(&h.base, &sum)
		for c := range h.cells {
			sums(&h.cells[c], &sum)
		}
		m = slotMax(&h.base, from, e)
		for c := range h.cells {
			m = max(m, slotMax(&h.cells[c], from, e))
		}
		missed = h.missed.Load()
	})
	top := 0
	for j, x := range in.b {
		hs.prev[j] += uint64(x)
		in.count += uint64(x)
		if x != 0 {
			top = j
		}
	}
	switch {
	case in.count == 0:
		m = 0
	case float64(m) < lower[top] || float64(m) >= upper[top]:
		m = uint64(mid[top])
	case e-from > ring.N || missed != hs.prevMissed:
		m = max(m, uint64(mid[top]))
	}
	lo, borrow := bits.Sub64(sum[0], hs.prevSum[0], 0)
	hi := sum[1] - hs.prevSum[1] - borrow
	in.sum = max(math.Ldexp(float64(hi), 64)+float64(lo)+hs.deferred-over, 0)
	in.max, in.dur, in.n, hs.deferred = m, now-hs.prevAt, 1, over
	hs.prevSum, hs.prevAt, hs.prevEpoch = sum, now, e
	hs.prevStored, hs.prevMissed = stored, missed

	if hs.nblk == 0 || hs.blk[hs.bhead].n == blockLen {
		hs.bhead = (hs.bhead + 1) % blocks
		hs.nblk = min(hs.nblk+1, blocks)
		hs.blk[hs.bhead] = interval{}
	}
	b := &hs.blk[hs.bhead]
	over = 0
	for j, x := range in.b {
		y := uint64(b.b[j]) + uint64(x)
		if y > math.MaxUint32 {
			over += float64(y-math.MaxUint32) * mid[j]
			y = math.MaxUint32
		}
		b.b[j] = uint32(y)
	}
	b.sum += max(in.sum-over, 0)
	b.max = max(b.max, in.max)
	b.dur += in.dur
	b.count += in.count
	b.n++
}

// column returns the sum of bucket j over the slots of st, whatever their
// tags.
func column(st *stripe, j int) uint64 {
	var t uint64
	for k := range st.slots {
		t += uint64(st.slots[k].b[j].Load())
	}
	return t
}

// sums adds the slot sums of st, with their carries, to the 128-bit sum t
// (low, high).
func sums(st *stripe, t *[2]uint64) {
	for k := range st.slots {
		sl := &st.slots[k]
		n := sl.carries.Load()
		var c, d uint64
		t[0], c = bits.Add64(t[0], sl.sum.Load(), 0)
		t[0], d = bits.Add64(t[0], n<<63, 0)
		t[1] += c + d + n>>1
	}
}

// slotMax returns the largest max of the slots of st tagged with epochs
// from "from" to e.
func slotMax(st *stripe, from, e uint64) uint64 {
	var m uint64
	for k := range st.slots {
		sl := &st.slots[k]
		if t := sl.tag.Load(); t >= from && t <= e {
			m = max(m, sl.max.Load())
		}
	}
	return m
}

// read stores the TenSeconds, Minute or LastInterval window into s.
func (hs *history) read(w Window, s *Snapshot) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	var sum float64
	var span time.Duration
	add := func(in *interval, weight uint64) {
		for j, x := range in.b {
			s.buckets[j] += uint64(x) * weight
		}
		sum += in.sum * float64(weight)
		span += in.dur * time.Duration(weight)
		if weight > 0 {
			s.max = max(s.max, in.max)
		}
	}
	switch w {
	case LastInterval:
		if hs.nsec > 0 {
			add(&hs.sec[hs.head], 1)
		}
		s.unit = 1
	case TenSeconds:
		for k := range hs.nsec {
			add(&hs.sec[(hs.head-k+secs)%secs], 1)
		}
		s.unit = 1
	default:
		n := hs.blk[hs.bhead].n
		for k := range hs.nblk {
			weight := uint64(blockLen)
			if k == blocks-1 {
				weight = uint64(blockLen - n)
			}
			add(&hs.blk[(hs.bhead-k+blocks)%blocks], weight)
		}
		s.unit = blockLen
		span /= blockLen
	}
	s.finish(w, span, sum)
}
