// Package monitor counts the events of a protocol (a proxy's HTTP, Redis,
// ... traffic) and their per-second rates, protocol-wide and per open
// connection, at nanosecond cost on the event path, and takes snapshots
// of them for pages, JSON and metrics.
//
// Usage:
//
//  1. At setup, make a Monitor per protocol with New, naming its events,
//     and resolve each event name once to an Event handle with
//     Monitor.Event (or MustEvent in a package-level var). Names are
//     checked here, with clear errors, so that nothing on the event path
//     can fail.
//  2. For events outside any connection, call Monitor.Log or Monitor.Add.
//  3. When a connection opens, call Monitor.Open with a label (its remote
//     address) and keep the returned Conn, a small value, with the
//     connection's state. Log events with Conn.Log or Conn.Add: they count
//     for the connection and for the protocol. Call Conn.Close when the
//     connection ends; it is idempotent, and events logged on a closed
//     Conn still count for the protocol.
//  4. Read the numbers with Monitor.Snapshot, or Group.Snapshot for
//     several monitors at once; an HTTP handler turns its URL query into
//     a Query with ParseQuery. PublishExpvar publishes a Source in
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
// with four events holds about 480 bytes.
//
// # Events that cannot be counted
//
// Nothing on the event path panics. The zero Event, or an Event resolved
// by another Monitor, is dropped and counted in Monitor.Dropped; the zero
// Conn and a nil *Monitor count nothing.
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
// # HTTP
//
// NewHandler serves a Source over HTTP; nothing is registered until you
// mount it, under a prefix with http.StripPrefix if you like. Its page
// ("/") shows a card per protocol, with each event's total, rate, peak
// rate and a sparkline of the last minute, the connection counts, and a
// sortable, filterable list of open connections; it renders on the server
// and then refreshes itself every second from "/json", the Snapshot as
// JSON. Both take ParseQuery's parameters. "/metrics" is the Prometheus
// text exposition that WritePrometheus writes; the module
// github.com/hitrate/hitrate/promcollector gives the same metrics to a
// client_golang registry.
package monitor
