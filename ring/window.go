package ring

import "github.com/hitrate/hitrate/internal/fold"

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
// stopped Clock gets there); the total never saturates. Slot tags repeat
// every 2^28 ticks (310 days), so the rate of a Window idle for exactly
// that long may show one stale slot for a second.
//
// The zero Window is empty and ready to use. A Window is 104 bytes and must
// not be copied after first use. Most users want Counter, which pairs a
// Window with its Clock.
type Window struct {
	g fold.Guard
	c fold.Cell
}

// Add adds n to the slot of epoch, and to the total. It is one atomic add
// (a compare-and-swap loop for n of 2^16 or more, and once per slot and
// Tick, when it folds a slot), wait-free on its fast path, and never
// allocates.
func (w *Window) Add(epoch, n uint64) {
	w.c.Add(&w.g, epoch, n)
}

// ReadInto adds to s the counts of the Size epochs ending at epoch, oldest
// first: s[0] gets epoch-N and s[N] gets epoch itself. Slots whose tag
// names another epoch count as zero. It returns the total, read at the same
// instant as the slots.
func (w *Window) ReadInto(epoch uint64, s *Slots) (total uint64) {
	return w.c.ReadInto(&w.g, epoch, (*[Size]uint64)(s))
}

// Total returns the number of events added since the Window was made or
// last Reset. It never goes down between Resets.
func (w *Window) Total() uint64 {
	return w.c.Total(&w.g)
}

// Reset empties the window and the total, and returns the total it
// removed. An Add racing with Reset is counted either in the returned
// total or after it, never lost or twice.
func (w *Window) Reset() uint64 {
	return w.c.Reset(&w.g)
}
