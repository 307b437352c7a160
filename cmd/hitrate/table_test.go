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
