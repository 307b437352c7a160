// Package otelhitrate exposes hitrate monitors as OpenTelemetry metrics,
// through the API of go.opentelemetry.io/otel/metric. It lives in its own
// module so that the core module does not depend on OpenTelemetry.
//
// Register reads a monitor.Source (a *monitor.Monitor, a monitor.Group,
// or a Source of your own) through the same path as the stats page and
// the promcollector module: one Snapshot without connections. It makes
// these asynchronous instruments, each with one attribute, protocol (the
// monitor's name):
//
//	hitrate.event.<event>        Int64ObservableCounter, unit {event}, or By for an event whose unit is monitor.Bytes: the event's total since the monitor was made
//	hitrate.connections          Int64ObservableUpDownCounter, unit {connection}: connections open now
//	hitrate.connections.opened   Int64ObservableCounter, unit {connection}: connections opened since the monitor was made
//
// There is one counter per event name, not one counter with an event
// attribute: OpenTelemetry expects the sum over an attribute to make
// sense, and requests plus errors (or plus bytes) does not, while the sum
// over protocols does. It is also what lets each event carry its own unit.
// Two monitors with an event of the same name share its counter and are
// told apart by protocol. There are no per-connection attributes, so the
// number of series is bounded by protocols times events.
//
// Counters are cumulative totals; the SDK derives deltas for exporters
// that want delta temporality. hitrate's own one-second rate and peak
// rate are not exported: a backend computes rates from the counters (in
// PromQL, rate(hitrate_event_requests_total[1m])).
//
// All instruments are observed in one callback, from one snapshot, so a
// collection never mixes two moments: the totals of one collection are
// those of a single Source.Snapshot call.
//
// # Latency distributions
//
// OpenTelemetry has no asynchronous histogram instrument: a histogram is
// fed value by value (Float64Histogram.Record), while hitrate has already
// aggregated its distributions (see monitor.WithDistributions). So they
// come through the SDK's other door, a Producer (sdkmetric.Producer),
// which hands aggregated data to a reader at each collection:
//
//	p, err := otelhitrate.NewProducer(group)
//	reader := sdkmetric.NewPeriodicReader(exporter, sdkmetric.WithProducer(p))
//
// It produces, from one snapshot per collection, in scope ScopeName:
//
//	hitrate.latency.<distribution>   Histogram[float64], cumulative, unit s: the distribution since the monitor was made
//
// with a data point per protocol (attribute protocol): the bounds of the
// Prometheus histogram (latency.ExportBounds in seconds, nominal: each
// counts at the fine bucket edge nearest to it, within 0.97%), the count
// of each bucket, count, sum and max; no min. As with events, there is
// one histogram per distribution name, not one with a distribution
// attribute. A Producer works only with the SDK (go.opentelemetry.io/otel/sdk/metric),
// not through the API's Meter, and its data is cumulative whatever
// temporality the exporter prefers.
package otelhitrate
