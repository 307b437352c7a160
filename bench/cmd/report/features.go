package main

// The targets of the latency histograms, the keyed tables and the HTTP
// middleware (issues 18, 19 and 20), checked against the peer benchmarks
// of the bench module (the results file itself, not -core): each compares
// hitrate with the peers measured in the same run.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Contenders of the feature workloads.
const (
	latencyHitrate = "hitrate"
	keyedHitrate   = "keyed"
	keyedMutex     = "mutex-map"
	mwBare         = "bare"
	mwHitrate      = "httpcount"
	mwHitrateConn  = "httpcount-conn"
)

// latencyPeers are the histograms that are safe for concurrent use, which
// Record must beat.
var latencyPeers = []string{"hdr-mutex", "ddsketch-mutex", "vmetrics", "prom-classic", "prom-native", "otel"}

// middlewarePeers are the other ways to count a server's requests.
var middlewarePeers = []string{"promhttp", "otelhttp", "vm-by-hand"}

// featureRow starts a row for benchmark cell bench at -cpu p, not yet
// measured.
func featureRow(what, bench string, p int, goal string) TargetRow {
	return TargetRow{What: what, Bench: bench, CPU: strconv.Itoa(p), Goal: goal,
		Measured: verdictAbsent, Result: verdictAbsent}
}

// benchName names the benchmark of workload wl and contender c.
func benchName(wl, c string) string { return "`Benchmark" + wl + "/" + c + "`" }

// ratioTo checks the median time of (wl, num) over that of (wl, den) at p
// against limit.
func (res *Results) ratioTo(what, wl, num, den string, p int, limit float64) TargetRow {
	row := featureRow(what, benchName(wl, num)+" / "+benchName(wl, den), p, "≤ "+strconv.FormatFloat(limit, 'f', -1, 64)+"x")
	n, nok := res.center(key{wl, num, p})
	d, dok := res.center(key{wl, den, p})
	if !nok || !dok || d == 0 {
		return row
	}
	row.Measured = fmt.Sprintf("%.2fx (%s / %s ns)", n/d, ns(n), ns(d))
	row.Result = verdict(n/d, limit, false)
	return row
}

// timeTo checks the median time of (wl, c) at p against limitNs.
func (res *Results) timeTo(what, wl, c string, p int, limitNs float64) TargetRow {
	row := featureRow(what, benchName(wl, c), p, "≤ "+num(limitNs)+" ns")
	s, _, ok := res.summary(key{wl, c, p}, unitTime)
	if !ok {
		return row
	}
	row.Measured = ns(s.Center) + " ns ± " + s.PctRangeString()
	row.Result = verdict(s.Center*1e9, limitNs, false)
	return row
}

// unitTo checks the median of (wl, c)'s unit at p against limit.
func (res *Results) unitTo(what, wl, c, unit string, p int, limit float64) TargetRow {
	row := featureRow(what, benchName(wl, c), p, "≤ "+num(limit)+" "+unit)
	s, _, ok := res.summary(key{wl, c, p}, unit)
	if !ok {
		return row
	}
	row.Measured = num(s.Center) + " " + unit
	row.Result = verdict(s.Center, limit, false)
	return row
}

// cheapest checks that (wl, subject) costs less than every contender of
// peers at p, after subtracting the time of (wl, base) from each if base
// is not "" (what each adds to a bare run).
func (res *Results) cheapest(what, wl, subject, base string, peers []string, p int) TargetRow {
	row := featureRow(what, benchName(wl, subject)+" against "+strings.Join(peers, ", "), p, "the cheapest")
	sub, ok := res.center(key{wl, subject, p})
	if !ok {
		return row
	}
	var b float64
	if base != "" {
		if b, ok = res.center(key{wl, base, p}); !ok {
			return row
		}
	}
	best, bestName := 0.0, ""
	for _, c := range peers {
		if v, ok := res.center(key{wl, c, p}); ok && (bestName == "" || v < best) {
			best, bestName = v, c
		}
	}
	if bestName == "" {
		return row
	}
	if base != "" {
		row.Measured = fmt.Sprintf("+%s ns; the cheapest peer, %s: +%s ns", ns(sub-b), bestName, ns(best-b))
	} else {
		row.Measured = fmt.Sprintf("%s ns; the cheapest peer, %s: %s ns", ns(sub), bestName, ns(best))
	}
	row.Result = verdict(sub, best, true)
	return row
}

