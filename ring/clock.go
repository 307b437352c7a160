package ring

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hitrate/hitrate/internal/fold"
)

const (
	// N is the number of slots in one second.
	N = fold.N
	// Size is the number of slots in a ring: the N slots of the last second
	// plus the current, partly elapsed one.
	Size = N + 1
	// Tick is the length of one slot, and the rotator's period.
	Tick = time.Second / N
)

// Clock is the epoch source that counters read on every write. The epoch
// counts the ticks of the monotonic clock since the Clock was made (plus
// Size, so that the Size epochs a reader sums are never below zero); a
// single rotator goroutine stores it every Tick, and writers only load it.
//
// The epoch is computed from elapsed time, not counted tick by tick, so a
// late or missed tick (a GC pause, an overloaded machine, a stalled
// rotator) catches up at the next one, and the slots it skipped read as
// zero.
//
// A Clock is shared by any number of counters. It must not be copied after
// first use.
type Clock struct {
	now    atomic.Uint64 // epoch<<slotBits | epoch%Size, for Slot
	start  time.Time     // the time source of a real Clock: time.Since(start)
	manual *atomic.Int64 // the time source of a ManualClock; nil otherwise

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
	shared   bool
}

func newClock(start time.Time, manual *atomic.Int64) *Clock {
	c := &Clock{start: start, manual: manual}
	c.now.Store(pack(Size))
	return c
}

// elapsed returns the time since the Clock was made, by its time source: a
// direct call, not a closure, so that a reader's one clock read costs no
// more than time.Since (the monotonic clock's nanotime).
func (c *Clock) elapsed() time.Duration {
	if c.manual != nil {
		return time.Duration(c.manual.Load())
	}
	return time.Since(c.start)
}

// NewClock returns a Clock that follows the monotonic clock and starts its
// rotator goroutine. Call Stop to end the goroutine when the Clock is no
// longer needed.
func NewClock() *Clock {
	c := newRealClock()
	go c.run()
	return c
}

func newRealClock() *Clock {
	c := newClock(time.Now(), nil)
	c.stop = make(chan struct{})
	c.done = make(chan struct{})
	return c
}

var (
	defaultOnce  sync.Once
	defaultClock *Clock
)

// Default returns a process-wide Clock, started on first use and never
// stopped: its Stop does nothing. It lets many monitors share one rotator.
// Its goroutine runs the function
// "github.com/hitrate/hitrate/ring.defaultRotator", a name that leak checks
// such as goleak.IgnoreAnyFunction can ignore.
func Default() *Clock {
	defaultOnce.Do(func() {
		defaultClock = newRealClock()
		defaultClock.shared = true
		go defaultRotator(defaultClock)
	})
	return defaultClock
}

// defaultRotator runs the rotator of the Default clock under a name of its
// own, so that leak checks can tell it from the rotators of other clocks.
func defaultRotator(c *Clock) {
	c.run()
}

func (c *Clock) run() {
	defer close(c.done)
	t := time.NewTimer(c.untilNext())
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.rotate()
			t.Reset(c.untilNext())
		}
	}
}

// untilNext returns the time left until the next slot boundary.
func (c *Clock) untilNext() time.Duration {
	return Tick - c.elapsed()%Tick
}

// rotate stores the epoch that the elapsed time names. The epoch never goes
// back.
func (c *Clock) rotate() {
	e := Size + uint64(c.elapsed()/Tick)
	for {
		cur := c.now.Load()
		if e <= cur>>slotBits || c.now.CompareAndSwap(cur, pack(e)) {
			return
		}
	}
}

// Epoch returns the current epoch: the number of the slot that writes go
// to. It is a single atomic load.
func (c *Clock) Epoch() uint64 {
	return c.now.Load() >> slotBits
}

// slotBits is the width of the slot index packed below the epoch.
const slotBits = 4

func pack(epoch uint64) uint64 { return epoch<<slotBits | epoch%Size }

// Slot returns the current epoch and its slot in a ring of Size slots
// (epoch % Size), read with one atomic load and no division: what a
// counter's write needs.
func (c *Clock) Slot() (epoch, slot uint64) {
	w := c.now.Load()
	return w >> slotBits, w & (1<<slotBits - 1)
}

