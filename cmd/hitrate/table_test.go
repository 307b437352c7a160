package main

import (
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
