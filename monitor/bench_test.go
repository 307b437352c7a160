package monitor_test

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// The sync/atomic reference sits beside the monitor benchmarks so that
// ratios are read from one run on one machine: the target is ConnLog at
// most 2.5x AtomicAdd.

var benchEvents = []string{"req", "resp", "err", "bytes"}

func benchMonitor(b *testing.B) (*monitor.Monitor, monitor.Event) {
	b.Helper()
	clock := ring.NewManualClock()
	m, err := monitor.New("bench", benchEvents, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Close)
	return m, m.MustEvent("req")
}

func BenchmarkAtomicAdd(b *testing.B) {
	var n atomic.Uint64
	b.ReportAllocs()
	for b.Loop() {
		n.Add(1)
	}
}

func BenchmarkConnLog(b *testing.B) {
	m, ev := benchMonitor(b)
	c := m.Open("10.0.0.1:4242")
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		c.Log(ev)
	}
}

func BenchmarkConnLogParallel(b *testing.B) {
	m, ev := benchMonitor(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := m.Open("client")
		defer c.Close()
		for pb.Next() {
			c.Log(ev)
		}
	})
}

func BenchmarkMonitorLog(b *testing.B) {
	m, ev := benchMonitor(b)
	b.ReportAllocs()
	for b.Loop() {
		m.Log(ev)
	}
}

func BenchmarkMonitorLogParallel(b *testing.B) {
	m, ev := benchMonitor(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Log(ev)
		}
	})
}

func BenchmarkOpenClose(b *testing.B) {
	m, _ := benchMonitor(b)
	b.ReportAllocs()
	for b.Loop() {
		m.Open("10.0.0.1:4242").Close()
	}
}

// BenchmarkConnMemory reports the heap held per open connection with four
// events, in B/conn: the heap growth over many Opens, after a GC, divided
// by their number.
func BenchmarkConnMemory(b *testing.B) {
	const n = 20000
	b.ReportAllocs()
	var per float64
	for b.Loop() {
		per = connMemory(b, n)
	}
	b.ReportMetric(per, "B/conn")
}

// connMemory opens n connections on a new monitor with four events and
// returns the heap they hold per connection.
func connMemory(tb testing.TB, n int) float64 {
	clock := ring.NewManualClock()
	m, err := monitor.New("mem", benchEvents, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		tb.Fatal(err)
	}
	defer m.Close()
	names := make([]string, n)
	for i := range names {
		names[i] = "10.0.0.1:" + strconv.Itoa(i)
	}
	conns := make([]monitor.Conn, n)
	var before, after runtime.MemStats
	// Twice: a sync.Pool keeps its objects through one GC, and a previous
	// call's monitor pooled its closed connections.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range conns {
		conns[i] = m.Open(names[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
	for _, c := range conns {
		c.Close()
	}
	runtime.KeepAlive(conns)
	runtime.KeepAlive(names)
	return per
}

func BenchmarkSnapshot(b *testing.B) {
	m, ev := benchMonitor(b)
	for i := range 1000 {
		c := m.Open("10.0.0." + strconv.Itoa(i))
		c.Add(ev, uint64(i))
	}
	q := monitor.Query{Conns: true, SortBy: "req", Desc: true}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Snapshot(q)
	}
}
