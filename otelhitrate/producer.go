package otelhitrate

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

const (
	// LatencyPrefix starts the name of each distribution's histogram: the
	// histogram of distribution "response_time" is
	// "hitrate.latency.response_time".
	LatencyPrefix = "hitrate.latency."
	// ScopeName is the instrumentation scope of the metrics a Producer
	// produces.
	ScopeName = "github.com/hitrate/hitrate/otelhitrate"
)

// Producer produces the latency distributions of a monitor.Source as
// OpenTelemetry histograms: a sdkmetric.Producer, to hand to a reader
// with sdkmetric.WithProducer. OpenTelemetry has no asynchronous
// histogram instrument, so the distributions, which hitrate has already
// aggregated, cannot come through a callback as the counters of Register
// do; a Producer passes aggregated data to the SDK's readers as it is.
// Make one with NewProducer.
type Producer struct {
	src monitor.Source

	mu     sync.Mutex             // serializes Produce
	starts map[series]seriesStart // the StartTime of each series of the last Produce; under mu
}

// series names a data point: its protocol and distribution, as written.
type series struct{ proto, dist string }

// seriesStart is a series' StartTime and the count it last had.
type seriesStart struct {
	start time.Time
	count uint64
}

var _ sdkmetric.Producer = (*Producer)(nil)

// NewProducer returns a Producer of src's distributions. It takes one
// snapshot to check the names: it fails when src is nil (a nil
// *monitor.Monitor included), when a monitor.Group holds a nil monitor,
// when src panics, or when a distribution's histogram name would not be
// a valid OpenTelemetry instrument name (LatencyPrefix plus the name, at
// most 255 bytes of [A-Za-z0-9_./-]). A source without distributions is
// no error: its Producer produces nothing.
//
//	reader := sdkmetric.NewPeriodicReader(exporter, sdkmetric.WithProducer(p))
func NewProducer(src monitor.Source) (*Producer, error) {
	if err := checkSource("NewProducer", src); err != nil {
		return nil, err
	}
	s, err := snapshot(src)
	if err != nil {
		return nil, fmt.Errorf("otelhitrate: NewProducer: %w", err)
	}
	for _, p := range s.Protocols {
		for _, d := range p.Dists {
			if err := checkInstrumentName(LatencyPrefix + d.Name); err != nil {
				return nil, fmt.Errorf("otelhitrate: NewProducer: protocol %q, distribution %q: %w", p.Name, d.Name, err)
			}
		}
	}
	return &Producer{src: src, starts: make(map[series]seriesStart)}, nil
}

// Produce returns, from one src.Snapshot(monitor.Query{}), one
// cumulative metricdata.Histogram[float64] per distribution name, named
// LatencyPrefix plus the name, in unit "s", with a data point per
// protocol that has it (attribute protocol): Bounds are
// latency.ExportBounds in seconds (nominal: each counts at the fine
// bucket edge nearest to it, within 0.97%; see exposition.Families),
// BucketCounts the count of each bucket (not cumulative, the last one
// above the last bound), Count, Sum (seconds) and Max since the monitor
// was made; Min is not kept. StartTime is when the monitor was made
// (the snapshot's time less its uptime) as the series' first collection
// finds it; later collections keep it, as OpenTelemetry asks of a
// cumulative series (a new StartTime reads as a reset), until its count
// goes down (a new monitor under the protocol's name), which starts it
// again. A series that a collection leaves out (its monitor left the
// Source) is forgotten, so that what the Producer keeps is bounded by the
// series of one snapshot: if it comes back, its StartTime is found again,
// as for a new series. Time is the snapshot's time.
//
// As with Register, there is one histogram per distribution name, not one
// with a distribution attribute: merging response times with connect
// times makes no sense. Invalid UTF-8 in a protocol name is replaced by
// U+FFFD; a protocol whose name, so written, came earlier, or a
// distribution whose name came earlier in its protocol, is left out; a
// distribution whose name is no valid instrument name (possible only
// from a Source of your own) is left out too. The data is cumulative
// whatever temporality the reader prefers: the SDK passes a Producer's
// data through unchanged. If src panics, Produce returns the error and no
// metrics. It is safe to call concurrently (calls run one at a time).
func (p *Producer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	// One at a time, so that the series' counts are seen in the order of
	// the snapshots (see start).
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := snapshot(p.src)
	if err != nil {
		return nil, fmt.Errorf("otelhitrate: %w", err)
	}
	var metrics []metricdata.Metrics
	index := make(map[string]int) // distribution name -> its metrics entry
	// The series of this snapshot, with their StartTimes: what p.starts
	// becomes, forgetting the series left out.
	starts := make(map[series]seriesStart, len(p.starts))
	for h := range latencyFamily.Histograms(s) {
		proto, name := h.LabelValues[0], h.LabelValues[1]
		i, ok := index[name]
		if !ok {
			if checkInstrumentName(LatencyPrefix+name) != nil {
				continue
			}
			i = len(metrics)
			index[name] = i
			metrics = append(metrics, metricdata.Metrics{
				Name:        LatencyPrefix + name,
				Description: fmt.Sprintf("Latency distribution %q since the monitor was made.", name),
				Unit:        "s",
				Data:        metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality},
			})
		}
		dp := metricdata.HistogramDataPoint[float64]{
			Attributes:   attribute.NewSet(ProtocolKey.String(proto)),
			Time:         s.Time,
			Count:        h.Count,
			Bounds:       h.Bounds,
			BucketCounts: make([]uint64, len(h.Bounds)+1),
			Sum:          h.Sum,
		}
		var prev uint64
		for k, c := range append(h.Buckets, h.Count) {
			if c > prev {
				dp.BucketCounts[k] = c - prev
				prev = c
			}
		}
		if pr, d := distOf(s, proto, name); pr != nil {
			dp.StartTime = p.start(starts, series{proto, name}, s.Time.Add(-pr.Uptime), h.Count)
			if d.Total.Count > 0 {
				dp.Max = metricdata.NewExtrema(d.Total.Max.Seconds())
			}
		}
		hist := metrics[i].Data.(metricdata.Histogram[float64])
		hist.DataPoints = append(hist.DataPoints, dp)
		metrics[i].Data = hist
	}
	p.starts = starts
	if len(metrics) == 0 {
		return nil, nil
	}
	return []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: ScopeName}, Metrics: metrics}}, nil
}

// start returns the StartTime of a series whose count is now count and
// whose monitor was made at made by this snapshot, and keeps it in next:
// the one it had in the last Produce, unless it is new or its count went
// down. p.mu must be held.
func (p *Producer) start(next map[series]seriesStart, k series, made time.Time, count uint64) time.Time {
	st, ok := p.starts[k]
	if !ok || count < st.count {
		st.start = made
	}
	st.count = count
	next[k] = st
	return st.start
}

// latencyFamily is the exposition's histogram family, whose Histograms
// give the series (deduplicated as every exporter does).
var latencyFamily = func() exposition.Family {
	for _, f := range exposition.Families() {
		if f.PerDist {
			return f
		}
	}
	panic("otelhitrate: the exposition has no histogram family")
}()

// distOf returns the first protocol of s written proto and its first
// distribution written name.
func distOf(s monitor.Snapshot, proto, name string) (*monitor.Protocol, *monitor.DistStats) {
	for i := range s.Protocols {
		p := &s.Protocols[i]
		if exposition.ValidUTF8(p.Name) != proto {
			continue
		}
		for j := range p.Dists {
			if exposition.ValidUTF8(p.Dists[j].Name) == name {
				return p, &p.Dists[j]
			}
		}
		return nil, nil
	}
	return nil, nil
}
