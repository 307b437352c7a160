package main

// The Scaling to N cores section: the hot path's benchmarks at -cpu
// 1,2,4,8,16 on a larger machine, as bench/device.sh records them (one file
// per test binary: shard, monitor and bench), beside the sync/atomic,
// padded-atomic and xsync references of the same files.

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Scaling holds the results of one bench/device.sh run: the core
// packages' files (shard, monitor) and the bench module's (peers).
type Scaling struct {
	Core  *Core    // the shard and monitor files, together
	Peers *Results // the bench module's file
	Paths []string // the files, as the document names them
}

// ParseScaling reads the files of one bench/device.sh run. Files whose
// results name a "pkg" of the bench module are read as peers, the others
// as core results; paths are the names the document gives them.
func ParseScaling(files, paths []string) (*Scaling, error) {
	sc := &Scaling{Core: &Core{config: map[string]string{}, samples: map[coreKey]map[string][]float64{}}, Paths: paths}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		if strings.Contains(string(b), "\npkg: github.com/hitrate/hitrate/bench\n") {
			res, err := Parse(strings.NewReader(string(b)), file)
			if err != nil {
				return nil, err
			}
			sc.Peers = res
			continue
		}
		c, err := ParseCore(strings.NewReader(string(b)), file)
		if err != nil {
			return nil, err
		}
		sc.Core.merge(c)
	}
	if len(sc.Core.samples) == 0 && sc.Peers == nil {
		return nil, fmt.Errorf("scaling: no benchmark results in %s", strings.Join(files, ", "))
	}
	return sc, nil
}

// merge adds the samples and configuration of o to c.
func (c *Core) merge(o *Core) {
	for k, v := range o.config {
		if _, ok := c.config[k]; !ok {
			c.config[k] = v
		}
	}
	for k, m := range o.samples {
		c.samples[k] = m
	}
	for _, p := range o.procs {
		if !slices.Contains(c.procs, p) {
			c.procs = append(c.procs, p)
		}
	}
	slices.Sort(c.procs)
}

// spread returns the largest run over the median of one benchmark's time
// at GOMAXPROCS p: how far its worst run strays from the typical one.
func (c *Core) spread(pkg, name string, p int) (float64, bool) {
	vals := c.samples[coreKey{pkg, name, p}][unitTime]
	s, ok := summarize(vals)
	if !ok || s.Center == 0 {
		return 0, false
	}
	return slices.Max(vals) / s.Center, true
}

// scalingRows are the rows of the scaling table: a benchmark of the core
// files, and the reference it is divided by.
var scalingRows = []struct{ what, pkg, name, ref string }{
	{"`sync/atomic` Add, one goroutine", "shard", "AtomicAdd", ""},
	{"`shard.Counter.Inc`, one goroutine", "shard", "CounterInc", "AtomicAdd"},
	{"`sync/atomic` Add, `RunParallel`", "shard", "AtomicAddParallel", ""},
	{"`shard.Counter.Inc`, `RunParallel`", "shard", "CounterIncParallel", "AtomicAddParallel"},
	{"`monitor.Monitor.Log`, `RunParallel`", "monitor", "MonitorLogParallel", "AtomicAddParallel"},
	{"`monitor.Conn.Log`, one goroutine", "monitor", "ConnLog", "AtomicAdd"},
	{"`monitor.Conn.Log`, a connection per goroutine", "monitor", "ConnLogParallel", "AtomicAddParallel"},
	{"padded atomics, proxy pattern (reference)", "monitor", "ProxyPadded", ""},
	{"`monitor.Conn`, proxy pattern", "monitor", "ConnProxy", "ProxyPadded"},
}

// parallelRef is the package of a row's reference: AtomicAddParallel is
// in the shard file only.
func parallelRef(pkg, ref string) string {
	if ref == "AtomicAddParallel" || ref == "AtomicAdd" {
		return "shard"
	}
	return pkg
}

