package latency

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hitrate/hitrate/internal/owned"
	"github.com/hitrate/hitrate/ring"
)

// cacheLine is the size stripes are padded to, as in package shard.
const cacheLine = 128

// Contention sampling of the shared base stripe, as in shard.Counter:
// every sampleEvery-th value of a bucket loads the slot's sum word again
// right after its add; a changed word means that another core wrote the
// slot at the same moment. Each such sample raises a score by scoreUp and
// each quiet one lowers it by one; at stripeScore the Histogram stripes,
// for good.
const (
	sampleEvery = 64
	scoreUp     = 4
	stripeScore = 16
)

// A bucket count of a slot is 32 bits. One that reaches countHalf within
// one tick (only a stopped Clock gets there) moves countCap into the
// totals: the window of that bucket saturates, the totals never do.
const (
	countHalf = 1 << 31
	countCap  = 1 << 30
)

// A slot's sum word that reaches sumHalf (2^63 ns, 2.56 million values of
// Max in one Tick) moves sumHalf into the slot's carries, so that it never
// wraps: a striped Record checks every sum it stores; a shared one checks
// with the contention sample, at every 64th value of a bucket, so within
// 1146 x 63 values (2.6e17 ns at most, far from the 2^63 ns left) of the
// sum passing sumHalf.
const sumHalf = 1 << 63

// tagBusy is the tag of a slot that a writer is clearing. Epochs start at
// ring.Size, so no epoch is 0 or 1.
const tagBusy = 1

// guardBits splits the guard word: clears in flight below, clears ended
// above (as fold.Guard).
const (
	guardBits = 20
	guardMask = 1<<guardBits - 1
)

// slot holds the values of one epoch (one Tick) of one stripe: 4624
// bytes.
type slot struct {
	tag atomic.Uint64 // the epoch the counts belong to; 0: never, 1: being cleared
	// The sum of the values, in nanoseconds: sum + carries*2^63.
	sum, carries atomic.Uint64
	max          atomic.Uint64 // nanoseconds
	// lo and hi+1 bound the buckets written since the slot was cleared
	// (lo > hi: none), so that readers of the window scan only those.
	lo, hi atomic.Uint32
	b      [NumBuckets]atomic.Uint32
}

// lowerTo lowers *p to at most v, and raiseTo raises it to at least v.
func lowerTo(p *atomic.Uint32, v uint32) {
	for {
		m := p.Load()
		if v >= m || p.CompareAndSwap(m, v) {
			return
		}
	}
}

func raiseTo(p *atomic.Uint32, v uint32) {
	for {
		m := p.Load()
		if v <= m || p.CompareAndSwap(m, v) {
			return
		}
	}
}

// stripe is one ring of slots, the last second as in ring.Window, padded
// to whole cache lines: 50944 bytes.
type stripe struct {
	slots [ring.Size]slot
	_     [cacheLine - ring.Size*unsafe.Sizeof(slot{})%cacheLine]byte
}

// Histogram is a windowed distribution of durations (latencies) that any
// number of goroutines record into without a lock: its count, rate, mean,
// quantiles and max over the last second, over the last 10 and 60 seconds
// (from the per-second history that Sample builds), and since New (the
// cumulative buckets, sum and count, for export). See the package
// documentation for the buckets, the error bound and the windows.
//
// Make Histograms with New; the zero Histogram is not usable (Record on it,
// or on a nil *Histogram, does nothing, and reads return empty snapshots).
// A Histogram must not be copied after first use.
type Histogram struct {
	// Read by every Record; written once (striped) or rarely (score).
	clock   *ring.Clock
	cells   []stripe
	striped atomic.Uint32
	score   atomic.Int32
	_       [cacheLine - 8 - 24 - 8]byte

	// base is the stripe of the unstriped mode, and of Ps past cells.
	base stripe

	// The totals that cleared slots were folded into, and their guard:
	// readers of the totals or the window retry when a clear ran meanwhile.
	g       atomic.Uint64
	sumLo   atomic.Uint64 // a 128-bit sum of nanoseconds
	sumHi   atomic.Uint64
	maxAll  atomic.Uint64
	missed  atomic.Uint64
	start   time.Duration
	retired [NumBuckets]atomic.Uint64

	hist history
}

// pinFirst reports whether Histograms should stripe from the start: on
// CPUs where a pinned Record is cheaper than one on the base stripe (two
// atomic adds, on the bucket and the sum). New times both once per
// process (about a millisecond, on a manual clock of its own) and keeps
// the faster; only speed depends on the outcome, never what is counted.
var pinFirst = sync.OnceValue(func() bool {
	if !pinned {
		return false
	}
	clock := ring.NewManualClock()
	n := max(runtime.GOMAXPROCS(0), runtime.NumCPU())
	striped, base := newN(clock.Clock, n), newN(clock.Clock, n)
	striped.striped.Store(1)
	const ops, rounds = 2000, 7
	best := [2]time.Duration{1 << 62, 1 << 62}
	for range rounds {
		for mode, h := range []*Histogram{striped, base} {
			start := time.Now()
			for k := range uint64(ops) {
				h.RecordValue(50e3 + k*104729%200e6)
			}
			best[mode] = min(best[mode], time.Since(start))
		}
	}
	return best[0] < best[1]
})

