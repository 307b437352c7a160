package monitor

import "time"

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
}

// EventStats holds the protocol-wide numbers of one event.
type EventStats struct {
	// Name is the event's name.
	Name string `json:"name"`
	// Total is the number of events since the monitor was made.
	Total uint64 `json:"total"`
	// Rate is the events per second over the last second.
	Rate float64 `json:"rate"`
	// RateLow and RateHigh bound the 95% confidence interval of Rate,
	// with the window's count taken as Poisson (see the package doc,
	// "Error bars").
	RateLow  float64 `json:"rate_low"`
	RateHigh float64 `json:"rate_high"`
	// PeakRate is the highest Rate seen, by the sampler or by any read
	// (see Monitor.PeakRate): never below Rate.
	PeakRate float64 `json:"peak_rate"`
	// History holds the Rate sampled once a second, oldest first, for a
	// sparkline; at most HistoryLen samples.
	History []float64 `json:"history"`
	// Rate10s is the average events per second over the last 10 s, and
	// Span10s the seconds it is actually over: from the totals sampled
	// once a second (see Monitor.AverageRate), over 10 sample intervals,
	// or over the time since the monitor was made until there are 10.
	// Both are 0 before the first sample.
	Rate10s float64 `json:"rate_10s"`
	Span10s float64 `json:"span_10s"`
	// Rate60s and Span60s are the same over 60 s.
	Rate60s float64 `json:"rate_60s"`
	Span60s float64 `json:"span_60s"`
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
}

// ConnEvent holds a connection's numbers of one event.
type ConnEvent struct {
	// Total is the number of events on the connection.
	Total uint64 `json:"total"`
	// Rate is the connection's events per second over the last second.
	Rate float64 `json:"rate"`
}

// Query asks a Source for what a snapshot should hold beyond the
// protocol-wide numbers. The zero Query asks for no connections.
type Query struct {
	// Conns asks for the list of open connections.
	Conns bool
	// Protocol, when not empty, keeps only the monitor of that name.
	Protocol string
	// Filter, when not empty, keeps only connections whose Name contains it.
	Filter string
	// SortBy orders connections: "id" (the default), "age", "name", or an
	// event name, which sorts by that event's rate.
	SortBy string
	// Desc reverses the order.
	Desc bool
	// Limit caps the connections listed per protocol; 0 means
	// DefaultConnLimit.
	Limit int
}

// Source gives snapshots: a Monitor, a Group of monitors, or a test's own.
type Source interface {
	// Snapshot returns a point-in-time copy of what q asks for.
	Snapshot(q Query) Snapshot
}

const (
	// HistoryLen is the number of once-a-second rate samples kept per
	// event for the sparkline.
	HistoryLen = 60
	// DefaultConnLimit is the number of connections a snapshot lists per
	// protocol when a Query gives no Limit.
	DefaultConnLimit = 100
	// MaxConnLimit is the highest Limit a Query may ask for.
	MaxConnLimit = 10000
)
