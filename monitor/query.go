package monitor

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hitrate/hitrate/ring"
)

// MaxFilterLen is the longest Query.Filter, in bytes, that ParseQuery
// accepts.
const MaxFilterLen = 256

// ParseQuery reads a Query from URL query values, for an HTTP handler to
// answer 400 Bad Request when it fails. The keys are
//
//	conns     bool: list open connections (Query.Conns)
//	protocol  a monitor name (Query.Protocol)
//	filter    a substring of connection names (Query.Filter), at most MaxFilterLen bytes
//	sort      "id", "age", "name" or an event name (Query.SortBy)
//	desc      bool: reverse the order (Query.Desc)
//	limit     an integer in [1, MaxConnLimit] (Query.Limit)
//
// A bool is anything strconv.ParseBool accepts, or empty for true
// ("?conns&desc"). ParseQuery is strict: a malformed value, a key given
// twice, or a protocol or sort key that no monitor could have (see New for
// names) is an error. Other keys are ignored, for the handler's own use.
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
			return fmt.Errorf("monitor: query key %q: %q is not a bool", key, s)
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
		if err := checkName("protocol", s); err != nil {
			return Query{}, fmt.Errorf("monitor: query key \"protocol\": %w", err)
		}
		q.Protocol = s
	}
	s, _, err = get("filter")
	if err != nil {
		return Query{}, err
	}
	if len(s) > MaxFilterLen {
		return Query{}, fmt.Errorf("monitor: query key \"filter\" is %d bytes, over %d", len(s), MaxFilterLen)
	}
	q.Filter = s
	s, ok, err = get("sort")
	if err != nil {
		return Query{}, err
	}
	if ok && s != "" {
		if err := checkName("sort key", s); err != nil {
			return Query{}, fmt.Errorf("monitor: query key \"sort\": %w", err)
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
			return Query{}, fmt.Errorf("monitor: query key \"limit\": %q is not an integer in [1, %d]", s, MaxConnLimit)
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
// "age" (youngest first), "name", or an event name, by that event's rate
// (lowest first); q.Desc reverses the order, and ties go by id. A SortBy
// that is none of these sorts by id. On a nil Monitor, Snapshot lists no
// protocol.
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
	p := Protocol{
		Name:   m.name,
		Uptime: now - m.start,
		Events: make([]EventStats, len(m.events)),
		Conns: ConnCounts{
			Current: m.cur.Load(),
			Peak:    m.peak.Load(),
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
			c.key = m.connEvent(e.c, sortEv, epoch).Rate
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
		info := ConnInfo{ID: c.id, Name: c.e.name, Age: now - c.e.opened, Events: make([]ConnEvent, len(m.events))}
		for i := range info.Events {
			info.Events[i] = m.connEvent(c.e.c, i, epoch)
		}
		if c.e.c.id.Load() != c.id {
			continue // closed (and maybe recycled) while we read it
		}
		out = append(out, info)
	}
	return out, len(cs)
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
