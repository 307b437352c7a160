// Package web serves hitrate's snapshots over HTTP: a live HTML stats
// page, JSON and the Prometheus text exposition. It uses only the
// exported API of package monitor, which itself imports no net/http:
// programs that only count need not link a web server.
//
// NewHandler returns an http.Handler for a monitor.Source (a Monitor, or
// a monitor.Group of several); nothing is registered until you mount it:
//
//	mux.Handle("/debug/hitrate/", http.StripPrefix("/debug/hitrate", web.NewHandler(group)))
//
// The page ("/") shows a card per protocol, with each event's total, rate,
// peak rate and a sparkline of the last minute, the connection counts,
// and a sortable, filterable list of open connections; an event whose
// unit is monitor.Bytes is shown in bytes with SI prefixes (B, kB, MB;
// kB/s for its rates), others as counts. The server renders
// it from one html/template, which is the only source of its markup: the
// page's script refreshes it every second by fetching the template's live
// part ("/fragment", rendered by the same template) and morphing the page
// into it. Without JavaScript, the page reloads every 5 seconds.
//
// "/json" is the monitor.Snapshot as JSON (each event with its "unit",
// each connection's events by "name"), and "/metrics" the Prometheus text
// exposition of monitor.WritePrometheus.
package web
