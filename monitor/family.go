package monitor

import (
	"iter"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Family is one metric family of hitrate's Prometheus exposition: its
// name, help text, type and labels, and a value function that reads its
// samples from a Snapshot. WritePrometheus writes the families of
// Families, and the promcollector module hands the same families to a
// client_golang registry, so that both expose the same series.
type Family struct {
	// Name is the metric name, such as "hitrate_events_total".
	Name string
	// Help is the family's help text.
	Help string
	// Type is "counter" or "gauge".
	Type string
	// PerEvent reports whether the family has a series per event of a
	// protocol, labelled protocol and event, rather than one per protocol,
	// labelled protocol.
	PerEvent bool
	// Unit is, for a PerEvent family, the unit of the events it has
	// series for: each event goes to the families of its unit only, so
	// that no family mixes units. It is Count for the other families.
	Unit Unit

	// value returns the value of the series of p and, if PerEvent, e.
	value func(p *Protocol, e *EventStats) Value
}

// families is the table of the exposition, in the order it is written.
var families = [...]Family{
	{
		Name: "hitrate_events_total", Type: "counter", PerEvent: true,
		Help:  "Events counted since the monitor was made.",
		value: func(_ *Protocol, e *EventStats) Value { return countValue(e.Total) },
	},
	{
		Name: "hitrate_event_rate", Type: "gauge", PerEvent: true,
		Help:  "Events per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_events_total[...]) in queries and alerts.",
		value: func(_ *Protocol, e *EventStats) Value { return floatValue(e.Rate) },
	},
	{
		Name: "hitrate_event_peak_rate", Type: "gauge", PerEvent: true,
		Help:  "Highest events per second seen, by the once-a-second sampler or any read.",
		value: func(_ *Protocol, e *EventStats) Value { return floatValue(e.PeakRate) },
	},
	{
		Name: "hitrate_bytes_total", Type: "counter", PerEvent: true, Unit: Bytes,
		Help:  "Bytes counted since the monitor was made, by the events whose unit is bytes.",
		value: func(_ *Protocol, e *EventStats) Value { return countValue(e.Total) },
	},
	{
		Name: "hitrate_bytes_rate", Type: "gauge", PerEvent: true, Unit: Bytes,
		Help:  "Bytes per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_bytes_total[...]) in queries and alerts.",
		value: func(_ *Protocol, e *EventStats) Value { return floatValue(e.Rate) },
	},
	{
		Name: "hitrate_bytes_peak_rate", Type: "gauge", PerEvent: true, Unit: Bytes,
		Help:  "Highest bytes per second seen, by the once-a-second sampler or any read.",
		value: func(_ *Protocol, e *EventStats) Value { return floatValue(e.PeakRate) },
	},
	{
		Name: "hitrate_connections", Type: "gauge",
		Help:  "Connections open now.",
		value: func(p *Protocol, _ *EventStats) Value { return intValue(p.Conns.Current) },
	},
	{
		Name: "hitrate_connections_peak", Type: "gauge",
		Help:  "Highest number of connections open at once.",
		value: func(p *Protocol, _ *EventStats) Value { return intValue(p.Conns.Peak) },
	},
	{
		Name: "hitrate_connections_opened_total", Type: "counter",
		Help:  "Connections opened since the monitor was made.",
		value: func(p *Protocol, _ *EventStats) Value { return countValue(p.Conns.Total) },
	},
}

// Families returns the metric families of hitrate's Prometheus
// exposition, in the order WritePrometheus writes them:
//
//	hitrate_events_total{protocol,event}          counter, events whose unit is Count
//	hitrate_event_rate{protocol,event}            gauge, a convenience: prefer rate() over the counter
//	hitrate_event_peak_rate{protocol,event}       gauge
//	hitrate_bytes_total{protocol,event}           counter, events whose unit is Bytes
//	hitrate_bytes_rate{protocol,event}            gauge, bytes per second: prefer rate() over the counter
//	hitrate_bytes_peak_rate{protocol,event}       gauge, bytes per second
//	hitrate_connections{protocol}                 gauge, open now
//	hitrate_connections_peak{protocol}            gauge
//	hitrate_connections_opened_total{protocol}    counter
func Families() []Family {
	return append([]Family(nil), families[:]...)
}

// Labels returns the names of the family's labels: "protocol", then
// "event" if PerEvent.
func (f Family) Labels() []string {
	if f.PerEvent {
		return []string{"protocol", "event"}
	}
	return []string{"protocol"}
}

// Sample is one series of a Family: its label values and its value.
type Sample struct {
	// LabelValues holds the values of the family's Labels, in order:
	// valid UTF-8, with any invalid byte replaced by U+FFFD.
	LabelValues []string
	// Value is the series' value.
	Value Value
}

// Samples returns the series of f in s, protocol by protocol and, for a
// PerEvent family, event by event, keeping the events of the family's
// Unit. Connections are never series. No series comes twice: label values
// are compared as written (after invalid UTF-8 is replaced), and a
// protocol whose written name came earlier in s, or an event whose
// written name came earlier in its protocol, is left out, from every
// family. An event whose Unit is no Unit is in no family.
func (f Family) Samples(s Snapshot) iter.Seq[Sample] {
	return func(yield func(Sample) bool) {
		if f.value == nil {
			return
		}
		seen := make(map[string]bool, len(s.Protocols))
		var events map[string]bool
		for i := range s.Protocols {
			p := &s.Protocols[i]
			proto := validUTF8(p.Name)
			if seen[proto] {
				continue
			}
			seen[proto] = true
			if !f.PerEvent {
				if !yield(Sample{LabelValues: []string{proto}, Value: f.value(p, nil)}) {
					return
				}
				continue
			}
			clear(events)
			for j := range p.Events {
				e := &p.Events[j]
				name := validUTF8(e.Name)
				if len(p.Events) > 1 { // one event needs no map
					if events == nil {
						events = make(map[string]bool, len(p.Events))
					}
					if events[name] {
						continue
					}
					events[name] = true
				}
				if e.Unit != f.Unit {
					continue
				}
				if !yield(Sample{LabelValues: []string{proto, name}, Value: f.value(p, e)}) {
					return
				}
			}
		}
	}
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Value is the value of a Sample: a count, kept exact, or a float.
type Value struct {
	kind uint8 // valueFloat, valueUint or valueInt
	u    uint64
	i    int64
	f    float64
}

const (
	valueFloat = iota
	valueUint
	valueInt
)

func countValue(n uint64) Value  { return Value{kind: valueUint, u: n} }
func intValue(n int64) Value     { return Value{kind: valueInt, i: n} }
func floatValue(f float64) Value { return Value{kind: valueFloat, f: f} }

// Float64 returns the value as a float64: a count above 2^53 is rounded.
func (v Value) Float64() float64 {
	switch v.kind {
	case valueUint:
		return float64(v.u)
	case valueInt:
		return float64(v.i)
	}
	return v.f
}

// String returns the value as the Prometheus text format writes it: a
// count in full, a float in the shortest form that reads back the same,
// and NaN, +Inf or -Inf.
func (v Value) String() string {
	return string(v.appendText(nil))
}

func (v Value) appendText(b []byte) []byte {
	switch v.kind {
	case valueUint:
		return strconv.AppendUint(b, v.u, 10)
	case valueInt:
		return strconv.AppendInt(b, v.i, 10)
	}
	switch {
	case math.IsNaN(v.f):
		return append(b, "NaN"...)
	case math.IsInf(v.f, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v.f, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v.f, 'g', -1, 64)
}
