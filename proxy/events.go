package proxy

import (
	"fmt"

	"github.com/hitrate/hitrate/monitor"
)

// Event is one of the events a monitored Proxy counts. The events are the
// variables of type Event below, declared in one table: its name, unit
// and meaning there make Events, NewMonitor's units and the Proxy's
// bindings, and the help of "hitrate proxy" lists them (from Events),
// as godoc does (from the table). Use the variables: the zero Event is
// the first of them, Requests.
type Event struct{ idx int }

// table holds the events in the order they are declared (their idx).
var table []eventDecl

type eventDecl struct {
	name string
	unit monitor.Unit
	doc  string
}

// declare adds an event to the table. Package variables are initialized
// in the order they are declared (each depends only on table), so the
// table's order is the order of the declarations below.
func declare(name string, unit monitor.Unit, doc string) Event {
	table = append(table, eventDecl{name, unit, doc})
	return Event{idx: len(table) - 1}
}

// The events a monitored Proxy counts, in the order NewMonitor declares
// them. This is the one place an event is declared.
var (
	Requests = declare("requests", monitor.Count, "HTTP/1.x requests the client sent")
	BytesIn  = declare("bytes_in", monitor.Bytes, "bytes read from the client (forwarded to the upstream)")
	BytesOut = declare("bytes_out", monitor.Bytes, "bytes read from the upstream (forwarded to the client)")
	Errors   = declare("errors", monitor.Count, "failed dials, resets and other read or write errors")
	// The responses the upstream sent, by status class (interim 1xx
	// responses count too), as HAProxy's hrsp_1xx ... hrsp_5xx. They must
	// stay in this order, one after the other (see responseEvent).
	Responses1xx = declare("responses_1xx", monitor.Count, "HTTP/1.x responses with a 1xx status")
	Responses2xx = declare("responses_2xx", monitor.Count, "HTTP/1.x responses with a 2xx status")
	Responses3xx = declare("responses_3xx", monitor.Count, "HTTP/1.x responses with a 3xx status")
	Responses4xx = declare("responses_4xx", monitor.Count, "HTTP/1.x responses with a 4xx status")
	Responses5xx = declare("responses_5xx", monitor.Count, "HTTP/1.x responses with a 5xx status")
	IdleClosed   = declare("idle_closed", monitor.Count, "connections closed by the idle timeout (Config.IdleTimeout)")
	Rejected     = declare("rejected", monitor.Count, "connections closed at accept: their address was over Config.MaxConnRate")
)

// Dist is one of the latency distributions a monitored Proxy records,
// declared in the same table as the events (see Dists): NewMonitor
// declares them on the Monitor (monitor.WithDistributions), and the
// Proxy records each value with one monitor.Conn.Record.
type Dist struct{ idx int }

// distTable holds the distributions in the order they are declared.
var distTable []distDecl

type distDecl struct{ name, doc string }

// declareDist adds a distribution to the table, as declare adds an
// event.
func declareDist(name, doc string) Dist {
	distTable = append(distTable, distDecl{name, doc})
	return Dist{idx: len(distTable) - 1}
}

// The distributions a monitored Proxy records, in the order NewMonitor
// declares them. The clock is read once when a request line is read,
// once when a status line is read, and twice per connection (around the
// dial): nothing else on the forwarding path reads it.
var (
	// ResponseTime is the time from a request's first bytes, forwarded to
	// the upstream, to its response's first bytes back (an interim 1xx
	// response if one comes first), as HAProxy's Tr: the upstream's
	// response time as the proxy sees it, network included. Pipelined
	// requests are each paired with their response in order (see
	// proxy/http1.Timer); requests whose connection ends before a
	// response, and the traffic after counting stops, are not timed.
	ResponseTime = declareDist("response_time", "from a request's first byte forwarded upstream to its response's first byte back")
	// ConnectTime is the time the dial to the upstream took, for each
	// client connection, as HAProxy's Tc. A failed dial is not timed: it
	// counts as an error.
	ConnectTime = declareDist("connect_time", "the dial to the upstream of each connection (failed dials are errors, not timed)")
)

// Name returns the distribution's name on the Monitor, such as
// "response_time".
func (d Dist) Name() string { return distTable[d.idx].name }

// String returns the distribution's name and what it measures.
func (d Dist) String() string { return distTable[d.idx].name + ": " + distTable[d.idx].doc }

// Dists returns the distributions a monitored Proxy records, in the
// order NewMonitor declares them.
func Dists() []Dist {
	ds := make([]Dist, len(distTable))
	for i := range distTable {
		ds[i] = Dist{idx: i}
	}
	return ds
}

// distNames returns the names of the distributions, in order.
func distNames() []string {
	ns := make([]string, len(distTable))
	for i, d := range distTable {
		ns[i] = d.name
	}
	return ns
}

// Name returns the event's name on the Monitor, such as "requests".
func (e Event) Name() string { return table[e.idx].name }

// Unit returns what the event counts: monitor.Bytes for bytes_in and
// bytes_out, monitor.Count for the others.
func (e Event) Unit() monitor.Unit { return table[e.idx].unit }

// String returns the event's name and what it counts, as the table
// says: "requests: HTTP/1.x requests the client sent".
func (e Event) String() string { return table[e.idx].name + ": " + table[e.idx].doc }

// Events returns the events a monitored Proxy counts, in the order
// NewMonitor declares them.
func Events() []Event {
	evs := make([]Event, len(table))
	for i := range table {
		evs[i] = Event{idx: i}
	}
	return evs
}

// names returns the names of the events, in order.
func names() []string {
	ns := make([]string, len(table))
	for i, d := range table {
		ns[i] = d.name
	}
	return ns
}

// NewMonitor returns a Monitor named protocol with the events of Events,
// by their names, each with its Unit (so opts must not give bytes_in and
// bytes_out one), and the distributions of Dists, ready for
// Config.Monitor.
func NewMonitor(protocol string, opts ...monitor.Option) (*monitor.Monitor, error) {
	var bytes []string
	for _, d := range table {
		if d.unit == monitor.Bytes {
			bytes = append(bytes, d.name)
		}
	}
	opts = append([]monitor.Option{monitor.WithUnit(monitor.Bytes, bytes...), monitor.WithDistributions(distNames()...)}, opts...)
	return monitor.New(protocol, names(), opts...)
}

// bindings holds the handles of every event on one Monitor, by idx.
type bindings []monitor.Event

// bind resolves every event on m; it fails if m lacks one.
func bind(m *monitor.Monitor) (bindings, error) {
	b := make(bindings, len(table))
	for i, d := range table {
		ev, err := m.Event(d.name)
		if err != nil {
			return nil, fmt.Errorf("proxy: %w", err)
		}
		b[i] = ev
	}
	return b, nil
}

// distBindings holds the handles of every distribution on one Monitor,
// by idx.
type distBindings []monitor.Dist

// bindDists resolves every distribution on m, or returns nil if m lacks
// one: the Proxy then times nothing.
func bindDists(m *monitor.Monitor) distBindings {
	b := make(distBindings, len(distTable))
	for i, d := range distTable {
		h, err := m.Dist(d.name)
		if err != nil {
			return nil
		}
		b[i] = h
	}
	return b
}

// of returns the handle of d.
func (b distBindings) of(d Dist) monitor.Dist { return b[d.idx] }

// of returns the handle of e.
func (b bindings) of(e Event) monitor.Event { return b[e.idx] }

// response returns the handle of the event of a response with the given
// status code, 100 to 599.
func (b bindings) response(status int) monitor.Event {
	return b[Responses1xx.idx+status/100-1]
}
