package gate

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// WriteTable writes r to w as a benchstat-style table, one block per
// package and unit, with the columns name, base (median ± 95% CI),
// head, delta, p, n and verdict, followed by one line per row that has
// a note (failures, warnings, missing benchmarks) and the Conclusion.
func (r *Report) WriteTable(w io.Writer) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	var lastPkg, lastUnit string
	for i, row := range r.Rows {
		if i == 0 || row.Pkg != lastPkg {
			if i > 0 {
				fmt.Fprintln(tw)
			}
			if row.Pkg != "" {
				fmt.Fprintf(tw, "pkg: %s\n", row.Pkg)
			}
			lastUnit = ""
		}
		if row.Unit != lastUnit {
			fmt.Fprintf(tw, "%s\tbase\thead\tdelta\tp\tn\tverdict\n", row.Unit)
		}
		lastPkg, lastUnit = row.Pkg, row.Unit

		p := "-"
		if !math.IsNaN(row.P) {
			p = fmt.Sprintf("%.3f", row.P)
		}
		n := fmt.Sprintf("%d+%d", row.NBase, row.NHead)
		if row.NBase == row.NHead {
			n = fmt.Sprint(row.NBase)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Name,
			fmtSummary(row.Base, row.NBase, row.Unit), fmtSummary(row.Head, row.NHead, row.Unit),
			signedPct(row.Delta), p, n, row.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Rows) == 0 {
		fmt.Fprintln(bw, "no benchmark results")
	}
	printed := make(map[string]bool)
	for _, row := range r.Rows {
		if row.Note == "" {
			continue
		}
		label := row.Verdict.String()
		if row.Verdict == Pass {
			label = "note"
		}
		// Missing benchmarks are reported once, not once per unit.
		line := fmt.Sprintf("%s: %s%s: %s", label, shortPkg(row.Pkg), row.Name, row.Note)
		if !strings.HasPrefix(row.Note, "missing in") {
			line = fmt.Sprintf("%s: %s%s %s: %s", label, shortPkg(row.Pkg), row.Name, row.Unit, row.Note)
		}
		if !printed[line] {
			printed[line] = true
			if len(printed) == 1 {
				fmt.Fprintln(bw)
			}
			fmt.Fprintln(bw, line)
		}
	}
	fmt.Fprintln(bw, r.Conclusion())
	return bw.Flush()
}

// shortPkg returns the last element of an import path followed by a
// space, or "" for no package.
func shortPkg(pkg string) string {
	if pkg == "" {
		return ""
	}
	return pkg[strings.LastIndexByte(pkg, '/')+1:] + " "
}

// fmtSummary formats a median and its confidence interval as
// benchstat does ("11.52n ± 1%").
func fmtSummary(s benchmath.Summary, n int, unit string) string {
	if n == 0 {
		return "missing"
	}
	return benchunit.Scale(s.Center, benchunit.ClassOf(unit)) + " ± " + s.PctRangeString()
}
