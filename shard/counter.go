package shard

import (
	"runtime"
	"sync/atomic"

	"github.com/hitrate/hitrate/ring"
)

// cacheLine is the size shards are padded to: two 64-byte lines, since
// adjacent-line prefetchers pull lines in pairs.
const cacheLine = 128

type shard struct {
	total atomic.Uint64
	w     ring.Window
	_     [cacheLine - 8 - 8*ring.Size]byte
}

// Counter is a windowed event counter for hot aggregates that many
// goroutines write at once: an exact total and the events of the last
// second, each kept per P (per CPU) in cache-line padded shards that
// readers sum.
//
// Writes pin the goroutine to its P for the few instructions they take, so
// each shard has one writer at a time and no write is an atomic
// read-modify-write: they never block, never allocate and stay flat as
// cores are added. If GOMAXPROCS grows past the shard count chosen by New,
// the extra Ps share an overflow shard written atomically: nothing is ever
// lost or out of range.
//
// A Counter must not be copied after first use.
type Counter struct {
	clock    *ring.Clock
	shards   []shard
	overflow shard
	base     atomic.Uint64 // the total removed by Reset
}

// New returns a Counter that reads its epoch from clock, with one shard per
// P: max(GOMAXPROCS, NumCPU) shards.
func New(clock *ring.Clock) *Counter {
	return newN(clock, max(runtime.GOMAXPROCS(0), runtime.NumCPU()))
}

func newN(clock *ring.Clock, n int) *Counter {
	return &Counter{clock: clock, shards: make([]shard, n)}
}

// Inc adds one event.
func (c *Counter) Inc() {
	c.add(1)
}

// Add adds n events. It never blocks and never allocates.
func (c *Counter) Add(n uint64) {
	c.add(n)
}

func (c *Counter) sum() uint64 {
	t := c.overflow.total.Load()
	for i := range c.shards {
		t += c.shards[i].total.Load()
	}
	return t
}

// Total returns the number of events since the Counter was made or last
// Reset. It sums the shards without stopping writers: an Add that runs at
// the same time may or may not be included.
func (c *Counter) Total() uint64 {
	base := c.base.Load() // before the shards, so that it is <= their sum
	return c.sum() - base
}

// Slots returns the counts of the last ring.Size epochs, oldest first,
// summed over the shards.
func (c *Counter) Slots() ring.Slots {
	var s ring.Slots
	c.readInto(c.clock.ReadEpoch(), &s)
	return s
}

func (c *Counter) readInto(epoch uint64, s *ring.Slots) {
	c.overflow.w.ReadInto(epoch, s)
	for i := range c.shards {
		c.shards[i].w.ReadInto(epoch, s)
	}
}

// Rate returns the events per second over the last second, by the Seed
// estimator.
func (c *Counter) Rate() float64 {
	return c.RateWith(ring.Seed)
}

// RateWith returns the events per second over the last second, by e.
func (c *Counter) RateWith(e ring.Estimator) float64 {
	epoch := c.clock.ReadEpoch()
	var s ring.Slots
	c.readInto(epoch, &s)
	f := 0.0
	if e == ring.Interpolated {
		f = c.clock.Frac(epoch)
	}
	return e.Rate(&s, f)
}

// Reset sets the total to zero and empties the window, and returns the
// total it removed. It is exact for the total: an Add racing with Reset is
// counted either in the returned total or after it, never lost or twice,
// since Reset moves a baseline instead of writing the shards. Events racing
// with Reset may survive in the window.
func (c *Counter) Reset() uint64 {
	s := c.sum()
	for {
		old := c.base.Load()
		if s <= old {
			return 0
		}
		if c.base.CompareAndSwap(old, s) {
			c.overflow.w.Clear()
			for i := range c.shards {
				c.shards[i].w.Clear()
			}
			return s - old
		}
	}
}

// Shards returns the number of per-P shards, not counting the overflow
// shard.
func (c *Counter) Shards() int {
	return len(c.shards)
}
