package monitor

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hitrate/hitrate/ring"
)

// MaxFilterLen is the longest Query.Filter, in bytes, that ParseQuery
// accepts.
const MaxFilterLen = 256

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
	return name[:runeCut(name, MaxConnNameLen-len(mark))] + mark
}

// ParseQuery reads a Query from URL query values, for an HTTP handler to
// answer 400 Bad Request when it fails. The keys are
//
//	conns     bool: list open connections (Query.Conns)
//	protocol  a monitor name (Query.Protocol)
//	filter    a substring of connection names (Query.Filter), valid UTF-8 of at most MaxFilterLen bytes
//	sort      "id", "age", "name", an event name or "rate:" and an event
//	          name (by its rate), or "total:" and an event name (by its
//	          total) (Query.SortBy)
//	desc      bool: reverse the order (Query.Desc)
//	limit     an integer in [1, MaxConnLimit] (Query.Limit)
//
// A bool is anything strconv.ParseBool accepts, or empty for true
// ("?conns&desc"). ParseQuery is strict: a malformed value, a key given
// twice, or a protocol or sort key that no monitor could have (see New for
// names) is an error. Other keys are ignored, for the handler's own use.
// Its errors quote at most a short prefix of a bad value.
//
// ParseQuery does not know the monitors: a well-formed protocol or event
// name that no monitor has is not an error. Snapshot then lists no
// protocol, or sorts by id, respectively.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	get := func(key string) (string, bool, error) {
		vs, ok := v[key]
		switch {
		case !ok || len(vs) == 0:
			return "", false, nil
		case len(vs) > 1:
			return "", false, fmt.Errorf("monitor: query key %q given %d times", key, len(vs))
		}
		return vs[0], true, nil
	}
	parseBool := func(key string, dst *bool) error {
		s, ok, err := get(key)
		if err != nil || !ok {
			return err
		}
		if s == "" {
			*dst = true
			return nil
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("monitor: query key %q: %s is not a bool", key, quoteShort(s))
		}
		*dst = b
		return nil
	}
	if err := parseBool("conns", &q.Conns); err != nil {
		return Query{}, err
	}
	if err := parseBool("desc", &q.Desc); err != nil {
		return Query{}, err
	}
	s, ok, err := get("protocol")
	if err != nil {
		return Query{}, err
	}
	if ok && s != "" {
		if p := nameProblem(s); p != "" {
			return Query{}, fmt.Errorf("monitor: query key \"protocol\": %s %s", quoteShort(s), p)
		}
		q.Protocol = s
	}
	s, _, err = get("filter")
	if err != nil {
		return Query{}, err
	}
	switch {
	case len(s) > MaxFilterLen:
		return Query{}, fmt.Errorf("monitor: query key \"filter\": %s is %d bytes long, over MaxFilterLen (%d)", quoteShort(s), len(s), MaxFilterLen)
	case !utf8.ValidString(s):
		return Query{}, fmt.Errorf("monitor: query key \"filter\": %s is not valid UTF-8", quoteShort(s))
	}
	q.Filter = s
	s, ok, err = get("sort")
	if err != nil {
		return Query{}, err
	}
	if ok && s != "" {
		ev := s
		if rest, ok := strings.CutPrefix(s, sortTotalPrefix); ok {
			ev = rest
		} else if rest, ok := strings.CutPrefix(s, sortRatePrefix); ok {
			ev = rest
		}
		if p := nameProblem(ev); p != "" && ev != s {
			return Query{}, fmt.Errorf("monitor: query key \"sort\": the event name in %s %s", quoteShort(s), p)
		} else if p != "" {
			return Query{}, fmt.Errorf("monitor: query key \"sort\": %s %s", quoteShort(s), p)
		}
		q.SortBy = s
	}
	s, ok, err = get("limit")
	if err != nil {
		return Query{}, err
	}
	if ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxConnLimit {
			return Query{}, fmt.Errorf("monitor: query key \"limit\": %s is not an integer in [1, %d]", quoteShort(s), MaxConnLimit)
		}
		q.Limit = n
	}
	return q, nil
}

// Snapshot returns a point-in-time copy of the monitor's numbers, and of
// its open connections if q asks for them. With a q.Protocol other than
// the monitor's name, it lists no protocol. It implements Source.
//
// Connections are sorted by q.SortBy: "id" (the default: oldest first),
// "age" (youngest first), "name", an event name or "rate:" and an event
// name, by that event's rate, or "total:" and an event name, by that
// event's total (lowest first); q.Desc reverses the order, and ties go by
// id. A SortBy that is none of these sorts by id. Only the first q.Limit
// connections are kept while the open ones are visited, so a snapshot
// costs O(N log limit) time and O(limit) memory for N open connections.
// On a nil Monitor, Snapshot lists no protocol.
func (m *Monitor) Snapshot(q Query) Snapshot {
	if m == nil {
		return Snapshot{Time: time.Now(), Estimator: ring.Seed.String(), Protocols: []Protocol{}}
	}
	s := Snapshot{Time: time.Now(), Estimator: m.est.String(), Protocols: []Protocol{}}
	if q.Protocol == "" || q.Protocol == m.name {
		s.Protocols = append(s.Protocols, m.protocol(q))
	}
	return s
}

