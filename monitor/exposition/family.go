package exposition

import (
	"iter"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hitrate/hitrate/monitor"
)

// Family is one metric family of hitrate's Prometheus exposition: its
// name, help text, type and labels, and a value function that reads its
// samples from a monitor.Snapshot. Write writes the families of Families,
// and the promcollector module hands the same families to a client_golang
// registry, so that both expose the same series.
type Family struct {
	// Name is the metric name, such as "hitrate_events_total".
	Name string
	// Help is the family's help text.
	Help string
	// Type is "counter", "gauge" or "histogram".
	Type string
	// PerEvent reports whether the family has a series per event of a
	// protocol, labelled protocol and event, rather than one per protocol,
	// labelled protocol.
	PerEvent bool
	// Unit is, for a PerEvent family, the unit of the events it has
	// series for: each event goes to the families of its unit only, so
	// that no family mixes units. It is Count for the other families.
	Unit monitor.Unit
	// PerDist reports whether the family is a histogram with a series per
	// latency distribution of a protocol (monitor.DistStats), labelled
	// protocol and distribution: its Type is "histogram", and Histograms,
	// not Samples, reads its series.
	PerDist bool

	// value returns the value of the series of p and, if PerEvent, e.
	value func(p *monitor.Protocol, e *monitor.EventStats) Value
}

// families is the table of the exposition, in the order it is written:
// the families of each unit's events (see unitFamilies), then those of
// the connections.
var families = append(unitFamilies(), []Family{
	{
		Name: "hitrate_connections", Type: "gauge",
		Help:  "Connections open now.",
		value: func(p *monitor.Protocol, _ *monitor.EventStats) Value { return intValue(p.Conns.Current) },
	},
	{
		Name: "hitrate_connections_peak", Type: "gauge",
		Help:  "Highest number of connections open at once.",
		value: func(p *monitor.Protocol, _ *monitor.EventStats) Value { return intValue(p.Conns.Peak) },
	},
	{
		Name: "hitrate_connections_opened_total", Type: "counter",
		Help:  "Connections opened since the monitor was made.",
		value: func(p *monitor.Protocol, _ *monitor.EventStats) Value { return countValue(p.Conns.Total) },
	},
	{
		Name: LatencyFamily, Type: "histogram", PerDist: true,
		Help: "Latency distributions since the monitor was made, in seconds. " +
			"Each le bound is nominal: values are counted at the fine bucket edge nearest to it, within 0.97%.",
	},
}...)

// LatencyFamily is the name of the histogram family of the latency
// distributions: hitrate_latency_seconds, written as the series
// hitrate_latency_seconds_bucket{protocol,distribution,le},
// hitrate_latency_seconds_sum and hitrate_latency_seconds_count.
const LatencyFamily = "hitrate_latency_seconds"

// unitFamilies returns the three families of each unit of the unit rule,
// in its order: the events' totals, rates and peak rates.
func unitFamilies() []Family {
	var fs []Family
	for u, n := range units {
		total := n.Noun + " counted since the monitor was made"
		if monitor.Unit(u) != monitor.Count {
			total += ", by the events whose unit is " + monitor.Unit(u).String()
		}
		fs = append(fs,
			Family{Name: n.Total, Type: "counter", PerEvent: true, Unit: monitor.Unit(u),
				Help:  total + ".",
				value: func(_ *monitor.Protocol, e *monitor.EventStats) Value { return countValue(e.Total) }},
			Family{Name: n.Rate, Type: "gauge", PerEvent: true, Unit: monitor.Unit(u),
				Help:  n.Noun + " per second over the last second, as hitrate measures it. A convenience: prefer rate(" + n.Total + "[...]) in queries and alerts.",
				value: func(_ *monitor.Protocol, e *monitor.EventStats) Value { return floatValue(e.Rate) }},
			Family{Name: n.Peak, Type: "gauge", PerEvent: true, Unit: monitor.Unit(u),
				Help:  "Highest " + strings.ToLower(n.Noun) + " per second seen, by the once-a-second sampler or any read.",
				value: func(_ *monitor.Protocol, e *monitor.EventStats) Value { return floatValue(e.PeakRate) }},
		)
	}
	return fs
}

// Families returns the metric families of hitrate's Prometheus
// exposition, in the order Write writes them. This is the list, written
// once (the other docs point here):
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
//	hitrate_latency_seconds{protocol,distribution} histogram, the latency distributions
//
// hitrate_latency_seconds is a classic Prometheus histogram of each
// distribution since start (monitor.DistTotal): _bucket{le=...} at the 23
// bounds of latency.ExportBounds (10µs, 25µs, 50µs, 100µs, 250µs, 500µs,
// 1ms, 2.5ms, 5ms, 10ms, 25ms, 50ms, 100ms, 250ms, 500ms, 1s, 2.5s, 5s,
// 10s, 30s, 60s, 300s, 3600s) and +Inf, then _sum (seconds) and _count.
// The le values are nominal: each bucket counts the values up to the
// edge of hitrate's fine buckets nearest to its bound, within 0.97% of it
// (see latency.Snapshot.Cumulative), so a value within 0.97% of a bound
// may be counted on its other side; no farther value ever is. For the
// 0.99 quantile of response_time over a minute, across protocols:
//
//	histogram_quantile(0.99, sum by (le) (rate(hitrate_latency_seconds_bucket{distribution="response_time"}[1m])))
func Families() []Family {
	return append([]Family(nil), families...)
}

// Labels returns the names of the family's labels: "protocol", then
// "event" if PerEvent or "distribution" if PerDist (a histogram's "le"
// is not among them).
func (f Family) Labels() []string {
	switch {
	case f.PerEvent:
		return []string{"protocol", "event"}
	case f.PerDist:
		return []string{"protocol", "distribution"}
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
// family. An event whose Unit is no Unit is in no family. A histogram
// family (PerDist) has no Samples: see Histograms.
func (f Family) Samples(s monitor.Snapshot) iter.Seq[Sample] {
	return func(yield func(Sample) bool) {
		if f.value == nil {
			return
		}
		seen := make(map[string]bool, len(s.Protocols))
		var events map[string]bool
		for i := range s.Protocols {
			p := &s.Protocols[i]
			proto := ValidUTF8(p.Name)
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
				name := ValidUTF8(e.Name)
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

// ValidUTF8 returns s with each run of invalid UTF-8 replaced by U+FFFD,
// as the exposition writes names: a label value, an attribute. It
// returns s itself when it is valid.
func ValidUTF8(s string) string {
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
