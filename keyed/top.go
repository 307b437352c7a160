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

	// hotMin is the count of one event in one 100 ms slot from which a
	// key is offered as a candidate: at 8, then at every power of two.
	hotMin = 8
)

// candidates is the list of keys that Top reads in a Table of more than
// ScanAll keys: the keys whose count of some event in one slot reached
// hotMin lately. Writers offer a key when the count of their slot passes
// a power of two from hotMin up, so at most log2 of the slot's count
// times per slot and event, and only if no other offer runs: an offer
// never waits. A full list replaces the candidate with the lowest level
// (the count it was last offered at, or 0 if that was over a second ago,
// or if it was evicted) by the offered key, if its level is higher.
type candidates[K Key] struct {
	busy atomic.Bool
	list []*entry[K]
}

// offer offers e, whose count of one event in the slot of epoch reached
// 2^(level-1), as a candidate. It never waits: it gives up if another offer, or
// a Top, holds the list.
func (t *Table[K]) offer(e *entry[K], epoch uint64, level uint8) {
	ep := uint32(epoch)
	c := &t.cands
	if !c.busy.CompareAndSwap(false, true) {
		return
	}
	switch {
	case e.cand:
		e.level, e.lepoch = level, ep
	case e.gone.Load():
	case len(c.list) < MaxCandidates:
		if c.list == nil {
			c.list = make([]*entry[K], 0, MaxCandidates)
		}
		e.cand, e.level, e.lepoch = true, level, ep
		c.list = append(c.list, e)
	default:
		low, lowLevel := 0, uint8(255)
		for i, x := range c.list {
			l := x.level
			if ep-x.lepoch >= fold.Size || x.gone.Load() {
				l = 0
			}
			if l < lowLevel {
				low, lowLevel = i, l
			}
		}
		if lowLevel < level {
			c.list[low].cand = false
			e.cand, e.level, e.lepoch = true, level, ep
			c.list[low] = e
		}
	}
	c.busy.Store(false)
}

// snapshot returns a copy of the candidate list, waiting for the offer
// that holds it, if any.
func (c *candidates[K]) snapshot() []*entry[K] {
	for !c.busy.CompareAndSwap(false, true) {
		runtime.Gosched()
	}
	l := slices.Clone(c.list)
	c.busy.Store(false)
	return l
}

// Top returns the k resident keys with the highest rates (ByRate) or
// totals (ByTotal) of event ev, highest first, ties in any order; fewer if
// fewer keys are resident, none for an Event outside the Table's.
//
// Up to ScanAll resident keys, Top reads every key: it is exact. Above
// that, it reads only the candidates (at most MaxCandidates keys, so k is
// capped at MaxCandidates): the keys whose count of some event in one 100
// ms slot of the last second reached 8, that is, keys that ran at 80
// events per second or more for at least a slot. Its error bound: a key
// that reached 8 events in a slot of the last second is listed unless
// MaxCandidates keys offered since reached a higher count in one slot, or
// it was offered only while another offer ran (writers never wait for
// each other; a busy key is offered again at the next power of two and in
// the next slot); keys slower than 80 per second are never listed. The
// rates and totals listed are exact. Ranking ByTotal above ScanAll lists
// the busiest candidates of the last second by their totals, not the
// largest totals of the Table.
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
		list = t.cands.snapshot()
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
		total := t.cell(e, ev).Read(&e.g, epoch, &s)
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
