package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/monitor"
)

// table prints a snapshot's rates compactly, one line per protocol: in
// place (ANSI cursor moves) on a terminal, appended lines otherwise.
type table struct {
	w     io.Writer
	tty   bool
	start time.Time
	drawn int // lines drawn last time, on a terminal
}

func newTable(w io.Writer, start time.Time) *table {
	return &table{w: w, tty: isTerminal(w), start: start}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// draw prints s, taken at now.
func (t *table) draw(s monitor.Snapshot, now time.Time) {
	up := now.Sub(t.start).Round(time.Second)
	lines := formatRows(s.Protocols)
	var b strings.Builder
	if t.tty {
		if t.drawn > 0 {
			fmt.Fprintf(&b, "\x1b[%dA", t.drawn) // back to the first line
		}
		fmt.Fprintf(&b, "\r\x1b[2K  up %v   rates per second, over the last second\n", up)
		for _, l := range lines {
			b.WriteString("\r\x1b[2K  ")
			b.WriteString(l)
			b.WriteByte('\n')
		}
		t.drawn = len(lines) + 1
	} else {
		for _, l := range lines {
			fmt.Fprintf(&b, "%5v  %s\n", up, l)
		}
	}
	io.WriteString(t.w, b.String())
}

// formatRows formats one row per protocol, with the columns of each event
// position aligned across rows. Rates read as on the stats page (package
// internal/human): events per second, or bytes per second (1.2 kB/s) for
// an event whose unit is bytes.
func formatRows(ps []monitor.Protocol) []string {
	nameW, connW := 0, 1
	var evW []int // per event position: the width of "name value/s"
	cells := make([][]string, len(ps))
	for i, p := range ps {
		nameW = max(nameW, len(p.Name))
		connW = max(connW, len(fmt.Sprint(p.Conns.Current)))
		for j, e := range p.Events {
			c := e.Name + " " + human.Float(e.Rate) + "/s"
			if e.Unit == monitor.Bytes {
				c = e.Name + " " + human.ByteRate(e.Rate)
			}
			cells[i] = append(cells[i], c)
			if j == len(evW) {
				evW = append(evW, 0)
			}
			evW[j] = max(evW[j], len(c))
		}
	}
	rows := make([]string, len(ps))
	for i, p := range ps {
		var b strings.Builder
		fmt.Fprintf(&b, "%-*s  conns %*d", nameW, p.Name, connW, p.Conns.Current)
		for j, c := range cells[i] {
			fmt.Fprintf(&b, "  %-*s", evW[j], c)
		}
		rows[i] = strings.TrimRight(b.String(), " ")
	}
	return rows
}
