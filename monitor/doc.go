// Package monitor counts the events of a protocol (a proxy's HTTP, Redis,
// ... traffic) and their per-second rates, protocol-wide and per open
// connection, at nanosecond cost on the event path, and takes snapshots
// of them for pages, JSON and metrics. It imports no net/http and
// registers nothing: the stats page lives in monitor/web, and expvar
// publishing in monitor/expvarpub.
//
// Usage:
//
//  1. At setup, make a Monitor per protocol with New, naming its events,
//     and resolve each event name once to an Event handle with
//     Monitor.Event (or MustEvent in a package-level var). Names are
//     checked here, with clear errors, so that nothing on the event path
//     can fail. An event counts events unless WithUnit declares that it
//     counts bytes (monitor.Bytes): the page then shows it in B, kB, MB,
//     JSON carries its "unit", and Prometheus gets it in its own families
//     (see package monitor/exposition), so that no family mixes units.
//  2. For events outside any connection, call Monitor.Log or Monitor.Add.
//  3. When a connection opens, call Monitor.Open with a label (its remote
//     address) and keep the returned Conn, a small value, with the
//     connection's state. Log events with Conn.Log or Conn.Add: they count
//     for the connection and for the protocol. Call Conn.Close when the
//     connection ends; it is idempotent, and events logged on a closed
//     Conn still count for the protocol.
//  4. Read the numbers with Monitor.Snapshot, or Group.Snapshot for
//     several monitors at once. Package monitor/exposition writes a
//     Snapshot in the Prometheus text format; web.NewHandler (package
//     monitor/web) serves the stats page, turning its URL query into a
//     Query with web.ParseQuery; expvarpub.Publish publishes a Source in
//     package expvar.
//  5. Call Monitor.Close at the end, to stop the sampler goroutine.
//
// # Cost
//
// The event methods take an Event handle: no map lookup, no hashing, no
// lock and no allocation. Monitor.Log is one shard.Counter add: one
// atomic add while one core writes the event, a pinned per-P write (no
// atomic read-modify-write) once writers on several cores contend.
// Conn.Log adds one atomic add on the connection's cell of the event,
// which holds its exact total and its window in one, so two goroutines
// (a proxy's two directions) may log the same event exactly. An Open and a Close together allocate one registry entry of
// 48 bytes: a connection's counters are recycled through a sync.Pool, and
// each Conn carries the connection's id, which Close retires, so that a
// stale handle (one used after its Close returned) never counts on a
// recycled connection. Only an event racing with its own Close and, on
// the same recycled counters, the next Open, may land on the new
// connection: use a handle from one goroutine, or close it after its last
// event, as a proxy naturally does. An open connection
// with four events holds about 480 bytes, and each latency distribution
// adds 192 (its count and sum cells; a connection's cells are a whole
// number of 64-byte lines).
//
// # Events that cannot be counted
//
// Nothing on the event path panics. The zero Event, or an Event resolved
// by another Monitor, is dropped and counted in Monitor.Dropped; the zero
// Conn and a nil *Monitor count nothing. The same holds for the Dist
// handles of latency distributions.
//
// # Latency distributions
//
// WithDistributions declares a protocol's latency distributions
// ("response_time", "connect_time") at New, by names checked as event
// names are (see New); a distribution may share its name with an event,
// since they never meet: the snapshot lists them apart (Protocol.Events,
// Protocol.Dists), and they go to different metric families. Resolve
// each name once to a Dist with Monitor.Dist (or MustDist), and record
// durations with Conn.Record (for the connection and the protocol) or
// Monitor.Record (the protocol only). Both are lock-free and allocate
// nothing: the protocol's latency.Histogram records (see package
// latency: atomic adds on a bucket and a sum, or a per-P write once
// contended) and Conn.Record adds one atomic add on each of the
// connection's two counters of the distribution, its count and its sum
// (in microseconds). Negative durations count as 0, as package latency
// counts them.
//
// Each distribution is read per window in the snapshot (DistStats): over
// the last second (the oldest 100 ms slot weighted one half, as
// ring.Seed weighs it, whatever the estimator), the last 10 and 60
// seconds (from the sampler's
// intervals), each with count, rate, mean, p50, p90, p99, p99.9 and max;
// since start (DistTotal: exact count, sum, max, and the cumulative
// counts at latency.ExportBounds that the Prometheus histogram
// hitrate_latency_seconds exports); and the p50 and p99 of each of the
// last HistoryLen sampler intervals, for a chart. Every quantile is
// within 1% (0.97%) of the exact quantile of the values in its window,
// for values from latency.Min (1 µs) to latency.Max (1 h); values outside
// are clamped and counted as underflow and overflow (DistTotal). A
// connection keeps no histogram: ConnInfo.Dists gives its count and mean
// over the last second (weighted as its rates are) and its total count.
//
// A distribution costs about 250 KB (see package latency, "Memory") and
// 192 bytes per open connection. Sample (the sampler) closes each
// distribution's interval and keeps its p50 and p99; a snapshot reads
// four windows of each, about 10 µs a window, into pooled buffers.
//
// # Rates, peaks and history
//
// Rates are read from ring windows (see package ring) driven by a shared
// ring.Clock: ring.Default() unless WithClock names another, such as a
// ring.ManualClock in tests, which makes every number deterministic. Once
// a second a sampler goroutine per Monitor (none with WithManualSampling:
// call Sample yourself) records each event's rate in its history, the
// HistoryLen last samples, and raises its peak rate, which every read of
// the rate (Snapshot, PeakRate) raises too.
//
// # Connection summaries
//
// WithCloseHook gives the Monitor a function that Conn.Close calls once
// per connection, after the connection has left the list of open ones,
// with a ConnSummary: its id, name, open time, duration, the final total
// of every event, by name, and the count and mean of each distribution's
// values recorded on it, as HAProxy's log line has a session's timers (a
// close hook never runs on the event path). The totals are exact for every event logged on the handle before
// Close was called; an event racing with the Close may or may not be in
// them, and counts for the protocol either way. ConnSummary is a
// slog.LogValuer, for one structured log line per connection (as
// "hitrate proxy -log-conns" prints). Without a hook, Open and Close
// allocate nothing more than before.
//
// # Average rates over 10 s and 60 s
//
// Beside the live rate over the last second, each event has its average
// rate over each of AverageWindows, 10 s and 60 s (EventStats.Averages,
// Monitor.AverageRate), with no work per event: Sample also records each
// event's protocol-wide total and the clock's time, keeping as many
// records as the longest window has seconds, plus one, and an average is
// the difference of two totals, 10 (60) samples apart, over the time
// between them, so it is exact and moves once a second. Until 10 (60)
// samples have been taken it is over the time since New; Average.Span
// gives the seconds an average is actually over (0 before the first
// sample). For Prometheus, export the totals and let rate() average them;
// no gauge carries these averages.
//
// # Error bars
//
// Each protocol-wide 1 s rate comes with a 95% confidence interval,
// EventStats.RateLow to RateHigh, that treats the rate's count as a
// Poisson count over one second: the count is the estimator's weighted
// sum of the window's slots, that is Rate times 1 s (Seed counts the
// oldest 100 ms slot at half weight, Interpolated at 1-f; the interval
// is that of this count, a fractional count taken as it is). The interval
// is Garwood's exact one, from the gamma quantiles that invert the
// Poisson CDF, up to a count of 1000, and the Wilson–Hilferty normal
// approximation of the same quantiles above, which is within 0.001 events
// of it there. For 0 events the interval is 0 to 3.69/s; for 10, 4.8 to
// 18.4; for 100, 81.4 to 121.6; for 10000, 9805 to 10198. Connections'
// rates have no interval, nor have events whose unit is Bytes (their
// RateLow and RateHigh are 0, and absent from the JSON): bytes arrive in chunks of any size, so
// their count is not a Poisson count.
//
// # HTTP and metrics
//
// This package serves nothing. Package github.com/hitrate/hitrate/monitor/web
// has the http.Handler of a Source: a live HTML page ("/") with a card per
// protocol, JSON ("/json") and the Prometheus text exposition
// ("/metrics"). Package github.com/hitrate/hitrate/monitor/exposition
// holds that exposition: the table of metric families, the text writer
// and the unit rule, which the modules
// github.com/hitrate/hitrate/promcollector (a client_golang collector)
// and github.com/hitrate/hitrate/otelhitrate (OpenTelemetry) use too.
package monitor
