package monitor

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/hitrate/hitrate/internal/human"
)

// MaxConnNameLen is the longest connection name, in bytes, that a snapshot
// carries (ConnInfo.Name). A longer name given to Open is cut on a rune
// boundary and ends with "…", within MaxConnNameLen bytes in all; the
// filter and the sort by name still see the whole name.
const MaxConnNameLen = 256

// capConnName returns name cut to at most MaxConnNameLen bytes, "…"
// included, if it is longer.
func capConnName(name string) string {
	if len(name) <= MaxConnNameLen {
		return name
	}
	const mark = "…"
	return name[:human.RuneCut(name, MaxConnNameLen-len(mark))] + mark
}

// candidate is an open connection that matched a Query's filter.
type candidate struct {
	id    uint64
	e     connEntry
	rate  float64 // the sort event's rate, or the sort distribution's mean
	total uint64  // the sort event's total, or the sort distribution's count
}

// The orders of a Sort.
const (
	sortID = iota
	sortAge
	sortName
	sortRate
	sortTotal
	sortMean
	sortCount
)

// sortOf returns how s orders m's connections, and the index of the
// event or distribution it sorts by: by id if m has no such one.
func (m *Monitor) sortOf(s Sort) (mode, ev int) {
	names := m.events
	switch s.by {
	case sortRate, sortTotal:
	case sortMean, sortCount:
		names = m.dists
	default:
		return int(s.by), 0
	}
	if i := slices.Index(names, s.event); i >= 0 {
		return int(s.by), i
	}
	return sortID, 0
}

// connOrder is the order of candidates for a sort mode.
type connOrder struct {
	mode int
	desc bool
}

// cmp compares a and b: negative when a comes first. Ties go by id.
func (o connOrder) cmp(a, b *candidate) int {
	var r int
	switch o.mode {
	case sortAge: // youngest first: the latest opened
		r = cmp.Compare(b.e.opened, a.e.opened)
	case sortName:
		r = strings.Compare(a.e.name, b.e.name)
	case sortRate, sortMean:
		r = cmp.Compare(a.rate, b.rate)
	case sortTotal, sortCount:
		r = cmp.Compare(a.total, b.total)
	}
	if o.desc {
		r = -r
	}
	if r == 0 {
		r = cmp.Compare(a.id, b.id)
		if o.desc && o.mode == sortID {
			r = -r
		}
	}
	return r
}

// topConns keeps the first limit candidates offered to it, by order, in a
// heap whose root is the last of them: O(log limit) time per offer and
// O(limit) memory, whatever the number offered.
type topConns struct {
	order connOrder
	limit int
	h     []candidate
}

func (t *topConns) offer(c candidate) {
	if len(t.h) < t.limit {
		t.h = append(t.h, c)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if t.order.cmp(&t.h[i], &t.h[p]) <= 0 {
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return
	}
	if t.order.cmp(&c, &t.h[0]) >= 0 {
		return // after all those kept
	}
	t.h[0] = c
	for i := 0; ; {
		l, r, last := 2*i+1, 2*i+2, i
		if l < len(t.h) && t.order.cmp(&t.h[l], &t.h[last]) > 0 {
			last = l
		}
		if r < len(t.h) && t.order.cmp(&t.h[r], &t.h[last]) > 0 {
			last = r
		}
		if last == i {
			return
		}
		t.h[i], t.h[last] = t.h[last], t.h[i]
		i = last
	}
}

// listConns returns the open connections that q asks for, and how many
// matched its filter before its limit. It visits every open connection
// once but keeps only the first q.Limit by the order asked for, in a
// bounded heap, and builds rows for those only: O(N log limit) time and
// O(limit) memory. A connection that closes between its selection and its
// row is left out, so the list may hold fewer than the limit.
func (m *Monitor) listConns(q Query, now time.Duration) ([]ConnInfo, int) {
	mode, sortEv := m.sortOf(q.SortBy)
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = DefaultConnLimit
	case limit > MaxConnLimit:
		limit = MaxConnLimit
	}
	epoch, frac := m.clock.ReadEpochFrac()
	order := connOrder{mode: mode, desc: q.Desc}
	top := topConns{order: order, limit: limit, h: make([]candidate, 0, min(limit, max(int(m.cur.Load()), 1)))}
	matched := 0
	m.conns.Range(func(id uint64, e connEntry) bool {
		if q.Filter != "" && !strings.Contains(e.name, q.Filter) {
			return true
		}
		c := candidate{id: id, e: e}
		switch mode {
		case sortRate:
			c.rate = m.connEvent(e.c, sortEv, epoch, frac).Rate
		case sortTotal:
			c.total = e.c.event(uint32(sortEv)).Total(&e.c.g)
		case sortMean:
			c.rate = float64(m.connDist(e.c, sortEv, epoch, frac).Mean)
		case sortCount:
			kn, _ := m.distCells(e.c, sortEv)
			c.total = kn.Total(&e.c.g)
		}
		if e.c.id.Load() == id { // still open
			matched++
			top.offer(c)
		}
		return true
	})
	slices.SortFunc(top.h, func(a, b candidate) int { return order.cmp(&a, &b) })
	nev, nd := len(m.events), len(m.dists)
	evs := make([]ConnEvent, len(top.h)*nev)
	var ds []ConnDist
	if nd > 0 {
		ds = make([]ConnDist, len(top.h)*nd)
	}
	out := make([]ConnInfo, 0, len(top.h))
	for _, c := range top.h {
		// A connection opened after now, while the registry was visited,
		// is 0 old at now, not less.
		info := ConnInfo{ID: c.id, Name: capConnName(c.e.name), Age: max(now-c.e.opened, 0), Events: evs[:nev:nev]}
		for i := range info.Events {
			info.Events[i] = m.connEvent(c.e.c, i, epoch, frac)
		}
		if nd > 0 {
			info.Dists = ds[:nd:nd]
			for i := range info.Dists {
				info.Dists[i] = m.connDist(c.e.c, i, epoch, frac)
			}
		}
		if c.e.c.id.Load() != c.id {
			continue // closed (and maybe recycled) while we read it
		}
		evs = evs[nev:]
		if nd > 0 {
			ds = ds[nd:]
		}
		out = append(out, info)
	}
	return out, matched
}