// New returns a Histogram that reads its epoch from clock (ring.Default()
// if clock is nil), with one stripe per P: max(GOMAXPROCS, NumCPU)
// stripes, used once it stripes, or at once on CPUs where a pinned Record
// is the faster one even for one goroutine (see Striped).
func New(clock *ring.Clock) *Histogram {
	h := newN(clock, max(runtime.GOMAXPROCS(0), runtime.NumCPU()))
	if pinFirst() {
		h.striped.Store(1)
	}
	return h
}

func newN(clock *ring.Clock, n int) *Histogram {
	if clock == nil {
		clock = ring.Default()
	}
	h := &Histogram{clock: clock, cells: make([]stripe, n)}
	h.start = clock.Elapsed()
	h.hist.prevAt = h.start
	h.hist.prevEpoch = clock.ReadEpoch()
	h.hist.prevStored = clock.Epoch()
	return h
}

// Record records one duration d. A negative d counts as 0 (an underflow).
// It never blocks and never allocates.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.RecordValue(uint64(d))
}

// Striped reports whether h records into per-P stripes: because it has
// seen contention, or because on this CPU a pinned Record is faster than
// one with atomic adds on the base stripe (measured once per process by
// the first New).
func (h *Histogram) Striped() bool {
	return h != nil && h.striped.Load() != 0
}

// Shards returns the number of per-P stripes, not counting the base one.
func (h *Histogram) Shards() int {
	if h == nil {
		return 0
	}
	return len(h.cells)
}

func (h *Histogram) begin() { h.g.Add(1) }
func (h *Histogram) end()   { h.g.Add(1<<guardBits - 1) }

// addSum adds x to the 128-bit total sum. Callers hold the guard.
func (h *Histogram) addSum(x uint64) {
	if x != 0 && h.sumLo.Add(x) < x {
		h.sumHi.Add(1)
	}
}

// addCarries adds c times 2^63 to the 128-bit total sum. Callers hold the
// guard.
func (h *Histogram) addCarries(c uint64) {
	h.addSum(c << 63)
	if c > 1 {
		h.sumHi.Add(c >> 1)
	}
}

// raiseMax raises *p to at least v.
func raiseMax(p *atomic.Uint64, v uint64) {
	for {
		m := p.Load()
		if v <= m || p.CompareAndSwap(m, v) {
			return
		}
	}
}

// retire counts a value of bucket i in the totals only: its slot belongs
// to a newer epoch (a writer that stalled for over a second), or another
// writer is clearing it.
func (h *Histogram) retire(i int, v uint64) {
	h.begin()
	h.retired[i].Add(1)
	h.addSum(v)
	raiseMax(&h.maxAll, v)
	h.missed.Add(1)
	h.end()
}

// clear folds the counts of s into the totals and empties it. shared: other
// writers may add to s meanwhile (stale ones: s is tagged busy), so each
// word is taken with a swap; otherwise the caller owns s.
func (h *Histogram) clear(s *slot, shared bool) {
	h.begin()
	// Only the buckets in the slot's range were written since its last
	// clear (a stale writer, stalled for over a second, that has not
	// widened the range yet leaves its value to the next epoch's window;
	// the totals count every slot).
	// The range is emptied before the sweep, so that a stale writer's
	// widening lands in the new range, never outside both.
	lo, hi := int(s.lo.Swap(NumBuckets)), int(min(s.hi.Swap(0), NumBuckets-1))
	for j := lo; j <= hi; j++ {
		if x := s.b[j].Load(); x != 0 {
			if shared {
				x = s.b[j].Swap(0)
			} else {
				owned.Store32(&s.b[j], 0)
			}
			h.retired[j].Add(uint64(x))
		}
	}
	// The sum word before its carries: a carry in flight then either lands
	// before both swaps or finds the word emptied.
	var x, c, m uint64
	if shared {
		x, c, m = s.sum.Swap(0), s.carries.Swap(0), s.max.Swap(0)
	} else {
		x, c, m = s.sum.Load(), s.carries.Load(), s.max.Load()
		owned.Store64(&s.sum, 0)
		owned.Store64(&s.carries, 0)
		owned.Store64(&s.max, 0)
	}
	h.addSum(x)
	h.addCarries(c)
	raiseMax(&h.maxAll, m)
	h.end()
}

