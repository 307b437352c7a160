// Package promcollector exposes hitrate monitors to a Prometheus registry
// of github.com/prometheus/client_golang. It lives in its own module so
// that the core module does not depend on client_golang: programs that
// serve monitor.NewHandler's /metrics, or call monitor.WritePrometheus, do
// not need it.
//
// The collector exposes the same metric families, with the same names,
// types, help texts and labels, as monitor.WritePrometheus:
//
//	hitrate_events_total{protocol,event}          counter
//	hitrate_event_rate{protocol,event}            gauge, a convenience: prefer rate() over the counter
//	hitrate_event_peak_rate{protocol,event}       gauge
//	hitrate_connections{protocol}                 gauge, open now
//	hitrate_connections_peak{protocol}            gauge
//	hitrate_connections_opened_total{protocol}    counter
package promcollector

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hitrate/hitrate/monitor"
	"github.com/prometheus/client_golang/prometheus"
)

// The descriptors of the collector's families; keep them in step with
// monitor.WritePrometheus (a test compares the two).
var (
	eventsTotal = prometheus.NewDesc("hitrate_events_total",
		"Events counted since the monitor was made.",
		[]string{"protocol", "event"}, nil)
	eventRate = prometheus.NewDesc("hitrate_event_rate",
		"Events per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_events_total[...]) in queries and alerts.",
		[]string{"protocol", "event"}, nil)
	eventPeakRate = prometheus.NewDesc("hitrate_event_peak_rate",
		"Highest events per second seen, by the once-a-second sampler or any read.",
		[]string{"protocol", "event"}, nil)
	connections = prometheus.NewDesc("hitrate_connections",
		"Connections open now.",
		[]string{"protocol"}, nil)
	connectionsPeak = prometheus.NewDesc("hitrate_connections_peak",
		"Highest number of connections open at once.",
		[]string{"protocol"}, nil)
	connectionsOpened = prometheus.NewDesc("hitrate_connections_opened_total",
		"Connections opened since the monitor was made.",
		[]string{"protocol"}, nil)
)

// collector is the prometheus.Collector of New.
type collector struct {
	src monitor.Source
}

// New returns a prometheus.Collector that takes a snapshot of src, without
// connections, at each Collect and turns it into constant metrics. Register
// it once per Source:
//
//	prometheus.MustRegister(promcollector.New(group))
//
// As with monitor.WritePrometheus, a protocol whose name came earlier in
// the snapshot, or an event whose name came earlier in its protocol, is
// left out, and invalid UTF-8 in a name is replaced by U+FFFD. Counts are
// sent as float64, exact up to 2^53. If src panics, Collect sends an
// invalid metric carrying the panic, so that the registry's Gather returns
// an error instead of crashing the program.
func New(src monitor.Source) prometheus.Collector {
	return &collector{src: src}
}

// Describe sends the descriptors of the six families.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{eventsTotal, eventRate, eventPeakRate, connections, connectionsPeak, connectionsOpened} {
		ch <- d
	}
}

// Collect sends the metrics of one snapshot of the Source.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s, err := c.snapshot()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(eventsTotal, err)
		return
	}
	send := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
		m, err := prometheus.NewConstMetric(d, t, v, labels...)
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
	seen := make(map[string]bool, len(s.Protocols))
	for _, p := range s.Protocols {
		if seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		proto := validUTF8(p.Name)
		events := make(map[string]bool, len(p.Events))
		for _, e := range p.Events {
			if events[e.Name] {
				continue
			}
			events[e.Name] = true
			ev := validUTF8(e.Name)
			send(eventsTotal, prometheus.CounterValue, float64(e.Total), proto, ev)
			send(eventRate, prometheus.GaugeValue, e.Rate, proto, ev)
			send(eventPeakRate, prometheus.GaugeValue, e.PeakRate, proto, ev)
		}
		send(connections, prometheus.GaugeValue, float64(p.Conns.Current), proto)
		send(connectionsPeak, prometheus.GaugeValue, float64(p.Conns.Peak), proto)
		send(connectionsOpened, prometheus.CounterValue, float64(p.Conns.Total), proto)
	}
}

// snapshot calls the Source, turning a panic into an error.
func (c *collector) snapshot() (s monitor.Snapshot, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("promcollector: Source.Snapshot panicked: %v", v)
		}
	}()
	if c.src == nil {
		return s, fmt.Errorf("promcollector: nil Source")
	}
	return c.src.Snapshot(monitor.Query{}), nil
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