// scalingSection writes the Scaling to N cores section.
func scalingSection(w io.Writer, sc *Scaling) {
	c := sc.Core
	cores := c.config["hitrate-cores"]
	if cores == "" && sc.Peers != nil {
		cores = sc.Peers.config["hitrate-cores"]
	}
	fmt.Fprintf(w, "## Scaling to %s cores\n\n", orUnknown(cores))
	cpu := c.config["hitrate-cpu-model"]
	if cpu == "" && sc.Peers != nil {
		cpu = sc.Peers.config["hitrate-cpu-model"]
	}
	links := make([]string, len(sc.Paths))
	for i, p := range sc.Paths {
		links[i] = "[" + p + "](" + p + ")"
	}
	fmt.Fprintf(w, "The hot path on a larger machine, %s, %s cores (commit %s; `%s`), recorded by `bench/device.sh` in %s. ",
		orUnknown(cpu), orUnknown(cores), orUnknown(c.config["hitrate-commit"]), orUnknown(c.config["hitrate-run"]), strings.Join(links, ", "))
	fmt.Fprintln(w, "Median ns/op at each -cpu; in parallel workloads ns/op is wall time shared by all goroutines, so perfect scaling halves it each time the CPUs double. In italics, the ratio to the reference named in the first column (same file, same -cpu; below 1 is faster). The proxy pattern is 64 connections, each written by two goroutines, one per direction, each logging its own events; its reference does the same with padded `sync/atomic` counters.")
	fmt.Fprintln(w)
	procs := c.procs
	if len(procs) == 0 && sc.Peers != nil {
		procs = sc.Peers.procs
	}
	head := make([]string, len(procs))
	for i, p := range procs {
		head[i] = "-cpu " + strconv.Itoa(p)
	}
	fmt.Fprintf(w, "| benchmark | %s |\n", strings.Join(head, " | "))
	fmt.Fprintf(w, "| --- |%s\n", strings.Repeat(" ---: |", len(procs)))
	for _, r := range scalingRows {
		what := r.what
		if r.ref != "" {
			what += " / `" + r.ref + "`"
		}
		cells := make([]string, len(procs))
		any := false
		for i, p := range procs {
			s, ok := c.summary(r.pkg, r.name, p, unitTime)
			cells[i] = "—"
			if !ok {
				continue
			}
			any = true
			cells[i] = ns(s.Center)
			if r.ref != "" {
				d, dok := c.summary(parallelRef(r.pkg, r.ref), r.ref, p, unitTime)
				cells[i] += " *" + ratio(s.Center, d.Center, dok) + "*"
			}
		}
		if any {
			fmt.Fprintf(w, "| %s | %s |\n", what, strings.Join(cells, " | "))
		}
	}
	fmt.Fprintln(w)
	if p := sc.Peers; p != nil {
		scalingPeers(w, p)
	}
	rows := scalingTargets(c)
	if len(rows) > 0 {
		fmt.Fprintln(w, "Issue 9's goals that this machine can check, and the stability of the proxy pattern (its slowest run over its median, at each -cpu):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, tally(rows))
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| target | benchmark | -cpu | measured | goal | result |")
		fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | --- |")
		for _, r := range rows {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.What, r.Bench, r.CPU, r.Measured, r.Goal, r.Result)
		}
		fmt.Fprintln(w)
	}
}

// scalingPeers writes the bench module's Inc and ProxyPattern workloads at
// each -cpu: hitrate's contenders beside sync/atomic and xsync.
func scalingPeers(w io.Writer, res *Results) {
	procs := res.procs
	head := make([]string, len(procs))
	for i, p := range procs {
		head[i] = "-cpu " + strconv.Itoa(p)
	}
	fmt.Fprintln(w, "The same machine, the bench module's workloads (median ns/op; in italics the ratio to `atomic` in the same workload and -cpu):")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| workload / contender | %s |\n", strings.Join(head, " | "))
	fmt.Fprintf(w, "| --- |%s\n", strings.Repeat(" ---: |", len(procs)))
	for _, wl := range res.workloads {
		if wl == "Inc/seq" {
			continue // one goroutine: the core table's one-goroutine rows say it
		}
		for _, ct := range res.contenders {
			cells := make([]string, len(procs))
			any := false
			for i, p := range procs {
				v, ok := res.center(key{wl, ct, p})
				cells[i] = "—"
				if !ok {
					continue
				}
				any = true
				cells[i] = ns(v)
				if ct != refAtomic {
					a, aok := res.center(key{wl, refAtomic, p})
					cells[i] += " *" + ratio(v, a, aok) + "*"
				}
			}
			if any {
				fmt.Fprintf(w, "| %s / %s | %s |\n", wl, ct, strings.Join(cells, " | "))
			}
		}
	}
	fmt.Fprintln(w)
}

