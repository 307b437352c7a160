package ring

import (
	"sync/atomic"

	"github.com/hitrate/hitrate/internal/fold"
)

// Window is the ring of Size epoch-tagged slots behind every counter in
// hitrate, with the exact total folded in: each slot packs the epoch it
// counts (its tag) and a count into one atomic word, and the total is the
// counts of all slots plus those folded out of slots that were reused. So
// counting an event is one atomic add, exact under any number of
// concurrent writers, for the window as for the total; a slot left over
// from an older turn of the ring is recognised by its tag and read as
// zero, and folded into the total by its next writer. Rotation never has
// to visit a Window.
//
// The window of one slot saturates at about 2^34 events per Tick (only a
// stopped Clock gets there); the total never saturates. A slot's tag
// repeats every Size*2^28 ticks (about 9.4 years), so the rate of a
// Window idle for exactly that long may show stale slots for a second.
//
// The zero Window is empty and ready to use. A Window is 112 bytes (and
// 128 more after its first Reset) and must not be copied after first
// use. Most users want Counter, which pairs a Window with its Clock.
type Window struct {
	p  fold.Pair
	rs atomic.Pointer[fold.Baseline] // nil until the first Reset
}

// Add adds n to the slot of epoch, and to the total. It is one atomic add
// (a compare-and-swap loop for n of 2^16 or more, and once per slot and
// Tick, when it folds a slot), wait-free on its fast path, and never
// allocates.
func (w *Window) Add(epoch, n uint64) {
	if v, ok := w.p.Fast(epoch, epoch%Size, n); !ok {
		w.p.Slow(epoch, n, v)
	}
}

// SumInto adds to s the counts of the Size epochs ending at epoch, oldest
// first: s[0] gets epoch-N and s[N] gets epoch itself. Slots whose tag
// names another epoch count as zero. It returns the total, read at the
// same instant as the slots.
func (w *Window) SumInto(epoch uint64, s *Slots) (total uint64) {
	var v Slots
	t := w.load(epoch, &v)
	for k := range s {
		s[k] += v[k]
	}
	return t
}

// load stores into s the window of epoch since the last Reset, and returns
// the total since then.
func (w *Window) load(epoch uint64, s *Slots) uint64 {
	a := (*[Size]uint64)(s)
	b := w.rs.Load()
	if b == nil {
		return w.p.Load(epoch, a)
	}
	for {
		q := b.Begin()
		t := b.Since(q, epoch, a, w.p.Load(epoch, a))
		if b.Valid(q) {
			return t
		}
	}
}

// Total returns the number of events added since the Window was made or
// last Reset. It never goes down between Resets.
func (w *Window) Total() uint64 {
	b := w.rs.Load()
	if b == nil {
		return w.p.Total()
	}
	for {
		q := b.Begin()
		t := b.Since(q, 0, nil, w.p.Total())
		if b.Valid(q) {
			return t
		}
	}
}

// Reset empties the window and the total, and returns the total it
// removed. An Add racing with Reset is counted either in the returned
// total or after it, never lost or twice, and each Reset returns at most
// the events added since the previous one began: Reset never writes the
// slots, whose writers keep running, but moves a baseline that readers
// subtract. Concurrent Resets take turns. The first Reset allocates the
// baseline (112 bytes).
//
// Reset's window is that of epoch: events of later epochs stay in the
// window, like those that race with Reset.
func (w *Window) Reset(epoch uint64) uint64 {
	b := w.rs.Load()
	if b == nil {
		w.rs.CompareAndSwap(nil, new(fold.Baseline))
		b = w.rs.Load()
	}
	b.Lock()
	var s [Size]uint64
	t := w.p.Load(epoch, &s)
	return b.Move(epoch, &s, t)
}
