package monitor

import (
	"time"

	"github.com/hitrate/hitrate/internal/peak"
	"github.com/hitrate/hitrate/ring"
)

// Source gives snapshots: a Monitor, a Group of monitors, or a test's own.
type Source interface {
	// Snapshot returns a point-in-time copy of what q asks for.
	Snapshot(q Query) Snapshot
}

// HistoryLen is the number of once-a-second rate samples kept per event
// for the sparkline.
const HistoryLen = 60

// Snapshot is a point-in-time copy of one or more monitors: what the HTML
// page, the JSON endpoint and the Prometheus exposition all show.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time `json:"time"`
	// Estimator names the rate estimator, "seed" or "interpolated", or
	// "mixed" for a Group whose monitors use both.
	Estimator string `json:"estimator"`
	// Protocols holds one entry per monitor, in the order they were given.
	Protocols []Protocol `json:"protocols"`
}

// Protocol is the snapshot of one Monitor.
type Protocol struct {
	// Name is the monitor's name.
	Name string `json:"name"`
	// Uptime is the time since the monitor was made.
	Uptime time.Duration `json:"uptime_ns"`
	// Events holds the protocol-wide stats of each event, in the order the
	// event names were declared.
	Events []EventStats `json:"events"`
	// Conns counts the protocol's connections.
	Conns ConnCounts `json:"conns"`
	// Open lists open connections when the Query asked for them, sorted and
	// capped as it asked; nil otherwise.
	Open []ConnInfo `json:"open,omitempty"`
	// OpenMatched is the number of open connections that matched the
	// Query's filter, before the Query's limit cut the list.
	OpenMatched int `json:"open_matched,omitempty"`
	// Dists holds the stats of each latency distribution, in the order
	// declared by WithDistributions; nil (and absent from the JSON)
	// without distributions.
	Dists []DistStats `json:"distributions,omitempty"`
}

// EventStats holds the protocol-wide numbers of one event.
type EventStats struct {
	// Name is the event's name.
	Name string `json:"name"`
	// Unit is what the event counts, declared by WithUnit: "events" or
	// "bytes" in JSON. Total then counts events or bytes, and the rates
	// are events or bytes per second.
	Unit Unit `json:"unit"`
	// Total is the number of events since the monitor was made.
	Total uint64 `json:"total"`
	// Rate is the events per second over the last second.
	Rate float64 `json:"rate"`
	// RateLow and RateHigh bound the 95% confidence interval of Rate,
	// with the window's count taken as Poisson (see the package doc,
	// "Error bars"). An event whose Unit is Bytes has no interval: bytes
	// arrive in chunks of any size, so their count is no Poisson count.
	// Both are then 0 here and left out of the JSON.
	RateLow  float64 `json:"-"`
	RateHigh float64 `json:"-"`
	// PeakRate is the highest Rate seen, by the sampler or by any read
	// (see Monitor.PeakRate): never below Rate.
	PeakRate float64 `json:"peak_rate"`
	// History holds the Rate sampled once a second, oldest first, for a
	// sparkline; at most HistoryLen samples.
	History []float64 `json:"history"`
	// Averages holds the average rate over each of AverageWindows, in
	// that order. In JSON each is two numbers named after its window in
	// seconds: rate_10s and span_10s, rate_60s and span_60s.
	Averages []Average `json:"-"`
}

// ConnCounts counts the connections of a protocol.
type ConnCounts struct {
	// Current is the number of connections open now.
	Current int64 `json:"current"`
	// Peak is the highest Current seen.
	Peak int64 `json:"peak"`
	// Total is the number of connections ever opened.
	Total uint64 `json:"total"`
}

// ConnInfo is the snapshot of one open connection.
type ConnInfo struct {
	// ID is the connection's number, unique within its monitor.
	ID uint64 `json:"id"`
	// Name is the label given at Open, such as the remote address.
	Name string `json:"name"`
	// Age is the time since the connection was opened.
	Age time.Duration `json:"age_ns"`
	// Events holds the connection's own numbers of each event, in the
	// order the event names were declared.
	Events []ConnEvent `json:"events"`
	// Dists holds the connection's own numbers of each latency
	// distribution, in the order declared; nil (and absent from the JSON)
	// without distributions.
	Dists []ConnDist `json:"distributions,omitempty"`
}

// ConnEvent holds a connection's numbers of one event.
type ConnEvent struct {
	// Name is the event's name, as in the protocol's Events.
	Name string `json:"name"`
	// Total is the number of events on the connection.
	Total uint64 `json:"total"`
	// Rate is the connection's events per second over the last second.
	Rate float64 `json:"rate"`
}

// Snapshot returns a point-in-time copy of the monitor's numbers, and of
// its open connections if q asks for them. With a q.Protocol other than
// the monitor's name, it lists no protocol. It implements Source.
//
// Connections are sorted by q.SortBy: by id (the zero Sort: oldest
// first), ByAge (youngest first), ByName, ByRate or ByTotal of an event,
// ByMean or ByCount of a distribution (lowest first); q.Desc reverses the
// order, and ties go by id. A sort by an event or distribution the
// monitor lacks sorts by id. Only the first q.Limit
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
	// The peak is raised to cur if it is below: cur was read before the
	// peak, and Open raises the current count before the peak, so a peak
	// below cur only lags behind an Open; cur connections were really
	// open at that moment. So no snapshot shows Current > Peak.
	p := Protocol{
		Name:   m.name,
		Uptime: now - m.start,
		Events: make([]EventStats, len(m.events)),
		Conns: ConnCounts{
			Current: cur,
			Peak:    peak.Raise(&m.peak, cur),
			Total:   m.totalCns.Load(),
		},
	}
	for i, a := range m.agg {
		r := a.RateWith(m.est)
		var low, high float64
		if m.units[i].hasInterval() { // bytes arrive in chunks: not a Poisson count
			low, high = rateInterval(r) // r is the weighted count of a 1 s window
		}
		p.Events[i] = EventStats{
			Name:     m.events[i],
			Unit:     m.units[i],
			Total:    a.Total(),
			Rate:     r,
			RateLow:  low,
			RateHigh: high,
			PeakRate: peak.Raise(&m.peaks[i], r),
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
	m.totals.fill(p.Events)
	m.mu.Unlock()
	p.Dists = m.distStats()
	if q.Conns {
		p.Open, p.OpenMatched = m.listConns(q, now)
	}
	return p
}
