package monitor_test

import (
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

func benchDist(b *testing.B) (*monitor.Monitor, monitor.Dist) {
	b.Helper()
	clock := ring.NewManualClock()
	m, err := monitor.New("bench", benchEvents, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
		monitor.WithDistributions("rt"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Close)
	return m, m.MustDist("rt")
}

// BenchmarkMonitorRecord is the protocol-wide record: the histogram's.
func BenchmarkMonitorRecord(b *testing.B) {
	m, d := benchDist(b)
	b.ReportAllocs()
	v := 3 * time.Millisecond
	for b.Loop() {
		m.Record(d, v)
		v ^= 1 << 10
	}
}

// BenchmarkConnRecord adds the connection's count and sum. Values below
// 65.5 ms take the counters' fast add.
func BenchmarkConnRecord(b *testing.B) {
	m, d := benchDist(b)
	c := m.Open("10.0.0.1:4242")
	defer c.Close()
	b.ReportAllocs()
	v := 3 * time.Millisecond
	for b.Loop() {
		c.Record(d, v)
		v ^= 1 << 10
	}
}

func BenchmarkConnRecordParallel(b *testing.B) {
	m, d := benchDist(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := m.Open("client")
		defer c.Close()
		v := 3 * time.Millisecond
		for pb.Next() {
			c.Record(d, v)
			v ^= 1 << 10
		}
	})
}

// BenchmarkSnapshotDists is a snapshot of a monitor with two
// distributions, no connections: four windows read per distribution.
func BenchmarkSnapshotDists(b *testing.B) {
	clock := ring.NewManualClock()
	m, err := monitor.New("bench", benchEvents, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
		monitor.WithDistributions("rt", "ct"))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	rt := m.MustDist("rt")
	for i := range 10000 {
		m.Record(rt, time.Duration(1000+i*997))
	}
	m.Sample()
	b.ReportAllocs()
	for b.Loop() {
		m.Snapshot(monitor.Query{})
	}
}
