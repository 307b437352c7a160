package monitor_test

import (
	"math"
	"testing"

	"github.com/hitrate/hitrate/monitor"
)

// TestQueryLimit holds Query.Limit's doc: 0 or less lists
// DefaultConnLimit connections, a Limit above MaxConnLimit lists
// MaxConnLimit at most, and any other Limit that many.
func TestQueryLimit(t *testing.T) {
	m, _ := newManual(t, "http", []string{"req"})
	const open = monitor.DefaultConnLimit + 5
	for range open {
		c := m.Open("c")
		defer c.Close()
	}
	for _, tt := range []struct{ limit, want int }{
		{0, monitor.DefaultConnLimit},
		{-1, monitor.DefaultConnLimit},
		{math.MinInt, monitor.DefaultConnLimit},
		{1, 1},
		{open - 1, open - 1},
		{monitor.MaxConnLimit + 1, open},
		{math.MaxInt, open},
	} {
		p := m.Snapshot(monitor.Query{Conns: true, Limit: tt.limit}).Protocols[0]
		if len(p.Open) != tt.want || p.OpenMatched != open {
			t.Errorf("Limit %d: listed %d of %d, want %d of %d", tt.limit, len(p.Open), p.OpenMatched, tt.want, open)
		}
	}
}
