package fold

import (
	"runtime"
	"sync/atomic"
)

// Baseline is what the Resets of a counter removed: the total and the
// window at the last Reset, which readers subtract. A Reset never writes
// the counter's Cells, whose writers keep running: it moves the Baseline
// instead, so that each Reset removes exactly the events that were counted
// between it and the previous one, never more and never a wrapped
// negative number, and the Resets' returns plus the final total are the
// events added.
//
// The Baseline is a sequence lock: readers of the counter read its Cells
// and the Baseline between two loads of the sequence number, and read
// again when a Reset ran meanwhile; concurrent Resets take turns. The zero
// Baseline has seen no Reset.
type Baseline struct {
	seq   atomic.Uint64 // odd while a Reset writes the baseline
	total atomic.Uint64
	epoch atomic.Uint64 // the last epoch of win
	win   [Size]atomic.Uint64
}

// Begin starts a read: it returns the sequence number to pass to Since and
// Valid, waiting (yielding after a few tries) while a Reset writes.
func (b *Baseline) Begin() uint64 {
	for try := 0; ; try++ {
		if q := b.seq.Load(); q&1 == 0 {
			return q
		}
		if try >= 4 {
			runtime.Gosched()
		}
	}
}

// Since turns total and s, the total and the window of epoch of the
// counter's Cells read after Begin returned q, into the total and the
// window since the last Reset. Before any Reset (q == 0) it loads nothing.
// A nil s is a read of the total alone.
func (b *Baseline) Since(q, epoch uint64, s *[Size]uint64, total uint64) uint64 {
	if q == 0 {
		return total
	}
	if s == nil {
		return total - b.total.Load()
	}
	// Slot k holds epoch-N+k, and the baseline's slot d held be-N+d:
	// d = k+epoch-be. A baseline more than N epochs older or newer than
	// epoch overlaps no slot.
	if o := epoch - b.epoch.Load(); o <= N {
		for k := 0; k < Size-int(o); k++ {
			s[k] -= min(s[k], b.win[k+int(o)].Load())
		}
	} else if -o <= N {
		o = -o // the baseline is newer, by o: d = k-o
		for k := int(o); k < Size; k++ {
			s[k] -= min(s[k], b.win[k-int(o)].Load())
		}
	}
	return total - b.total.Load()
}

// Valid reports whether no Reset ran since Begin returned q: if not, the
// reader must read again.
func (b *Baseline) Valid(q uint64) bool {
	return b.seq.Load() == q
}

// Lock starts a Reset, waiting (yielding after a few tries) for a Reset
// that another goroutine runs. The caller then reads the counter's total
// and window and passes them to Move.
func (b *Baseline) Lock() {
	for try := 0; ; try++ {
		q := b.seq.Load()
		if q&1 == 0 && b.seq.CompareAndSwap(q, q+1) {
			return
		}
		if try >= 4 {
			runtime.Gosched()
		}
	}
}

// Move ends a Reset begun by Lock: total and s are the counter's total and
// window of epoch, read after Lock. It returns the total that the Reset
// removed: total less the previous baseline's, which is never negative
// since a Cell's total, read between folds, never goes down.
func (b *Baseline) Move(epoch uint64, s *[Size]uint64, total uint64) uint64 {
	old := b.total.Load()
	b.total.Store(total)
	b.epoch.Store(epoch)
	for k := range s {
		b.win[k].Store(s[k])
	}
	b.seq.Add(1)
	return total - old
}
