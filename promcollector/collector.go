// Package promcollector exposes hitrate monitors to a Prometheus registry
// of github.com/prometheus/client_golang. It lives in its own module so
// that the core module does not depend on client_golang: programs that
// serve monitor/web's /metrics, or call exposition.Write, do not
// need it.
//
// The collector exposes the metric families of exposition.Families (the
// list is there), with the same names, types, help texts, labels and
// values as exposition.Write, which /metrics serves.
package promcollector

import (
	"fmt"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
	"github.com/prometheus/client_golang/prometheus"
)

// family is an exposition.Family with its descriptor.
type family struct {
	exposition.Family
	desc *prometheus.Desc
	typ  prometheus.ValueType
}

// families are exposition.Families, the table that exposition.Write writes
// too, with their descriptors.
var families = func() []family {
	var fs []family
	for _, f := range exposition.Families() {
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
// connections, at each Collect and turns it into constant metrics. Its
// Describe sends the descriptors of every family, whatever src holds, so
// a registry takes one collector of New: to expose several monitors,
// register one collector of a monitor.Group of them:
//
//	prometheus.MustRegister(promcollector.New(group))
//
// A second collector of New in the same registry, even of another
// monitor, is refused with a prometheus.AlreadyRegisteredError (whose
// ExistingCollector is the first collector: taking it in place of the
// second, as that error's documentation suggests for equal collectors,
// would expose the first Source only).
//
// As with exposition.Write, each event goes to the families of
// its unit, invalid UTF-8 in a name is replaced by U+FFFD, and a protocol
// whose name, so written, came earlier in the snapshot, or an event whose
// name, so written, came earlier in its protocol, is left out, so that no
// series comes twice (see exposition.Family.Samples). Counts are sent as float64, exact up to 2^53.
// Each latency distribution is a constant histogram
// (prometheus.NewConstHistogram) of the family hitrate_latency_seconds,
// with the bounds, cumulative counts, count and sum that exposition.Write
// writes (see exposition.Families).
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
		if f.PerDist {
			collectHistograms(ch, f, s)
			continue
		}
		for smp := range f.Samples(s) {
			m, err := prometheus.NewConstMetric(f.desc, f.typ, smp.Value.Float64(), smp.LabelValues...)
			if err != nil {
				m = prometheus.NewInvalidMetric(f.desc, err)
			}
			ch <- m
		}
	}
}

// collectHistograms sends the histograms of the histogram family f: a
// constant client_golang histogram per distribution, with the cumulative
// counts at its bounds, its count and its sum.
func collectHistograms(ch chan<- prometheus.Metric, f family, s monitor.Snapshot) {
	for h := range f.Histograms(s) {
		buckets := make(map[float64]uint64, len(h.Bounds))
		for i, b := range h.Bounds {
			buckets[b] = h.Buckets[i]
		}
		m, err := prometheus.NewConstHistogram(f.desc, h.Count, h.Sum, buckets, h.LabelValues...)
		if err != nil {
			m = prometheus.NewInvalidMetric(f.desc, err)
		}
		ch <- m
	}
}

// snapshot reads the Source through exposition.Read: a panic is an
// error.
func (c *collector) snapshot() (monitor.Snapshot, error) {
	s, err := exposition.Read(c.src, monitor.Query{})
	if err != nil {
		return s, fmt.Errorf("promcollector: %w", err)
	}
	return s, nil
}
