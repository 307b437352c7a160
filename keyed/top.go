package keyed

import (
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/hitrate/hitrate/internal/fold"
	"github.com/hitrate/hitrate/ring"
)

const (
	// ScanAll is the number of resident keys up to which Top reads every
	// key, and so is exact. Above it, Top reads only the candidates.
	ScanAll = 4096
	// MaxCandidates is the number of candidate keys a Table keeps for Top,
	// and the largest k that Top answers above ScanAll keys.
	MaxCandidates = 256
)

// candidates is the list of keys that Top reads in a Table of more than
// ScanAll keys: the keys that reached the highest counts of an event in
// one 100 ms slot lately. A key's level is j+1 when its count in a slot
// passed 2^j, and a candidate's level counts as 0 once its slot is more
// than a second old or it was evicted.
//
// Writers offer a key when the count of their slot passes a power of two
// at or above bar: bar is 0 while the list has room, then 2^m, m being the
// lowest level in the list, so that only a key that would enter the list
// is offered, at most log2 of its count times per slot and event. An
// offer never waits: it gives up if another offer, or a Top, holds the
// list. A full list replaces its lowest candidate by the offered key if
// the key's level is higher.
type candidates[K Key] struct {
	bar  atomic.Uint64 // read by every event; written by offers and Top
	_    [56]byte
	busy atomic.Bool
	list []*entry[K]
}

// stale reports whether a candidate's level is 0 at epoch ep: its slot is
// more than a second old, or it was evicted.
func stale[K Key](x *entry[K], ep uint32) bool {
	return ep-x.lepoch >= fold.Size || x.gone.Load()
}

// lowest returns the index of the candidate of the lowest level at epoch
// ep, that level, and the lowest level of the others. The list is full.
func (c *candidates[K]) lowest(ep uint32) (low int, lowLevel, next uint8) {
	lowLevel, next = 255, 255
	for i, x := range c.list {
		l := x.level
		if stale(x, ep) {
			l = 0
		}
		if l < lowLevel {
			next = lowLevel
			low, lowLevel = i, l
		} else if l < next {
			next = l
		}
	}
	return low, lowLevel, next
}

// offer offers e, whose count of one event in the slot of epoch passed
// 2^(level-1), as a candidate. It never waits: it gives up if another
// offer, or a Top, holds the list.
func (t *Table[K]) offer(e *entry[K], epoch uint64, level uint8) {
	ep := uint32(epoch)
	c := &t.cands
	if !c.busy.CompareAndSwap(false, true) {
		return
	}
	switch {
	case e.cand:
		if e.lepoch == ep {
			level = max(level, e.level) // n > 1 may cross a lower power later
		}
		e.level, e.lepoch = level, ep
	case e.gone.Load():
	case len(c.list) < MaxCandidates:
		e.cand, e.level, e.lepoch = true, level, ep
		c.list = append(c.list, e)
		if len(c.list) == MaxCandidates {
			_, l, _ := c.lowest(ep)
			c.bar.Store(1 << l)
		}
	default:
		low, lowLevel, next := c.lowest(ep)
		if lowLevel < level {
			c.list[low].cand = false
			e.cand, e.level, e.lepoch = true, level, ep
			c.list[low] = e
			lowLevel = min(next, level)
		}
		c.bar.Store(1 << lowLevel)
	}
	c.busy.Store(false)
}

// snapshot returns a copy of the candidate list, waiting for the offer
// that holds it, if any, and lowers the bar of offers to the lowest level
// in the list at epoch ep, so that keys take the place of candidates gone
// stale.
func (c *candidates[K]) snapshot(ep uint32) []*entry[K] {
	for !c.busy.CompareAndSwap(false, true) {
		runtime.Gosched()
	}
	l := slices.Clone(c.list)
	if len(c.list) == MaxCandidates {
		_, low, _ := c.lowest(ep)
		c.bar.Store(1 << low)
	}
	c.busy.Store(false)
	return l
}

// Top returns the k resident keys with the highest rates (ByRate) or
// totals (ByTotal) of event ev, highest first, ties in any order; fewer if
// fewer keys are resident, none for an Event outside the Table's.
//
// Up to ScanAll resident keys, Top reads every key: it is exact. Above
// that, it reads only the candidates (at most MaxCandidates keys, so k is
// capped at MaxCandidates): the keys that reached the highest counts of
// an event in one 100 ms slot of the last second (see candidates in
// top.go). Its error bound: a key is missing only if, each time its count
// in a slot of the last second passed a power of two 2^j, MaxCandidates
// candidates had reached 2^j or more in a slot of the last second, or
// another offer was running (writers never wait for each other; a key is
// offered again at its next power of two, and in the next slot). So a key
// whose count in one slot is more than twice that of all but k-1 others is
// listed. The rates and totals listed are exact. ByTotal above ScanAll
// ranks those candidates by their totals: it lists the largest totals
// among the keys busiest lately, not the largest totals of the Table.
func (t *Table[K]) Top(ev Event, k int, by Order) []Row[K] {
	if uint(ev) >= uint(len(t.names)) || k <= 0 {
		return nil
	}
	var list []*entry[K]
	if n := t.Len(); n <= ScanAll {
		list = make([]*entry[K], 0, n)
		for i := range n {
			if e := t.dense[i].Load(); e != nil {
				list = append(list, e)
			}
		}
	} else {
		list = t.cands.snapshot(uint32(t.clock.Epoch()))
		k = min(k, MaxCandidates)
	}
	epoch, frac := t.clock.ReadEpochFrac()
	type scored struct {
		e *entry[K]
		v float64
	}
	all := make([]scored, 0, len(list))
	for _, e := range list {
		if e.gone.Load() {
			continue
		}
		var s [fold.Size]uint64
		total := t.cell(e, ev).Load(&e.g, epoch, &s)
		v := float64(total)
		if by == ByRate {
			v = t.est.Rate((*ring.Slots)(&s), frac)
		}
		all = append(all, scored{e, v})
	}
	slices.SortFunc(all, func(a, b scored) int {
		switch {
		case a.v > b.v:
			return -1
		case a.v < b.v:
			return 1
		}
		return 0
	})
	all = all[:min(k, len(all))]
	rows := make([]Row[K], len(all))
	for i, x := range all {
		rows[i] = t.row(x.e, epoch, frac)
	}
	return rows
}