// scalingTargets checks issue 9's goals on the larger machine: Inc at the
// highest -cpu at most 0.05x sync/atomic, the proxy pattern at most 3x its
// padded reference at every -cpu, and its slowest run at most 1.5x its
// median at every -cpu.
func scalingTargets(c *Core) []TargetRow {
	if len(c.procs) == 0 {
		return nil
	}
	var rows []TargetRow
	hi := c.procs[len(c.procs)-1]
	if hi > 2 {
		r := c.ratioRow(fmt.Sprintf("`shard.Counter.Inc` / `sync/atomic` Add, `RunParallel` on %d CPUs", hi),
			"shard", "CounterIncParallel", "AtomicAddParallel", hi, 0.05)
		rows = append(rows, r)
	}
	rows = append(rows, c.acrossRow("proxy pattern: `monitor.Conn` / padded atomics, per event", "monitor", "ConnProxy",
		func(p int) (float64, bool) {
			n, nok := c.summary("monitor", "ConnProxy", p, unitTime)
			d, dok := c.summary("monitor", "ProxyPadded", p, unitTime)
			return n.Center / d.Center, nok && dok && d.Center > 0
		}, "x", 3, "BenchmarkProxyPadded"))
	rows = append(rows, c.acrossRow("proxy pattern: slowest run / median", "monitor", "ConnProxy",
		func(p int) (float64, bool) { return c.spread("monitor", "ConnProxy", p) }, "", 1.5, ""))
	return rows
}

// acrossRow checks that value(p) is at most limit at every GOMAXPROCS p
// of the file, in one row that lists each.
func (c *Core) acrossRow(what, pkg, name string, value func(p int) (float64, bool), unit string, limit float64, ref string) TargetRow {
	bench := benchCell(pkg, name)
	if ref != "" {
		bench += " / `" + ref + "`"
	}
	row := TargetRow{What: what, Bench: bench, Goal: "≤ " + strconv.FormatFloat(limit, 'f', -1, 64) + unit,
		Measured: verdictAbsent, Result: verdictAbsent}
	var cpus, vals []string
	worst, found := 0.0, false
	for _, p := range c.procs {
		v, ok := value(p)
		if !ok || math.IsNaN(v) {
			continue
		}
		cpus = append(cpus, strconv.Itoa(p))
		vals = append(vals, fmt.Sprintf("%.2f%s", v, unit))
		worst, found = max(worst, v), true
	}
	if !found {
		row.CPU = verdictAbsent
		return row
	}
	row.CPU = strings.Join(cpus, ", ")
	row.Measured = strings.Join(vals, ", ")
	row.Result = verdict(worst, limit, false)
	return row
}

// spreadRow checks that the slowest run of one benchmark at GOMAXPROCS p
// is at most limit times its median.
func (c *Core) spreadRow(what, pkg, name string, p int, limit float64) TargetRow {
	row := TargetRow{What: what, Bench: benchCell(pkg, name), CPU: strconv.Itoa(p),
		Goal: "≤ " + strconv.FormatFloat(limit, 'f', -1, 64), Measured: verdictAbsent, Result: verdictAbsent}
	s, ok := c.spread(pkg, name, p)
	if !ok {
		return row
	}
	n := len(c.samples[coreKey{pkg, name, p}][unitTime])
	row.Measured = fmt.Sprintf("%.2f (%d runs)", s, n)
	row.Result = verdict(s, limit, false)
	if math.IsNaN(s) {
		row.Result = verdictAbsent
	}
	return row
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