// ReadEpoch returns the epoch that readers sum the slots up to: the stored
// epoch, or the one that the elapsed time names when it is ahead (a late
// rotator). Events written meanwhile went to the stored epoch's slot, so a
// reader sees them as older than they are, never newer: during a stall the
// rate never exceeds what an on-time rotator shows, and a stream that
// stopped reads zero within 1.1 s of its last event. Events written during
// a stall longer than the window leave the rate once their slot is more
// than a second old (never the total). ReadEpoch costs a clock read more
// than Epoch; writers use Epoch. Readers of a rate use ReadEpochFrac.
func (c *Clock) ReadEpoch() uint64 {
	e := c.Epoch()
	if t := Size + uint64(c.elapsed()/Tick); t > e {
		return t // a late rotator: the epoch of the elapsed time
	}
	return e
}

// ReadEpochFrac returns ReadEpoch and Frac of that epoch from one clock
// read: what a rate read needs (see Rate).
func (c *Clock) ReadEpochFrac() (epoch uint64, frac float64) {
	return epochFrac(c.Epoch(), c.elapsed())
}

// epochFrac returns the read epoch of the stored epoch e at elapsed time d,
// and the elapsed fraction of it.
func epochFrac(e uint64, d time.Duration) (uint64, float64) {
	if t := Size + uint64(d/Tick); t > e {
		// A late rotator: the epoch of d, and d's fraction of its slot.
		return t, float64(d%Tick) / float64(Tick)
	}
	return e, frac(e, d)
}

// frac returns the elapsed fraction of the slot of epoch at elapsed time
// d, in [0, 1].
func frac(epoch uint64, d time.Duration) float64 {
	start := time.Duration(epoch-Size) * Tick
	f := float64(d-start) / float64(Tick)
	switch {
	case f < 0:
		return 0
	case f > 1:
		return 1
	}
	return f
}

// Elapsed returns the time since the Clock was made, by its time source.
func (c *Clock) Elapsed() time.Duration {
	return c.elapsed()
}

// Frac returns the elapsed fraction of the slot of epoch, in [0, 1]: 0 at
// its start, 1 at its end or later (a rotator that is late).
func (c *Clock) Frac(epoch uint64) float64 {
	return frac(epoch, c.elapsed())
}

// Stop ends the rotator goroutine and waits for it to return. The epoch
// stays where it is, so counters keep counting into the current slot.
// Stop is idempotent; on the Default clock and on a ManualClock it does
// nothing.
func (c *Clock) Stop() {
	if c.shared || c.stop == nil {
		return
	}
	c.stopOnce.Do(func() {
		close(c.stop)
		<-c.done
	})
}

// ManualClock is a Clock whose time moves only when a test says so, so that
// rate tests are deterministic. It has no rotator goroutine: Advance moves
// time and rotates at once, Stall moves time without rotating (a rotator
// that is late), and Rotate catches up.
type ManualClock struct {
	*Clock
	now atomic.Int64
}

// NewManualClock returns a ManualClock at elapsed time zero.
func NewManualClock() *ManualClock {
	m := &ManualClock{}
	m.Clock = newClock(time.Time{}, &m.now)
	return m
}

// Advance moves the time forward by d and rotates, as the rotator would:
// see Stall.
func (m *ManualClock) Advance(d time.Duration) {
	m.Stall(d)
	m.Rotate()
}

// Stall moves the time forward by d without rotating, as if the rotator
// goroutine were held up: writes keep going to the old epoch until Rotate.
// Time never goes back: a d of zero or less does nothing, and the time
// stops at the largest time.Duration (about 292 years).
func (m *ManualClock) Stall(d time.Duration) {
	for d > 0 {
		old := m.now.Load()
		t := old + int64(d)
		if t < old {
			t = math.MaxInt64 // saturate: elapsed time never wraps negative
		}
		if m.now.CompareAndSwap(old, t) {
			return
		}
	}
}

// Rotate runs one rotator step: the epoch catches up with the time.
func (m *ManualClock) Rotate() {
	m.rotate()
}