// carry moves sumHalf from the sum word of s into its carries while the
// word holds sumHalf or more (see sumHalf).
//
//go:noinline
func (h *Histogram) carry(s *slot) {
	h.begin()
	for {
		x := s.sum.Load()
		if x < sumHalf {
			break
		}
		if s.sum.CompareAndSwap(x, x-sumHalf) {
			// A writer that clears s between the two (on a shared stripe,
			// after another writer stalled for over a second) leaves this
			// carry to the slot's next epoch: the totals keep it.
			s.carries.Add(1)
		}
	}
	h.end()
}

// saturate moves countCap of bucket i of s into the totals while it holds
// countHalf or more.
func (h *Histogram) saturate(s *slot, i int) {
	h.begin()
	for {
		c := s.b[i].Load()
		if c < countHalf {
			break
		}
		if s.b[i].CompareAndSwap(c, c-countCap) {
			h.retired[i].Add(countCap)
		}
	}
	h.end()
}

// recordShared records v (bucket i) into st, which other goroutines may
// write at the same time: atomic adds.
func (h *Histogram) recordShared(st *stripe, i int, v uint64) {
	e, k := h.clock.Slot()
	s := &st.slots[k]
	if s.tag.Load() == e {
		// The max before the count: a reader that sees the count (it
		// reads the counts, then the max) sees the max too.
		if v > s.max.Load() {
			raiseMax(&s.max, v)
		}
		c := s.b[i].Add(1)
		sum := s.sum.Add(v)
		if uint32(i) < s.lo.Load() || uint32(i) > s.hi.Load() {
			widen(s, i)
		}
		if c%sampleEvery == 0 {
			h.sharedCheck(st, s, i, c, sum)
		}
		return
	}
	h.sharedSlow(s, e, i, v)
}

// sharedCheck handles a count that reached a multiple of sampleEvery: a
// contention sample on the base stripe, saturation and the sum's carry.
//
//go:noinline
func (h *Histogram) sharedCheck(st *stripe, s *slot, i int, c uint32, sum uint64) {
	if c >= countHalf {
		h.saturate(s, i)
	}
	if sum >= sumHalf {
		h.carry(s)
	}
	if st != &h.base || h.striped.Load() != 0 {
		return
	}
	sc := h.score.Load()
	if s.sum.Load() != sum {
		sc += scoreUp
	} else if sc > 0 {
		sc--
	}
	h.score.Store(sc)
	if sc >= stripeScore {
		h.striped.Store(1)
	}
}

// sharedSlow records v (bucket i) into s, a slot of a shared stripe that
// is not tagged with epoch e: the first writer of the tick clears it and
// tags it; writers that find it being cleared, or tagged with a newer
// epoch, count the value in the totals only (see Missed).
//
//go:noinline
func (h *Histogram) sharedSlow(s *slot, e uint64, i int, v uint64) {
	for {
		t := s.tag.Load()
		switch {
		case t == e:
			raiseMax(&s.max, v) // before the count, as in recordShared
			c := s.b[i].Add(1)
			sum := s.sum.Add(v)
			widen(s, i)
			if c >= countHalf {
				h.saturate(s, i)
			}
			if sum >= sumHalf {
				h.carry(s)
			}
			return
		case t == tagBusy || t > e:
			h.retire(i, v)
			return
		case s.tag.CompareAndSwap(t, tagBusy):
			h.clear(s, true)
			s.tag.Store(e)
		}
	}
}

// ownedSlow records v (bucket i) into s, a slot of the stripe of the P
// the caller is pinned to, when s is not tagged with epoch e, the bucket
// is full or the sum word reaches sumHalf: the owner clears and tags the
// slot, saturates or carries.
//
//go:noinline
func (h *Histogram) ownedSlow(s *slot, e uint64, i int, v uint64) {
	t := s.tag.Load()
	if t > e {
		h.retire(i, v)
		return
	}
	if t != e {
		owned.Store64(&s.tag, tagBusy)
		h.clear(s, false)
		owned.Store64(&s.tag, e)
	}
	p := &s.b[i]
	c, sum := p.Load()+1, s.sum.Load()+v
	if v > s.max.Load() {
		owned.Store64(&s.max, v) // before the count, as in recordShared
	}
	owned.Store32(p, c)
	owned.Store64(&s.sum, sum)
	widen(s, i)
	if c >= countHalf {
		h.saturate(s, i)
	}
	if sum >= sumHalf {
		h.carry(s)
	}
}

// widen makes the bounds of s include bucket i.
//
//go:noinline
func widen(s *slot, i int) {
	lowerTo(&s.lo, uint32(i))
	raiseTo(&s.hi, uint32(i))
}

// Missed returns the number of values counted in the totals (and so in
// TenSeconds, Minute and LastInterval, max included: see the package
// documentation) but in no Second window: values that met their
// slot while another writer cleared it (only on stripes shared by several
// writers: the base stripe, and every stripe of the hitrate_portable
// build), or whose slot already held a newer epoch (a writer that stalled
// for more than a second between reading the clock and writing).
func (h *Histogram) Missed() uint64 {
	if h == nil {
		return 0
	}
	return h.missed.Load()
}
