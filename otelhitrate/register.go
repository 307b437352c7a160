package otelhitrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The names, units and descriptions of the instruments Register makes.
const (
	// EventPrefix starts the name of each event's counter: the counter of
	// event "requests" is "hitrate.event.requests".
	EventPrefix = "hitrate.event."
	// ConnectionsName names the up-down counter of open connections.
	ConnectionsName = "hitrate.connections"
	// ConnectionsOpenedName names the counter of connections opened.
	ConnectionsOpenedName = "hitrate.connections.opened"
	// ProtocolKey is the attribute that holds the monitor's name.
	ProtocolKey = attribute.Key("protocol")

	connUnit = "{connection}"
)

// maxInstrumentName is the longest instrument name OpenTelemetry accepts.
const maxInstrumentName = 255

// unit returns the UCUM unit of an event's counter, by the exposition's
// unit rule: "By" for an event whose unit is monitor.Bytes, "{event}" for
// the others.
func unit(e monitor.EventStats) string {
	n, _ := exposition.Units(e.Unit)
	return n.UCUM
}

// description returns the description of an event's counter, naming what
// its unit counts by the exposition's unit rule.
func description(e monitor.EventStats) string {
	n, _ := exposition.Units(e.Unit)
	return fmt.Sprintf("%s %q counted since the monitor was made.", n.Noun, e.Name)
}

// Register makes the instruments of the package documentation on meter
// and registers one callback that observes them all from a single
// src.Snapshot(monitor.Query{}) at each collection. Unregister the
// returned Registration to stop it: the instruments then report nothing.
// Register once per Source and Meter.
//
// Register takes one snapshot itself, to learn the protocols and events:
// a Monitor's events are fixed when it is made, and so are a Group's
// monitors. A protocol or event that a Source of your own adds later is
// not exported. As with exposition.Write, invalid UTF-8 in a
// protocol name is replaced by U+FFFD, and a protocol whose name, so
// written, came earlier in the snapshot, or an event whose name came
// earlier in its protocol, is left out. An event's counter has the unit of
// the event's monitor.Unit: "By" for monitor.Bytes, "{event}" otherwise.
//
// Register fails, making nothing, when meter or src is nil (a nil
// *monitor.Monitor included), when a monitor.Group holds a nil monitor,
// when the snapshot lists no protocol, when an event's instrument name
// would not be a valid OpenTelemetry instrument name (EventPrefix plus
// the event name, at most 255 bytes of [A-Za-z0-9_./-]), when two event
// names differ only in case (instrument names are case-insensitive), when
// two protocols give one event name different units, when src panics, or when meter fails to make an instrument or to register
// the callback.
//
// Totals are observed as int64: a total above math.MaxInt64 is observed
// as math.MaxInt64. If src panics during a collection, the callback
// returns an error carrying the panic and observes nothing, and the
// collection reports that error.
func Register(meter metric.Meter, src monitor.Source) (metric.Registration, error) {
	if meter == nil {
		return nil, errors.New("otelhitrate: Register: nil Meter")
	}
	if err := checkSource("Register", src); err != nil {
		return nil, err
	}
	s, err := snapshot(src)
	if err != nil {
		return nil, fmt.Errorf("otelhitrate: Register: %w", err)
	}
	if len(s.Protocols) == 0 {
		return nil, errors.New("otelhitrate: Register: the Source's snapshot lists no protocol")
	}

	r := &registration{
		src:       src,
		events:    make(map[string]metric.Int64ObservableCounter),
		protocols: make(map[string]metric.MeasurementOption),
	}
	folded := make(map[string]string)      // lower-cased instrument name -> event name
	units := make(map[string]monitor.Unit) // event name -> unit of its counter
	written := make(map[string]bool)       // protocol attribute values
	var instruments []metric.Observable
	for _, p := range s.Protocols {
		proto := exposition.ValidUTF8(p.Name)
		if written[proto] {
			continue // as an earlier protocol's: its series would come twice
		}
		written[proto] = true
		r.protocols[p.Name] = metric.WithAttributeSet(attribute.NewSet(ProtocolKey.String(proto)))
		inProto := make(map[string]bool, len(p.Events))
		for _, e := range p.Events {
			if inProto[e.Name] {
				continue // the first of its name in the protocol wins
			}
			inProto[e.Name] = true
			if u, ok := units[e.Name]; ok {
				if u != e.Unit {
					return nil, fmt.Errorf("otelhitrate: Register: event %q counts %s in protocol %q but %s in an earlier one, and its one counter has one unit", e.Name, e.Unit, p.Name, u)
				}
				continue
			}
			units[e.Name] = e.Unit
			name := EventPrefix + e.Name
			if err := checkInstrumentName(name); e.Name == "" || err != nil {
				if err == nil {
					err = errors.New("empty event name")
				}
				return nil, fmt.Errorf("otelhitrate: Register: protocol %q, event %q: %w", p.Name, e.Name, err)
			}
			low := strings.ToLower(name)
			if other, ok := folded[low]; ok {
				return nil, fmt.Errorf("otelhitrate: Register: events %q and %q differ only in case, and OpenTelemetry instrument names are case-insensitive", other, e.Name)
			}
			folded[low] = e.Name
			c, err := meter.Int64ObservableCounter(name,
				metric.WithUnit(unit(e)),
				metric.WithDescription(description(e)))
			if err != nil {
				return nil, fmt.Errorf("otelhitrate: Register: event %q: %w", e.Name, err)
			}
			r.events[e.Name] = c
			instruments = append(instruments, c)
		}
	}
	if r.conns, err = meter.Int64ObservableUpDownCounter(ConnectionsName,
		metric.WithUnit(connUnit),
		metric.WithDescription("Connections open now.")); err != nil {
		return nil, fmt.Errorf("otelhitrate: Register: %w", err)
	}
	if r.opened, err = meter.Int64ObservableCounter(ConnectionsOpenedName,
		metric.WithUnit(connUnit),
		metric.WithDescription("Connections opened since the monitor was made.")); err != nil {
		return nil, fmt.Errorf("otelhitrate: Register: %w", err)
	}
	instruments = append(instruments, r.conns, r.opened)
	reg, err := meter.RegisterCallback(r.observe, instruments...)
	if err != nil {
		return nil, fmt.Errorf("otelhitrate: Register: %w", err)
	}
	return reg, nil
}