// hasWorkload reports whether the results hold a workload named prefix or
// starting with prefix and a slash.
func (res *Results) hasWorkload(prefix string) bool {
	for _, wl := range res.workloads {
		if wl == prefix || strings.HasPrefix(wl, prefix+"/") {
			return true
		}
	}
	return false
}

// featureRows returns the target rows of the latency histograms, the
// keyed tables and the middleware, for the -cpu values in the results;
// none for a feature whose benchmarks the results lack (recorded before
// it).
func (res *Results) featureRows() []TargetRow {
	var rows []TargetRow
	has := func(p int) bool { return slices.Contains(res.procs, p) }
	if !res.hasWorkload("Latency") {
		has = func(int) bool { return false }
	}
	if has(1) {
		rows = append(rows, res.ratioTo("latency `Record`, one goroutine / `sync/atomic` Add", "Latency/seq", latencyHitrate, refAtomic, 1, 1.5))
	}
	if has(2) {
		rows = append(rows, res.ratioTo("latency `Record`, `RunParallel` on 2 CPUs / contended `sync/atomic` Add", "Latency/par", latencyHitrate, refAtomic, 2, 0.3))
	}
	for _, wl := range []string{"Latency/seq", "Latency/par"} {
		for _, p := range []int{1, 2} {
			if has(p) {
				rows = append(rows, res.cheapest("latency `Record` costs less than every concurrent-safe histogram", wl, latencyHitrate, "", latencyPeers, p))
			}
		}
	}
	if has(1) {
		rows = append(rows, res.timeTo("read p50, p90, p99, p99.9 and max over the last second", "LatencyRead", latencyHitrate, 1, 20000))
	}
	has = func(p int) bool { return slices.Contains(res.procs, p) && res.hasWorkload("KeyedCount") }
	if has(1) {
		rows = append(rows, res.timeTo("keyed: count an event of a resident key, 100k keys, uniform", "KeyedCount/keys=100000/uniform", keyedHitrate, 1, 40))
	}
	if has(2) {
		rows = append(rows, res.ratioTo("keyed: count, 100k keys, uniform, `RunParallel` on 2 CPUs / mutex-guarded map", "KeyedCountParallel/keys=100000/uniform", keyedHitrate, keyedMutex, 2, 0.5))
	}
	if has(1) {
		rows = append(rows, res.timeTo("keyed: a rate decision (`Rate` and compare), 100k keys", "KeyedDecide/keys=100000/uniform", "rate", 1, 60))
		rows = append(rows, res.unitTo("keyed: memory per key with 4 events, everything included", "KeyedMemory/keys=100000", "events=4", "B/key", 1, 256))
		rows = append(rows, res.timeTo("keyed: top 10 by rate, 1M keys, Zipf", "KeyedTop10/keys=1000000", "zipf", 1, 1e6))
	}
	has = func(p int) bool { return slices.Contains(res.procs, p) && res.hasWorkload("Middleware") }
	for _, p := range []int{1, 2} {
		if has(p) {
			rows = append(rows, res.cheapest("HTTP middleware: the fewest ns added per request (counts and response times for the protocol)", "Middleware", mwHitrate, mwBare, middlewarePeers, p))
			rows = append(rows, res.cheapest("HTTP middleware: the fewest ns added per request, counted per connection too", "Middleware", mwHitrateConn, mwBare, middlewarePeers, p))
		}
	}
	if has(1) {
		row := featureRow("HTTP middleware: allocations added per request, counted per connection", benchName("Middleware", mwHitrateConn)+" − "+benchName("Middleware", mwBare), 1, "0 allocs")
		if a, _, ok := res.summary(key{"Middleware", mwHitrateConn, 1}, unitAllocs); ok {
			if b, _, ok := res.summary(key{"Middleware", mwBare, 1}, unitAllocs); ok {
				row.Measured = num(a.Center-b.Center) + " allocs"
				row.Result = verdict(a.Center-b.Center, 0, false)
			}
		}
		rows = append(rows, row)
	}
	return rows
}
