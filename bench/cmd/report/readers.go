package main

// The Cost per reader section: what one snapshot that lists connections
// costs at 100k and 1M open connections (monitor's BenchmarkSnapshotConns
// in the core results), so that a page view or a scrape stays bounded
// however many connections are open.

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// snapshotRE matches the names of BenchmarkSnapshotConns's sub-benchmarks.
var snapshotRE = regexp.MustCompile(`^SnapshotConns/conns=(\d+)k/limit=(\d+)/sort=(.+)$`)

// The units BenchmarkSnapshotConns reports besides time and allocations.
const unitCPUms = "cpu-ms/op"

// snapshotCase is one sub-benchmark of BenchmarkSnapshotConns.
type snapshotCase struct {
	name         string
	conns, limit int
	sort         string
}

// snapshotCases returns the SnapshotConns sub-benchmarks in c, by
// connections, limit and sort key.
func (c *Core) snapshotCases() []snapshotCase {
	var cs []snapshotCase
	for k := range c.samples {
		m := snapshotRE.FindStringSubmatch(k.name)
		if k.pkg != "monitor" || m == nil {
			continue
		}
		conns, _ := strconv.Atoi(m[1])
		limit, _ := strconv.Atoi(m[2])
		sc := snapshotCase{name: k.name, conns: conns * 1000, limit: limit, sort: m[3]}
		if !slices.Contains(cs, sc) {
			cs = append(cs, sc)
		}
	}
	slices.SortFunc(cs, func(a, b snapshotCase) int {
		if a.conns != b.conns {
			return a.conns - b.conns
		}
		if a.limit != b.limit {
			return a.limit - b.limit
		}
		return strings.Compare(a.sort, b.sort)
	})
	return cs
}

// mb formats bytes as MB (10^6 bytes), with a precision that suits them.
func mb(v float64) string {
	switch m := v / 1e6; {
	case m >= 10:
		return strconv.FormatFloat(m, 'f', 0, 64) + " MB"
	case m >= 0.1:
		return strconv.FormatFloat(m, 'f', 2, 64) + " MB"
	}
	return strconv.FormatFloat(v/1e3, 'f', 1, 64) + " kB"
}

// readersSection writes the Cost per reader section, if the core results
// have BenchmarkSnapshotConns.
func readersSection(w io.Writer, c *Core) {
	cases := c.snapshotCases()
	if len(cases) == 0 {
		return
	}
	p := c.procs[len(c.procs)-1]
	fmt.Fprintln(w, "## Cost per reader")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "What one snapshot that lists open connections costs (the stats page polls one a second per viewer): `monitor`'s `BenchmarkSnapshotConns`, four events per connection, at -cpu %d. The connections are selected in a bounded heap, O(N log limit) time and O(limit) memory; sorting by a rate reads every connection's window, by id or a total only a word. CPU is the process's CPU time per snapshot, the garbage collector's included. Medians of %d runs or more.\n\n", p, c.minRuns())
	fmt.Fprintln(w, "| open connections | limit | sort | time | CPU | allocated | allocs |")
	fmt.Fprintln(w, "| ---: | ---: | --- | ---: | ---: | ---: | ---: |")
	for _, sc := range cases {
		t, tok := c.summary("monitor", sc.name, p, unitTime)
		cpu, cok := c.summary("monitor", sc.name, p, unitCPUms)
		b, bok := c.summary("monitor", sc.name, p, unitBytes)
		a, aok := c.summary("monitor", sc.name, p, unitAllocs)
		cell := func(s string, ok bool) string {
			if !ok {
				return "—"
			}
			return s
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", thousands(sc.conns), sc.limit, sc.sort,
			cell(ms(t.Center*1e3), tok), cell(ms(cpu.Center), cok), cell(mb(b.Center), bok), cell(num(a.Center), aok))
	}
	fmt.Fprintln(w)
}

// ms formats milliseconds.
func ms(v float64) string {
	if v >= 10 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
}

// thousands formats n with thousands separators: 1,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// readerRows checks the default listing at 100k open connections (the
// default limit, sorted by id): at most 1 MB allocated and 20 ms of CPU
// per snapshot.
func (c *Core) readerRows() []TargetRow {
	const name = "SnapshotConns/conns=100k/limit=100/sort=id"
	p := c.procs[len(c.procs)-1]
	rows := []TargetRow{
		{What: "a default connection listing at 100k open connections: allocated", Bench: benchCell("monitor", name),
			CPU: strconv.Itoa(p), Goal: "≤ 1 MB", Measured: verdictAbsent, Result: verdictAbsent},
		{What: "a default connection listing at 100k open connections: CPU", Bench: benchCell("monitor", name),
			CPU: strconv.Itoa(p), Goal: "≤ 20 ms", Measured: verdictAbsent, Result: verdictAbsent},
	}
	if b, ok := c.summary("monitor", name, p, unitBytes); ok {
		rows[0].Measured, rows[0].Result = mb(b.Center), verdict(b.Center, 1e6, false)
	}
	if s, ok := c.summary("monitor", name, p, unitCPUms); ok {
		rows[1].Measured, rows[1].Result = ms(s.Center), verdict(s.Center, 20, false)
	}
	return rows
}
