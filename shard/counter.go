package shard

import (
	"runtime"
	"sync/atomic"

	"github.com/hitrate/hitrate/internal/fold"
	"github.com/hitrate/hitrate/ring"
)

// cacheLine is the size cells are padded to: two 64-byte lines, since
// adjacent-line prefetchers pull lines in pairs.
const cacheLine = 128

// cell is one cache-line padded fold.Pair: a Cell with its Guard.
type cell struct {
	fold.Pair
	_ [cacheLine - 8 - 96]byte
}

// Contention sampling: while a Counter counts in its base cell, every
// sampleEvery-th event (by the count) loads the slot word again right
// after its add; a word changed in between means another core wrote it at
// the same moment. Each such sample raises a score by scoreUp and each
// quiet one lowers it by 1; at stripeScore the Counter stripes for good.
// One goroutine (or several on one P) never sees a change, and writers
// that rarely meet never reach the score: they do not contend. The score
// climbs while more than one sample in 9 sees a change. Two cores adding
// to the cell without pause see one in 2.5 on average, but on some CPUs
// (an AMD EPYC of family 26) the two fall into stretches where fewer than
// one in 5 do: with a scoreUp of 4 (one in 5) such a Counter took up to
// 40 million events to stripe, with 8 at most 150,000 in the same runs.
const (
	sampleEvery = 64
	scoreUp     = 8
	stripeScore = 16
)

// Counter is a windowed event counter for hot aggregates that many
// goroutines write at once: an exact total and the events of the last
// second.
//
// Like Java's LongAdder, a Counter starts with one base cell that every
// event updates with a single atomic add (XADD on amd64), which is the
// cheapest windowed increment while one goroutine writes on CPUs where
// pinning costs more than a locked add (AMD EPYC). When it sees writers
// on several cores contending for that cell, it stripes, for good:
// from then on each event goes to a cell of its own P (per CPU), written
// while the goroutine is pinned to its P with a load and a plain store,
// no locked instruction and no cache line shared with another core.
// Readers sum the cells. In both modes events never block, never allocate
// and are never lost. If GOMAXPROCS grows past the cells made by New, the
// extra Ps add to the base cell atomically. On CPUs where the pinned
// write is the cheaper one anyway (Intel Xeon), New stripes at once.
//
// A Counter must not be copied after first use.
type Counter struct {
	// Read by every event; written once (striped) or rarely (score).
	clock   *ring.Clock
	cells   []cell
	striped atomic.Uint32
	score   atomic.Int32
	_       [cacheLine - 8 - 24 - 8]byte

	base cell          // the cell of the unstriped mode, and of Ps past cells
	rs   fold.Baseline // what Reset removed: Reset never writes the cells
}

// New returns a Counter that reads its epoch from clock, with one cell per
// P: max(GOMAXPROCS, NumCPU) cells, used once it stripes. On a CPU where
// the pinned write is the faster one even for one goroutine (see
// Striped), the Counter is striped from the start.
func New(clock *ring.Clock) *Counter {
	c := newN(clock, max(runtime.GOMAXPROCS(0), runtime.NumCPU()))
	if pinFirst() {
		c.striped.Store(1)
	}
	return c
}

func newN(clock *ring.Clock, n int) *Counter {
	return &Counter{clock: clock, cells: make([]cell, n)}
}

// Inc adds one event.
func (c *Counter) Inc() {
	c.Add(1)
}

// baseSlow finishes an Add of n (below fold.FastMax) to the base cell
// whose fast path left its slot word v, ok or not, and samples it for
// contention.
//
//go:noinline
func (c *Counter) baseSlow(e, n, v uint64, ok bool) {
	if !ok {
		c.base.Slow(e, n, v)
		return
	}
	c.sample(e, v)
}

// sample checks, after an add to the base cell that left the slot word v,
// whether another core wrote the word at the same time. See sampleEvery.
func (c *Counter) sample(e, v uint64) {
	s := c.score.Load()
	if c.base.Word(e) != v {
		s += scoreUp
	} else if s > 0 {
		s--
	}
	c.score.Store(s)
	if s >= stripeScore {
		c.striped.Store(1)
	}
}

// Striped reports whether c counts in per-P cells: because it has seen
// contention, or because on this CPU a pinned write is faster than an
// atomic add even for one goroutine (measured once per process by the
// first New).
func (c *Counter) Striped() bool {
	return c.striped.Load() != 0
}

// sum stores into s the window of epoch, summed over all cells, and
// returns the total. Each cell is read between its folds, straight into s:
// when a fold tore the read of one, sum reads them all again.
func (c *Counter) sum(epoch uint64, s *[ring.Size]uint64) uint64 {
	for try := 0; ; try++ {
		*s = [ring.Size]uint64{}
		t, ok := c.base.TrySumInto(epoch, s)
		for i := range c.cells {
			ti, oki := c.cells[i].TrySumInto(epoch, s)
			t += ti
			ok = ok && oki
		}
		if ok {
			return t
		}
		// A fold is in flight: it is a few instructions, unless its
		// goroutine was preempted.
		if try >= 4 {
			runtime.Gosched()
		}
	}
}

// read stores into s the window of epoch since the last Reset, and returns
// the total since then. The cells and the baseline are read between
// Resets (fold.Baseline's sequence lock): before any Reset, readers load
// no more of the baseline than its sequence number.
func (c *Counter) read(epoch uint64, s *ring.Slots) uint64 {
	w := (*[ring.Size]uint64)(s)
	for {
		q := c.rs.Begin()
		t := c.rs.Since(q, epoch, w, c.sum(epoch, w))
		if c.rs.Valid(q) {
			return t
		}
	}
}

// Total returns the number of events since the Counter was made or last
// Reset. It sums the cells without stopping writers: an Add that runs at
// the same time may or may not be included. Between Resets, it never goes
// down from one call to the next.
func (c *Counter) Total() uint64 {
	var s ring.Slots
	return c.read(c.clock.Epoch(), &s)
}

// Slots returns the counts of the last ring.Size epochs, oldest first,
// summed over the cells.
func (c *Counter) Slots() ring.Slots {
	var s ring.Slots
	c.read(c.clock.ReadEpoch(), &s)
	return s
}

// Rate returns the events per second over the last second, by the Seed
// estimator.
func (c *Counter) Rate() float64 {
	return c.RateWith(ring.Seed)
}

// RateWith returns the events per second over the last second, by e.
func (c *Counter) RateWith(e ring.Estimator) float64 {
	epoch, frac := c.clock.ReadEpochFrac()
	var s ring.Slots
	c.read(epoch, &s)
	return e.Rate(&s, frac)
}

// Reset sets the total to zero and empties the window, and returns the
// total it removed. It is exact for the total: an Add racing with Reset is
// counted either in the returned total or after it, never lost or twice,
// since Reset moves a baseline instead of writing the cells. Each Reset
// returns a number between 0 and the events added since the previous
// Reset began, and the returns of all Resets plus the final Total are the
// events added. Concurrent Resets take turns.
func (c *Counter) Reset() uint64 {
	c.rs.Lock()
	e := c.clock.Epoch()
	var w [ring.Size]uint64
	t := c.sum(e, &w)
	return c.rs.Move(e, &w, t)
}

// Shards returns the number of per-P cells, not counting the base cell.
func (c *Counter) Shards() int {
	return len(c.cells)
}