// protocol returns the snapshot of m as one Protocol.
func (m *Monitor) protocol(q Query) Protocol {
	now := m.clock.Elapsed()
	cur := m.cur.Load()
	p := Protocol{
		Name:   m.name,
		Uptime: now - m.start,
		Events: make([]EventStats, len(m.events)),
		Conns: ConnCounts{
			Current: cur,
			Peak:    raisePeak(&m.peak, cur),
			Total:   m.totalCns.Load(),
		},
	}
	for i, a := range m.agg {
		r := a.RateWith(m.est)
		p.Events[i] = EventStats{
			Name:     m.events[i],
			Total:    a.Total(),
			Rate:     r,
			PeakRate: raise(&m.peaks[i], r),
		}
	}
	m.mu.Lock()
	for i := range m.hist {
		h := &m.hist[i]
		hs := make([]float64, 0, h.n)
		for k := range h.n {
			hs = append(hs, h.buf[(h.next-h.n+k+HistoryLen)%HistoryLen])
		}
		p.Events[i].History = hs
	}
	m.mu.Unlock()
	if q.Conns {
		p.Open, p.OpenMatched = m.listConns(q, now)
	}
	return p
}

// raisePeak returns the peak, first raising it to cur if it is below: cur
// was read before the peak, and Open raises the current count before the
// peak, so a peak below cur only lags behind an Open; cur connections were
// really open at that moment. So no snapshot shows Current > Peak.
func raisePeak(peak *atomic.Int64, cur int64) int64 {
	for {
		p := peak.Load()
		if cur <= p {
			return p
		}
		if peak.CompareAndSwap(p, cur) {
			return cur
		}
	}
}

// candidate is an open connection that matched a Query's filter.
type candidate struct {
	id    uint64
	e     connEntry
	rate  float64 // the sort event's rate, when sorting by rate
	total uint64  // the sort event's total, when sorting by total
}

const (
	sortID = iota
	sortAge
	sortName
	sortRate
	sortTotal
)

// The prefixes of the Query.SortBy keys that name an event; New keeps
// event names from starting with them.
const (
	sortRatePrefix  = "rate:"
	sortTotalPrefix = "total:"
)

// sortOf returns how Query.SortBy key by orders m's connections, and the
// index of the event it sorts by.
func (m *Monitor) sortOf(by string) (mode, ev int) {
	switch by {
	case "", "id":
		return sortID, 0
	case "age":
		return sortAge, 0
	case "name":
		return sortName, 0
	}
	mode, name := sortRate, by
	if rest, ok := strings.CutPrefix(by, sortTotalPrefix); ok {
		mode, name = sortTotal, rest
	} else if rest, ok := strings.CutPrefix(by, sortRatePrefix); ok {
		name = rest
	}
	if i := slices.Index(m.events, name); i >= 0 {
		return mode, i
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
	case sortRate:
		r = cmp.Compare(a.rate, b.rate)
	case sortTotal:
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
	epoch := m.clock.ReadEpoch()
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
			c.rate = m.rate(&e.c.ev[sortEv].w, epoch)
		case sortTotal:
			c.total = e.c.ev[sortEv].total.Load()
		}
		if e.c.id.Load() == id { // still open
			matched++
			top.offer(c)
		}
		return true
	})
	slices.SortFunc(top.h, func(a, b candidate) int { return order.cmp(&a, &b) })
	nev := len(m.events)
	evs := make([]ConnEvent, len(top.h)*nev)
	out := make([]ConnInfo, 0, len(top.h))
	for _, c := range top.h {
		info := ConnInfo{ID: c.id, Name: capConnName(c.e.name), Age: now - c.e.opened, Events: evs[:nev:nev]}
		for i := range c.e.c.ev {
			k := &c.e.c.ev[i]
			info.Events[i] = ConnEvent{Total: k.total.Load(), Rate: m.rate(&k.w, epoch)}
		}
		if c.e.c.id.Load() != c.id {
			continue // closed (and maybe recycled) while we read it
		}
		evs = evs[nev:]
		out = append(out, info)
	}
	return out, matched
}

// Group is a list of monitors that snapshots together, in order: one
// Source for a process's protocols. Make it with NewGroup to check it, or
// as a literal.
type Group []*Monitor

// NewGroup returns a Group of the given monitors. It fails if one is nil,
// if two share a name (q.Protocol could not tell them apart), or if they
// use different estimators (Snapshot.Estimator names one).
func NewGroup(ms ...*Monitor) (Group, error) {
	seen := make(map[string]bool, len(ms))
	for i, m := range ms {
		if m == nil {
			return nil, fmt.Errorf("monitor: NewGroup: monitor %d: %w", i, errNilMonitor)
		}
		if seen[m.name] {
			return nil, fmt.Errorf("monitor: NewGroup: duplicate monitor name %q", m.name)
		}
		seen[m.name] = true
		if m.est != ms[0].est {
			return nil, fmt.Errorf("monitor: NewGroup: %q uses estimator %s, %q uses %s", ms[0].name, ms[0].est, m.name, m.est)
		}
	}
	return Group(slices.Clone(ms)), nil
}

// Snapshot returns a point-in-time copy of the group's monitors, in order,
// keeping only the one named q.Protocol if it is set; see
// Monitor.Snapshot. Snapshot.Estimator names the first monitor's
// estimator, or "mixed" if the monitors differ. Nil monitors are skipped.
// It implements Source.
func (g Group) Snapshot(q Query) Snapshot {
	s := Snapshot{Time: time.Now(), Estimator: ring.Seed.String(), Protocols: []Protocol{}}
	first := true
	for _, m := range g {
		if m == nil {
			continue
		}
		if first {
			s.Estimator = m.est.String()
			first = false
		} else if m.est.String() != s.Estimator {
			s.Estimator = "mixed"
		}
		if q.Protocol == "" || q.Protocol == m.name {
			s.Protocols = append(s.Protocols, m.protocol(q))
		}
	}
	return s
}
