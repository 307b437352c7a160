package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
	"github.com/hitrate/hitrate/proxy"
)

// table prints a snapshot's rates compactly, one line per protocol: in
// place (ANSI cursor moves, lines clipped at the terminal's width) on a
// terminal, appended lines otherwise.
type table struct {
	w       io.Writer
	tty     bool
	start   time.Time
	drawn   int                      // lines drawn last time, on a terminal
	clients *keyed.Table[netip.Addr] // the proxy's clients, or nil
}

// newTable returns a table drawing on w; with clients, it also lists the
// top clients by request rate.
func newTable(w io.Writer, start time.Time, clients *keyed.Table[netip.Addr]) *table {
	return &table{w: w, tty: isTerminal(w), start: start, clients: clients}
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
	if t.clients != nil {
		lines = append(lines, formatClients(t.clients.Top(proxy.ClientRequests, web.TopClients, keyed.ByRate))...)
	}
	var b strings.Builder
	if t.tty {
		// No autowrap while drawing: a line wider than the terminal is
		// clipped, not wrapped onto rows that the move up would miss.
		b.WriteString("\x1b[?7l")
		if t.drawn > 0 {
			fmt.Fprintf(&b, "\x1b[%dA", t.drawn) // back to the first line
		}
		fmt.Fprintf(&b, "\r\x1b[2K  up %v   rates per second, over the last second\n", up)
		for _, l := range lines {
			b.WriteString("\r\x1b[2K  ")
			b.WriteString(l)
			b.WriteByte('\n')
		}
		b.WriteString("\x1b[J") // clear what is left of a longer table
		b.WriteString("\x1b[?7h")
		t.drawn = len(lines) + 1
	} else {
		for _, l := range lines {
			fmt.Fprintf(&b, "%5v  %s\n", up, l)
		}
	}
	io.WriteString(t.w, b.String())
}

// formatRows formats one row per protocol, with the columns of each event
// position aligned across rows, then the p50 and p99 of each
// distribution over the last second. Rates read as on the stats page (package
// internal/human): events per second, or bytes per second (1.2 kB/s) for
// an event whose unit is bytes.
func formatRows(ps []monitor.Protocol) []string {
	nameW, connW := 0, 1
	var evW []int // per event position: the width of "name value/s"
	cells := make([][]string, len(ps))
	for i, p := range ps {
		nameW = max(nameW, width(p.Name))
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
			evW[j] = max(evW[j], width(c))
		}
	}
	// Then, per distribution, its p50 and p99 over the last second.
	for i, p := range ps {
		for _, d := range p.Dists {
			j := len(cells[i])
			c := fmt.Sprintf("%s p50 %s p99 %s", d.Name, human.Latency(d.Second.P50), human.Latency(d.Second.P99))
			cells[i] = append(cells[i], c)
			if j == len(evW) {
				evW = append(evW, 0)
			}
			evW[j] = max(evW[j], width(c))
		}
	}
	rows := make([]string, len(ps))
	for i, p := range ps {
		var b strings.Builder
		fmt.Fprintf(&b, "%s  conns %*d", pad(p.Name, nameW), connW, p.Conns.Current)
		for j, c := range cells[i] {
			b.WriteString("  " + pad(c, evW[j]))
		}
		rows[i] = strings.TrimRight(b.String(), " ")
	}
	return rows
}

// wide are the runes a terminal gives two columns: the main blocks of the
// East Asian wide and fullwidth ones (CJK, Hangul, fullwidth forms) and
// of emoji.
var wide = [][2]rune{
	{0x1100, 0x115F}, {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF},
	{0x4E00, 0x9FFF}, {0xA000, 0xA4CF}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
	{0xFE10, 0xFE19}, {0xFE30, 0xFE6F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6},
	{0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF},
	{0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
}

// width returns the columns s takes on a terminal: 2 for a wide rune, 0
// for a combining mark or a format character (a zero-width joiner), 1
// for any other (names hold no control character: package naming). fmt's
// widths count runes and len bytes: neither aligns "µs" or a CJK name.
func width(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		case isWide(r):
			n += 2
		default:
			n++
		}
	}
	return n
}

func isWide(r rune) bool {
	for _, w := range wide {
		if r >= w[0] && r <= w[1] {
			return true
		}
	}
	return false
}

// pad returns s followed by spaces up to w columns (see width).
func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(w-width(s), 0))
}

// formatClients formats the top clients of the proxy's table, as rows
// after the protocols': a heading, then per client its address, its
// requests and connections per second and their totals, aligned.
func formatClients(rows []keyed.Row[netip.Addr]) []string {
	if len(rows) == 0 {
		return nil
	}
	addrW, reqW, connW := 0, 0, 0
	cells := make([][3]string, len(rows))
	for i, r := range rows {
		c := &cells[i]
		c[0] = r.Key.String()
		c[1] = fmt.Sprintf("requests %s/s (%s)", human.Float(r.Rates[proxy.ClientRequests]), human.Uint(r.Totals[proxy.ClientRequests]))
		c[2] = fmt.Sprintf("connections %s/s (%s)", human.Float(r.Rates[proxy.ClientConnections]), human.Uint(r.Totals[proxy.ClientConnections]))
		addrW, reqW, connW = max(addrW, len(c[0])), max(reqW, len(c[1])), max(connW, len(c[2]))
	}
	lines := []string{"top clients by request rate (totals in parentheses):"}
	for _, c := range cells {
		lines = append(lines, strings.TrimRight(fmt.Sprintf("  %-*s  %-*s  %-*s", addrW, c[0], reqW, c[1], connW, c[2]), " "))
	}
	return lines
}
