package monitor_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// BenchmarkSnapshotConns measures a snapshot that lists connections, at
// 100k and 1M open connections with four events each, for the default
// limit and the highest, sorted by id (the default), by an event's rate
// and by its total. Besides ns/op and the allocations, it reports
// cpu-ms/op: the process's CPU time (user and system, all threads, the
// garbage collector's included) per snapshot, where the platform tells it.
func BenchmarkSnapshotConns(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		var m *monitor.Monitor
		setup := func(b *testing.B) {
			if m == nil {
				m = benchConns(b, n)
			}
		}
		for _, limit := range []int{monitor.DefaultConnLimit, monitor.MaxConnLimit} {
			for _, sort := range []string{"id", "req", "total:req"} {
				name := fmt.Sprintf("conns=%dk/limit=%d/sort=%s", n/1000, limit, sort)
				b.Run(name, func(b *testing.B) {
					setup(b)
					q := monitor.Query{Conns: true, SortBy: sortKey(sort), Desc: true, Limit: limit}
					if got := m.Snapshot(q).Protocols[0]; got.OpenMatched != n || len(got.Open) != min(limit, n) {
						b.Fatalf("matched %d, listed %d", got.OpenMatched, len(got.Open))
					}
					b.ReportAllocs()
					cpu0 := cpuTime()
					for b.Loop() {
						_ = m.Snapshot(q)
					}
					if cpu := cpuTime() - cpu0; cpu > 0 {
						b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
					}
				})
			}
		}
	}
}

// benchConns returns a monitor with n open connections, each with some
// events in the last second.
func benchConns(b *testing.B, n int) *monitor.Monitor {
	b.Helper()
	clock := ring.NewManualClock()
	m, err := monitor.New("bench", benchEvents, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Close)
	req, resp := m.MustEvent("req"), m.MustEvent("resp")
	for i := range n {
		c := m.Open("10.0." + strconv.Itoa(i>>16) + "." + strconv.Itoa(i&0xffff))
		c.Add(req, uint64(i*7919%1000))
		c.Add(resp, uint64(i%13))
		if i%(n/20) == 0 {
			clock.Advance(ring.Tick)
		}
	}
	return m
}
