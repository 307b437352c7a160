package monitor

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// candidate is an open connection that matched a Query's filter.
type candidate struct {
	id  uint64
	e   connEntry
	key float64 // the sort event's rate
}

const (
	sortID = iota
	sortAge
	sortName
	sortRate
)

// listConns returns the open connections that q asks for, and how many
// matched its filter before its limit.
func (m *Monitor) listConns(q Query, now time.Duration) ([]ConnInfo, int) {
	mode, sortEv := sortID, 0
	switch q.SortBy {
	case "", "id":
	case "age":
		mode = sortAge
	case "name":
		mode = sortName
	default:
		if i := slices.Index(m.events, q.SortBy); i >= 0 {
			mode, sortEv = sortRate, i
		}
	}
	epoch := m.clock.Epoch()
	var cs []candidate
	m.conns.Range(func(id uint64, e connEntry) bool {
		if q.Filter != "" && !strings.Contains(e.name, q.Filter) {
			return true
		}
		c := candidate{id: id, e: e}
		if mode == sortRate {
			c.key = m.rate(&e.c.ev[sortEv].w, epoch)
		}
		if e.c.id.Load() == id { // still open
			cs = append(cs, c)
		}
		return true
	})
	slices.SortFunc(cs, func(a, b candidate) int {
		var r int
		switch mode {
		case sortAge: // youngest first: the latest opened
			r = cmp.Compare(b.e.opened, a.e.opened)
		case sortName:
			r = strings.Compare(a.e.name, b.e.name)
		case sortRate:
			r = cmp.Compare(a.key, b.key)
		}
		if q.Desc {
			r = -r
		}
		if r == 0 {
			r = cmp.Compare(a.id, b.id)
			if q.Desc && mode == sortID {
				r = -r
			}
		}
		return r
	})
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = DefaultConnLimit
	case limit > MaxConnLimit:
		limit = MaxConnLimit
	}
	out := make([]ConnInfo, 0, min(limit, len(cs)))
	for _, c := range cs {
		if len(out) == limit {
			break
		}
		info := ConnInfo{ID: c.id, Name: c.e.name, Age: now - c.e.opened, Events: make([]ConnEvent, len(c.e.c.ev))}
		for i := range c.e.c.ev {
			k := &c.e.c.ev[i]
			info.Events[i] = ConnEvent{Total: k.total.Load(), Rate: m.rate(&k.w, epoch)}
		}
		if c.e.c.id.Load() != c.id {
			continue // closed (and maybe recycled) while we read it
		}
		out = append(out, info)
	}
	return out, len(cs)
}