// registration holds the instruments of one Register call.
type registration struct {
	src       monitor.Source
	events    map[string]metric.Int64ObservableCounter // by event name
	protocols map[string]metric.MeasurementOption      // the protocol attribute, by name
	conns     metric.Int64ObservableUpDownCounter
	opened    metric.Int64ObservableCounter
}

// observe is the callback: one snapshot, every instrument.
func (r *registration) observe(_ context.Context, o metric.Observer) error {
	s, err := snapshot(r.src)
	if err != nil {
		return fmt.Errorf("otelhitrate: %w", err)
	}
	seen := make(map[string]bool, len(s.Protocols))
	for _, p := range s.Protocols {
		attrs, ok := r.protocols[p.Name]
		if !ok || seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		events := make(map[string]bool, len(p.Events))
		for _, e := range p.Events {
			c, ok := r.events[e.Name]
			if !ok || events[e.Name] {
				continue
			}
			events[e.Name] = true
			o.ObserveInt64(c, clamp(e.Total), attrs)
		}
		o.ObserveInt64(r.conns, p.Conns.Current, attrs)
		o.ObserveInt64(r.opened, clamp(p.Conns.Total), attrs)
	}
	return nil
}

// checkSource rejects the nil Sources that would otherwise export nothing
// without a word; fn names the caller in the error.
func checkSource(fn string, src monitor.Source) error {
	switch v := src.(type) {
	case nil:
		return fmt.Errorf("otelhitrate: %s: nil Source", fn)
	case *monitor.Monitor:
		if v == nil {
			return fmt.Errorf("otelhitrate: %s: nil *monitor.Monitor", fn)
		}
	case monitor.Group:
		for i, m := range v {
			if m == nil {
				return fmt.Errorf("otelhitrate: %s: monitor %d of the Group is nil", fn, i)
			}
		}
	}
	return nil
}

// snapshot reads the Source through exposition.Read: a panic is an
// error.
func snapshot(src monitor.Source) (monitor.Snapshot, error) {
	return exposition.Read(src, monitor.Query{})
}

// checkInstrumentName applies OpenTelemetry's instrument name syntax:
// a letter, then at most 254 of [A-Za-z0-9_./-].
func checkInstrumentName(name string) error {
	if len(name) > maxInstrumentName {
		return fmt.Errorf("instrument name %q is longer than %d bytes", name, maxInstrumentName)
	}
	for i, c := range []byte(name) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			i > 0 && ('0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' || c == '/')
		if !ok {
			return fmt.Errorf("instrument name %q: OpenTelemetry allows only [A-Za-z0-9_./-]", name)
		}
	}
	return nil
}

// clamp converts a total to int64, saturating.
func clamp(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}
