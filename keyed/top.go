package keyed

import (
	"math"
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

// candidates is the list of keys that Top reads for one event in a Table
// of more than ScanAll keys: the keys that reached the highest counts of
// that event in one 100 ms slot lately. Each event has its own list, so
// that the keys busiest in an event of high counts (requests) never keep
// those of another event (connections) out. A key's level in a slot is
// j+1 when its count in the slot passed 2^j, and a candidate's level is
// the highest of its offers in the slots of the last second (0 once they
// are more than a second old, or the key was evicted): a busy slot keeps
// its level for a second, whatever the next slots count.
//
// Writers offer a key when the count of their slot passes a power of two
// at or above bar: bar is 0 while the list has room, then 2^m, m being the
// lowest level in the list, so that only a key that would enter the list
// is offered, at most log2 of its count times per slot and event. An
// offer never waits: it gives up if another offer, or a Top, holds the
// list. A full list replaces its lowest candidate by the offered key if
// the key's level is higher.
//
// The lowest level drops when a candidate's highest slot gets a second
// old, with no offer or Top to see it: until is the first epoch at which
// one may have. The first add of a key in a slot (its slow path) at or
// after until lowers the bar (see rebar), so that a key busier than the
// quiet candidates is offered from its first slot, whether or not Top is
// called. It drops too when a candidate is evicted (its level is 0 from
// then on): the eviction, which does not hold the list, marks the key
// gone, adds 1 to gen and stores 0 in until. An offer, rebar or Top that
// holds the list and sets until loads gen before it reads the levels and
// again after its store, and stores 0 if gen changed, so that it never
// overwrites the 0 of an eviction it did not see (see publish).
type candidates[K Key] struct {
	bar   atomic.Uint64 // read by every event; written by offers and Top
	until atomic.Uint64 // read by the first event of a key in a slot
	gen   atomic.Uint64 // evictions of candidates: read by offers and Top
	_     [40]byte
	busy  atomic.Bool
	list  []cand[K]
	_     [32]byte // the next event's bar on a line of its own
}

// cand is one candidate of an event's list, written under its flag.
type cand[K Key] struct {
	e      *entry[K]
	lepoch uint32 // the low bits of the epoch of the last offer
	// levels[i] is the level of the offers in epoch lepoch-i: 0 if none.
	levels [fold.Size]uint8
}

// note records an offer of x at level in epoch ep.
func (x *cand[K]) note(ep uint32, level uint8) {
	d := ep - x.lepoch
	switch {
	case int32(d) < 0: // from a writer that loaded an older epoch
		if i := -d; i < fold.Size {
			x.levels[i] = max(x.levels[i], level)
		}
		return
	case d >= fold.Size:
		x.levels = [fold.Size]uint8{}
	case d > 0:
		copy(x.levels[d:], x.levels[:fold.Size-d])
		clear(x.levels[:d])
	}
	x.lepoch = ep
	x.levels[0] = max(x.levels[0], level)
}

// level returns the level of x at epoch ep, the highest of its offers in
// the last second (0 if it was evicted), and the number of epochs after
// ep until it drops (Size if it is 0).
func (x *cand[K]) level(ep uint32) (l uint8, left uint32) {
	d := ep - x.lepoch
	if int32(d) < 0 {
		d = 0 // ep was loaded by a writer late
	}
	if d >= fold.Size || x.e.gone.Load() {
		return 0, fold.Size
	}
	newest := 0
	for i, v := range x.levels[:fold.Size-d] {
		if v > l {
			l, newest = v, i
		}
	}
	if l == 0 {
		return 0, fold.Size
	}
	return l, fold.Size - uint32(newest) - d
}

// lowest returns the index of the candidate of the lowest level at epoch
// ep, that level, the lowest level of the others, and the number of
// epochs after ep until the level of a candidate drops (Size if none
// will). The list is full.
func (c *candidates[K]) lowest(ep uint32) (low int, lowLevel, next uint8, left uint32) {
	lowLevel, next, left = 255, 255, fold.Size
	for i := range c.list {
		l, ll := c.list[i].level(ep)
		left = min(left, ll)
		if l < lowLevel {
			next = lowLevel
			low, lowLevel = i, l
		} else if l < next {
			next = l
		}
	}
	return low, lowLevel, next, left
}

// offer offers e, whose count of event ev in the slot of epoch passed
// 2^(level-1), as a candidate of ev. It never waits: it gives up if
// another offer, or a Top, holds the list of ev.
func (t *Table[K]) offer(e *entry[K], ev Event, epoch uint64, level uint8) {
	ep := uint32(epoch)
	c := &t.cands[ev]
	if !c.busy.CompareAndSwap(false, true) {
		return
	}
	bit := uint32(1) << ev
	switch {
	case e.cand.Load()&bit != 0:
		for i := range c.list {
			if x := &c.list[i]; x.e == e {
				x.note(ep, level)
				break
			}
		}
	case e.gone.Load():
	case len(c.list) < MaxCandidates:
		e.cand.Or(bit)
		c.list = append(c.list, cand[K]{e: e, lepoch: ep, levels: [fold.Size]uint8{level}})
		if len(c.list) == MaxCandidates {
			c.setBar(epoch)
		}
	default:
		g := c.gen.Load()
		low, lowLevel, next, left := c.lowest(ep)
		if testHookLowest != nil {
			testHookLowest()
		}
		if lowLevel < level {
			c.list[low].e.cand.And(^bit)
			e.cand.Or(bit)
			c.list[low] = cand[K]{e: e, lepoch: ep, levels: [fold.Size]uint8{level}}
			lowLevel = min(next, level)
			if e.gone.Load() {
				// e was evicted since the check above, its level is 0. An
				// eviction of e that loaded its bits before the Or above
				// (and so asked for no new bar) stored gone before that
				// load, so before this one, which sees it; one that loaded
				// them after the Or came after the first load of gen: see
				// publish.
				lowLevel = 0
			}
		}
		c.publish(g, lowLevel, epoch+uint64(left)) // until early if the stalest was replaced: harmless
	}
	c.busy.Store(false)
}

// setBar sets the bar to the lowest level of the full list at epoch, and
// until to the first epoch at which it may drop. The caller holds the
// list.
func (c *candidates[K]) setBar(epoch uint64) {
	g := c.gen.Load()
	_, l, _, left := c.lowest(uint32(epoch))
	if testHookLowest != nil {
		testHookLowest()
	}
	c.publish(g, l, epoch+uint64(left))
}

// testHookLowest, nil but in tests, runs between the reads of the levels
// of a full list and the setting of its bar, where an eviction may come:
// a load and a branch on the slow paths that set the bar, none on a
// count's.
var testHookLowest func()

// publish sets the bar to 2^level and until to the epoch until, both
// computed from the levels of the full list read after g was loaded from
// gen. If an eviction of a candidate came meanwhile (gen is no longer g),
// it then stores 0 in until, so that the next slow path lowers the bar
// (see rebar). The caller holds the list.
//
// So no eviction's request to lower the bar is lost. The eviction of a
// candidate x runs x.gone.Store(true), gen.Add(1), until.Store(0); a
// holder of the list runs g := gen.Load(), its reads of the levels (of
// x.gone among them, if x is in the list), until.Store(until), then
// gen.Load() again. The operations of sync/atomic are sequentially
// consistent: they all take place in one order, which keeps each
// goroutine's own. If the eviction's until.Store(0) comes after the
// holder's store, until is 0. If it comes before, so does its gen.Add(1),
// and then either the first load of gen came before the Add, and the
// second, after the holder's store so after the Add, sees gen changed and
// stores 0; or the first came after the Add, so after x.gone.Store(true),
// and the reads of the levels saw x gone: its level is 0 in the bar and
// until stored. Holders take turns (busy) and evictions store only 0, so
// each later holder's store of until is again one of these cases. A
// holder that sees gen changed may store a 0 it did not need (the
// eviction's came last, or its reads saw x gone): that costs one rebar,
// as the eviction's 0 does.
//
// An eviction that did not see x a candidate (its bit not yet set by the
// offer that adds it) stores nothing: the offer reads x.gone after it
// sets the bit (see offer; setBar reads it with the levels). A list that is not full
// has a bar of 0 whatever until holds (rebar stores MaxUint64 there), and
// the offer that fills it sets both by publish.
func (c *candidates[K]) publish(g uint64, level uint8, until uint64) {
	c.bar.Store(1 << level)
	c.until.Store(until)
	if c.gen.Load() != g {
		c.until.Store(0)
	}
}

// rebar lowers the bar of ev to the lowest level of its list at epoch, a
// candidate having gone stale since the bar was set. It never waits: it
// gives up if an offer, or a Top, holds the list (and sets the bar).
func (t *Table[K]) rebar(ev Event, epoch uint64) {
	c := &t.cands[ev]
	if !c.busy.CompareAndSwap(false, true) {
		return
	}
	if len(c.list) == MaxCandidates {
		c.setBar(epoch)
	} else {
		c.until.Store(math.MaxUint64) // the bar is 0 until the list is full
	}
	c.busy.Store(false)
}

// snapshot returns the entries of the candidate list, waiting for the
// offer that holds it, if any, and lowers the bar of offers to the lowest
// level in the list at epoch, so that keys take the place of candidates
// gone stale.
func (c *candidates[K]) snapshot(epoch uint64) []*entry[K] {
	for !c.busy.CompareAndSwap(false, true) {
		runtime.Gosched()
	}
	l := make([]*entry[K], len(c.list))
	for i := range c.list {
		l[i] = c.list[i].e
	}
	if len(c.list) == MaxCandidates {
		c.setBar(epoch)
	}
	c.busy.Store(false)
	return l
}

// Top returns the k resident keys with the highest rates (ByRate) or
// totals (ByTotal) of event ev, highest first, ties in any order; fewer if
// fewer keys are resident, none for an Event outside the Table's.
//
// Up to ScanAll resident keys, Top reads every key: it is exact. Above
// that, it reads only the candidates of ev (at most MaxCandidates keys, so
// k is capped at MaxCandidates): the keys that reached the highest counts
// of ev in one 100 ms slot of the last second, each event having its own
// (see candidates in top.go). Its error bound: a key is missing only if,
// each time its count of ev in a slot of the last second passed a power
// of two 2^j, MaxCandidates candidates had reached 2^j or more of ev in a
// slot of the last second, or another offer of ev was running (writers
// never wait for each other; a key is offered again at its next power of
// two, and in the next slot). So a key whose count of ev in one slot is
// more than twice that of all but k-1 others is listed. The rates and
// totals listed are exact. ByTotal above ScanAll ranks those candidates
// by their totals: it lists the largest totals among the keys busiest
// lately, not the largest totals of the Table.
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
		list = t.cands[ev].snapshot(t.clock.Epoch())
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
