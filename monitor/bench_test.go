package monitor_test

import (
	"runtime"
	"strconv"
	"sync"
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
func connMemory(tb testing.TB, n int, opts ...monitor.Option) float64 {
	clock := ring.NewManualClock()
	m, err := monitor.New("mem", benchEvents, append([]monitor.Option{monitor.WithClock(clock.Clock), monitor.WithManualSampling()}, opts...)...)
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
	q := monitor.Query{Conns: true, SortBy: monitor.ByRate("req"), Desc: true}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Snapshot(q)
	}
}

// proxyConns is the number of connections of the proxy-pattern benchmarks.
const proxyConns = 64

// proxyRun is a proxy's write pattern: conns connections, each with two
// goroutines (one per direction) that count b.N events in all, spread
// over GOMAXPROCS. run(k, d, n) counts n events of direction d of
// connection k, alternating its two events: one of each request and the
// bytes it carried.
func proxyRun(b *testing.B, conns int, run func(k, d, n int)) {
	b.Helper()
	per := max(2, b.N/(2*conns))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k := range conns {
		for d := range 2 {
			wg.Go(func() {
				<-start
				run(k, d, per)
			})
		}
	}
	b.ResetTimer()
	close(start)
	wg.Wait()
	b.StopTimer()
	// ns/op is per event: scale the time to b.N events.
	if got := 2 * conns * per; got != b.N {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(got), "ns/event")
	}
}

// paddedDir is the plain reference of the proxy pattern: the two events of
// one direction of one connection, in atomics padded to two cache lines.
type paddedDir struct {
	n [2]atomic.Uint64
	_ [128 - 16]byte
}

// BenchmarkProxyPadded is the proxy pattern with plain padded atomics per
// connection and direction, and no protocol total or rate: the reference
// of BenchmarkConnProxy (issue 9: at most 3x).
func BenchmarkProxyPadded(b *testing.B) {
	dirs := make([][2]paddedDir, proxyConns)
	b.ReportAllocs()
	proxyRun(b, proxyConns, func(k, d, n int) {
		p := &dirs[k][d]
		for i := 0; i < n; i += 2 {
			p.n[0].Add(1)
			p.n[1].Add(1448)
		}
	})
}

// BenchmarkConnProxy is the proxy pattern on hitrate: each event counts on
// its connection and for the protocol, with totals and rates.
func BenchmarkConnProxy(b *testing.B) {
	m, _ := benchMonitor(b)
	evs := [2][2]monitor.Event{
		{m.MustEvent("req"), m.MustEvent("bytes")},
		{m.MustEvent("resp"), m.MustEvent("err")},
	}
	conns := make([]monitor.Conn, proxyConns)
	for k := range conns {
		conns[k] = m.Open("10.0.0.1:" + strconv.Itoa(k))
	}
	b.ReportAllocs()
	proxyRun(b, proxyConns, func(k, d, n int) {
		c, ev := conns[k], evs[d]
		for i := 0; i < n; i += 2 {
			c.Log(ev[0])
			c.Add(ev[1], 1448)
		}
	})
	for _, c := range conns {
		c.Close()
	}
}

// BenchmarkConnTwoDirections is one connection with one goroutine per
// direction, each logging its own events; BenchmarkPaddedTwoDirections is
// its reference.
func BenchmarkConnTwoDirections(b *testing.B) {
	m, _ := benchMonitor(b)
	evs := [2][2]monitor.Event{
		{m.MustEvent("req"), m.MustEvent("bytes")},
		{m.MustEvent("resp"), m.MustEvent("err")},
	}
	c := m.Open("10.0.0.1:4242")
	defer c.Close()
	b.ReportAllocs()
	proxyRun(b, 1, func(_, d, n int) {
		ev := evs[d]
		for i := 0; i < n; i += 2 {
			c.Log(ev[0])
			c.Add(ev[1], 1448)
		}
	})
}

func BenchmarkPaddedTwoDirections(b *testing.B) {
	var dirs [2]paddedDir
	b.ReportAllocs()
	proxyRun(b, 1, func(_, d, n int) {
		p := &dirs[d]
		for i := 0; i < n; i += 2 {
			p.n[0].Add(1)
			p.n[1].Add(1448)
		}
	})
}
