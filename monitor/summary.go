package monitor

import (
	"log/slog"
	"time"
)

// ConnSummary is the record of one connection that has closed: what a
// close hook (see WithCloseHook) receives, once per connection.
type ConnSummary struct {
	// Protocol is the name of the connection's Monitor.
	Protocol string `json:"protocol"`
	// ID is the connection's number, unique within its Monitor (Conn.ID).
	ID uint64 `json:"id"`
	// Name is the label given at Open, such as the remote address.
	Name string `json:"name"`
	// Opened is the wall-clock time of the Open, reckoned back from the
	// call to Close by Duration. (On a ring.ManualClock, Duration is the
	// manual clock's time, and Opened is that long before the Close.)
	Opened time.Time `json:"opened"`
	// Duration is the time from Open to Close, by the Monitor's clock.
	Duration time.Duration `json:"duration_ns"`
	// Events holds the connection's final total of each event, in the
	// order the event names were declared.
	Events []EventTotal `json:"events"`
	// Dists holds, for each latency distribution (WithDistributions), in
	// the order declared, the values recorded on the connection: their
	// number and mean. Nil (and absent from the JSON) without
	// distributions.
	Dists []DistSummary `json:"distributions,omitempty"`
}

// DistSummary is what one latency distribution recorded on a closed
// connection: the number of values, and their mean, within 0.5 µs (the
// connection sums whole microseconds; values are clamped to 0 to
// latency.Max as the distribution clamps them), 0 if there were none.
type DistSummary struct {
	// Name is the distribution's name.
	Name string `json:"name"`
	// Count is the number of values recorded on the connection.
	Count uint64 `json:"count"`
	// Mean is their mean.
	Mean time.Duration `json:"mean_ns"`
}

// EventTotal is the final total of one event of a closed connection.
type EventTotal struct {
	// Name is the event's name.
	Name string `json:"name"`
	// Total is the number of events logged on the connection.
	Total uint64 `json:"total"`
}

// Total returns the connection's total of the event named name, or 0 if
// its Monitor has no such event.
func (s ConnSummary) Total(name string) uint64 {
	for _, e := range s.Events {
		if e.Name == name {
			return e.Total
		}
	}
	return 0
}

// LogValue makes a ConnSummary a group of attributes for package
// log/slog: protocol, id, name, opened, duration, a group "events" with
// each event's total under the event's name, and with distributions a
// group "distributions" with a group per distribution (count, mean) under
// its name. It implements
// slog.LogValuer, so that
//
//	logger.Info("conn closed", "conn", summary)
//
// logs one line with every field.
func (s ConnSummary) LogValue() slog.Value {
	evs := make([]slog.Attr, len(s.Events))
	for i, e := range s.Events {
		evs[i] = slog.Uint64(e.Name, e.Total)
	}
	attrs := []slog.Attr{
		slog.String("protocol", s.Protocol),
		slog.Uint64("id", s.ID),
		slog.String("name", s.Name),
		slog.Time("opened", s.Opened),
		slog.Duration("duration", s.Duration),
		{Key: "events", Value: slog.GroupValue(evs...)},
	}
	if len(s.Dists) > 0 {
		ds := make([]slog.Attr, len(s.Dists))
		for i, d := range s.Dists {
			ds[i] = slog.Group(d.Name, slog.Uint64("count", d.Count), slog.Duration("mean", d.Mean))
		}
		attrs = append(attrs, slog.Attr{Key: "distributions", Value: slog.GroupValue(ds...)})
	}
	return slog.GroupValue(attrs...)
}

// WithCloseHook makes the Monitor call hook with the summary of every
// connection that closes: its id, name, open time, duration, the final
// total of each event, and the count and mean of each distribution's
// values recorded on it. Close calls it once per connection, on the
// goroutine that called Close, after the connection has left the list of
// open connections and before its counters are recycled; keep it quick
// (log a line, send on a buffered channel). The summary is the hook's to
// keep. The hook never runs on the event path.
//
// The totals are exact for the events logged on the handle before Close
// was called: each of them is in the summary. An event logged at the same
// time as the Close, by another goroutine, may or may not be; it counts
// for the protocol either way. (As for any use of a connection after its
// Close, such an event may also land on the next connection that reuses
// the counters; see Conn.)
//
// Without a close hook (the default, or a nil hook), Close allocates
// nothing for a summary.
func WithCloseHook(hook func(ConnSummary)) Option {
	return func(c *config) { c.closeHook = hook }
}

// summarize calls the close hook with the summary of the connection that
// c.Close has just closed, whose registry entry was e. Close calls it after
// the connection has left the registry and before c.c is recycled, so the
// counters still hold the connection's totals.
func (m *Monitor) summarize(c Conn, e connEntry) {
	d := m.clock.Elapsed() - e.opened
	s := ConnSummary{
		Protocol: m.name,
		ID:       c.id,
		Name:     e.name,
		Opened:   time.Now().Add(-d),
		Duration: d,
		Events:   make([]EventTotal, len(m.events)),
	}
	for i := range s.Events {
		s.Events[i] = EventTotal{Name: m.events[i], Total: c.c.event(uint32(i)).Total(&c.c.g)}
	}
	if len(m.dists) > 0 {
		s.Dists = make([]DistSummary, len(m.dists))
		for i := range s.Dists {
			kn, ks := m.distCells(c.c, i)
			// The sum before the count, as connDist reads them: a
			// Record still landing (Record adds the count, then the
			// sum) can only pull the mean down, never above its values.
			sum := ks.Total(&c.c.g)
			n := kn.Total(&c.c.g)
			s.Dists[i] = DistSummary{Name: m.dists[i], Count: n}
			if n > 0 {
				// sum/n microseconds, rounded to the nanosecond, without
				// an overflow of sum*1000.
				const us = uint64(time.Microsecond)
				s.Dists[i].Mean = time.Duration(sum/n*us + (sum%n*us+n/2)/n)
			}
		}
	}
	m.closeHook(s)
}
