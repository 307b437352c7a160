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
// The page ("/") shows a card per protocol: each event's total, its
// rate over the last second (with ± half its 95% interval where that is
// wide), its average rates over the last 10 s and 60 s (saying over how
// long while the monitor is younger), its peak rate and a sparkline; a
// chart of each event's last minute, with axes and the value under the
// pointer; the connection counts; and a filterable list of open
// connections, sortable by each event's rate or total and by each latency
// distribution's mean over the last second or count (the slowest
// connections first: sort=mean:response_time&desc). Options of
// NewHandler add a header of what the page watches (WithInfo, WithStart),
// and a "Top clients" card of a keyed table's busiest clients
// (WithClients, also in /json as "clients"; never in /metrics).
// The server renders it from one html/template, which is the only source
// of its markup: the page's script refreshes it every second by fetching
// the template's live part ("/fragment", rendered by the same template)
// and morphing the page into it. Without JavaScript, the page reloads
// every 5 seconds. Under 640 and 860 px wide, the event and connection
// tables become blocks and cards, so that no word wraps inside and
// nothing scrolls sideways. An event whose unit is monitor.Bytes is shown
// in bytes with SI prefixes (B, kB, MB; kB/s for its rates), others as
// counts.
//
// "/json" is the monitor.Snapshot as JSON (each event with its "unit",
// each connection's events by "name"), and "/metrics" the Prometheus text
// exposition of package monitor/exposition (exposition.Write).
package web
