// Package promcollector exposes hitrate monitors to a Prometheus registry
// of github.com/prometheus/client_golang. It lives in its own module so
// that the core module does not depend on client_golang: programs that
// serve monitor/web's /metrics, or call monitor.WritePrometheus, do not
// need it.
//
// The collector exposes the metric families of monitor.Families, with the
// same names, types, help texts, labels and values as
// monitor.WritePrometheus:
//
//	hitrate_events_total{protocol,event}          counter, events whose unit is Events
//	hitrate_event_rate{protocol,event}            gauge, a convenience: prefer rate() over the counter
//	hitrate_event_peak_rate{protocol,event}       gauge
//	hitrate_bytes_total{protocol,event}           counter, events whose unit is Bytes
//	hitrate_bytes_rate{protocol,event}            gauge, bytes per second: prefer rate() over the counter
//	hitrate_bytes_peak_rate{protocol,event}       gauge, bytes per second
//	hitrate_connections{protocol}                 gauge, open now
//	hitrate_connections_peak{protocol}            gauge
//	hitrate_connections_opened_total{protocol}    counter
package promcollector

import (
	"fmt"

	"github.com/hitrate/hitrate/monitor"
	"github.com/prometheus/client_golang/prometheus"
)

// family is a monitor.Family with its descriptor.
type family struct {
	monitor.Family
	desc *prometheus.Desc
	typ  prometheus.ValueType
}

// families are monitor.Families, the table that WritePrometheus writes
// too, with their descriptors.
var families = func() []family {
	var fs []family
	for _, f := range monitor.Families() {
		typ := prometheus.GaugeValue
		if f.Type == "counter" {
			typ = prometheus.CounterValue
		}
		fs = append(fs, family{Family: f, desc: prometheus.NewDesc(f.Name, f.Help, f.Labels(), nil), typ: typ})
	}
	return fs
}()

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
// As with monitor.WritePrometheus, each event goes to the families of
// its unit, invalid UTF-8 in a name is replaced by U+FFFD, and a protocol
// whose name, so written, came earlier in the snapshot, or an event whose
// name, so written, came earlier in its protocol, is left out, so that no
// series comes twice (see monitor.Family.Samples). Counts are sent as float64, exact up to 2^53.
// If src panics, Collect sends an invalid metric carrying the panic, so
// that the registry's Gather returns an error instead of crashing the
// program.
func New(src monitor.Source) prometheus.Collector {
	return &collector{src: src}
}

// Describe sends the descriptors of the families.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range families {
		ch <- f.desc
	}
}

// Collect sends the metrics of one snapshot of the Source.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s, err := c.snapshot()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(families[0].desc, err)
		return
	}
	for _, f := range families {
		for smp := range f.Samples(s) {
			m, err := prometheus.NewConstMetric(f.desc, f.typ, smp.Value.Float64(), smp.LabelValues...)
			if err != nil {
				m = prometheus.NewInvalidMetric(f.desc, err)
			}
			ch <- m
		}
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
