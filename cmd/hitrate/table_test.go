package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
)

// A protocol's distributions follow its events, with their p50 and p99
// over the last second.
func TestFormatRowsDists(t *testing.T) {
	rows := formatRows([]monitor.Protocol{
		{Name: "http", Conns: monitor.ConnCounts{Current: 2}, Events: []monitor.EventStats{{Name: "requests", Rate: 10}},
			Dists: []monitor.DistStats{
				{Name: "response_time", Second: monitor.DistWindow{P50: 3120 * time.Microsecond, P99: 151 * time.Millisecond}},
				{Name: "connect_time", Second: monitor.DistWindow{P50: 850 * time.Microsecond, P99: 1200 * time.Millisecond}},
			}},
		{Name: "dns", Conns: monitor.ConnCounts{Current: 1}, Events: []monitor.EventStats{{Name: "queries", Rate: 5}}},
	})
	want := []string{
		"http  conns 2  requests 10/s  response_time p50 3.12ms p99 151ms  connect_time p50 850µs p99 1.2s",
		"dns   conns 1  queries 5/s",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// Columns align by the width a terminal gives each rune: a µ is one
// column (two bytes), a CJK ideograph two, a combining accent none.
func TestFormatRowsWidths(t *testing.T) {
	rows := formatRows([]monitor.Protocol{
		{Name: "日本", Conns: monitor.ConnCounts{Current: 1}, Events: []monitor.EventStats{{Name: "requests", Rate: 10}},
			Dists: []monitor.DistStats{{Name: "rt", Second: monitor.DistWindow{P50: 850 * time.Microsecond, P99: time.Millisecond}}, {Name: "x"}}},
		{Name: "dns", Conns: monitor.ConnCounts{Current: 1}, Events: []monitor.EventStats{{Name: "queries", Rate: 5}},
			Dists: []monitor.DistStats{{Name: "rt", Second: monitor.DistWindow{P50: 2 * time.Millisecond, P99: 3 * time.Millisecond}}, {Name: "x"}}},
		{Name: "e\u0301", Conns: monitor.ConnCounts{Current: 1}, Events: []monitor.EventStats{{Name: "q", Rate: 1}}},
	})
	want := []string{
		"日本  conns 1  requests 10/s  rt p50 850µs p99 1ms  x p50 0 p99 0",
		"dns   conns 1  queries 5/s    rt p50 2ms p99 3ms    x p50 0 p99 0",
		"e\u0301     conns 1  q 1/s",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "tcp": 3, "850µs": 5, "日本": 4, "ｈｔｔｐ": 8, "e\u0301": 1, "a\u200db": 2, "🚀": 2} {
		if got := width(s); got != want {
			t.Errorf("width(%q) = %d, want %d", s, got, want)
		}
	}
}

// screen is as much of a terminal as the table uses: cols columns,
// autowrap (on unless ESC[?7l), \r, \n (as a tty's output, a new line at
// column 0), ESC[nA, ESC[2K and ESC[J; the rows below the first never
// scroll away.
type screen struct {
	cols     int
	rows     [][]rune
	row, col int
	nowrap   bool
}

func (s *screen) Write(p []byte) (int, error) {
	rs := []rune(string(p))
	for i := 0; i < len(rs); i++ {
		for s.row >= len(s.rows) {
			s.rows = append(s.rows, nil)
		}
		switch r := rs[i]; r {
		case '\r':
			s.col = 0
		case '\n':
			s.row, s.col = s.row+1, 0
		case '\x1b':
			j := i + 2 // after ESC [
			for j < len(rs) && (rs[j] == '?' || rs[j] >= '0' && rs[j] <= '9') {
				j++
			}
			arg := string(rs[i+2 : j])
			switch rs[j] {
			case 'A':
				n, _ := strconv.Atoi(arg)
				s.row = max(s.row-max(n, 1), 0)
			case 'K': // 2K: the whole row
				s.rows[s.row] = nil
			case 'J': // from the cursor to the end
				s.rows = s.rows[:s.row+1]
				s.rows[s.row] = s.rows[s.row][:min(s.col, len(s.rows[s.row]))]
			case 'l', 'h':
				if arg == "?7" {
					s.nowrap = rs[j] == 'l'
				}
			}
			i = j
		default:
			if s.col == s.cols {
				if s.nowrap {
					continue // clipped
				}
				s.row, s.col = s.row+1, 0
				for s.row >= len(s.rows) {
					s.rows = append(s.rows, nil)
				}
			}
			line := s.rows[s.row]
			for len(line) <= s.col {
				line = append(line, ' ')
			}
			line[s.col] = r
			s.rows[s.row], s.col = line, s.col+1
		}
	}
	return len(p), nil
}

// String returns the rows, without trailing blanks and empty last rows.
func (s *screen) String() string {
	var lines []string
	for _, r := range s.rows {
		lines = append(lines, strings.TrimRight(string(r), " "))
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// On a terminal narrower than its lines, the table still redraws in
// place: each line stays on one row (clipped), so that moving up as many
// rows as it drew lines reaches its first line.
func TestTableNarrowTerminal(t *testing.T) {
	scr := &screen{cols: 30}
	tab := &table{w: scr, tty: true, start: time.Now()}
	s := monitor.Snapshot{Protocols: []monitor.Protocol{
		{Name: "http", Events: []monitor.EventStats{{Name: "requests", Rate: 1}, {Name: "errors", Rate: 2}, {Name: "bytes_out", Rate: 3}}},
		{Name: "dns", Events: []monitor.EventStats{{Name: "queries", Rate: 4}}},
	}}
	for i := 1; i <= 3; i++ {
		tab.draw(s, tab.start.Add(time.Duration(i)*time.Second))
	}
	want := strings.Join([]string{
		"  up 3s   rates per second, ov",
		"  http  conns 0  requests 1/s",
		"  dns   conns 0  queries 4/s",
	}, "\n")
	if got := scr.String(); got != want {
		t.Errorf("the terminal shows\n%s\nwant\n%s", got, want)
	}
}
