package proxy

import (
	"fmt"

	"github.com/hitrate/hitrate/monitor"
)

// Event is one of the events a monitored Proxy counts. The events are the
// variables of type Event below, declared in one table: its name, unit
// and meaning there make Events, NewMonitor's units and the Proxy's
// bindings, and the help of "hitrate proxy" lists them (from Events),
// as godoc does (from the table).
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
// by their names,
// ready for Config.Monitor, each with its Unit (so opts must not give
// bytes_in and bytes_out one).
func NewMonitor(protocol string, opts ...monitor.Option) (*monitor.Monitor, error) {
	var bytes []string
	for _, d := range table {
		if d.unit == monitor.Bytes {
			bytes = append(bytes, d.name)
		}
	}
	opts = append([]monitor.Option{monitor.WithUnit(monitor.Bytes, bytes...)}, opts...)
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

// of returns the handle of e.
func (b bindings) of(e Event) monitor.Event { return b[e.idx] }

// response returns the handle of the event of a response with the given
// status code, 100 to 599.
func (b bindings) response(status int) monitor.Event {
	return b[Responses1xx.idx+status/100-1]
}
