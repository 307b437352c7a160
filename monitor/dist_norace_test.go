//go:build !race

package monitor_test

import (
	"math"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// TestDistAllocs: recording allocates nothing, on any path (protocol,
// connection, closed connection, foreign handle, the counter's slow add),
// and neither does a Sample once warm.
func TestDistAllocs(t *testing.T) {
	m, clock := newManual(t, "http", []string{"a", "b"}, monitor.WithDistributions("rt", "ct"))
	rt := m.MustDist("ct")
	c := m.Open("10.0.0.1:1")
	closed := m.Open("10.0.0.1:2")
	closed.Close()
	defer c.Close()
	for name, f := range map[string]func(){
		"Monitor.Record": func() { m.Record(rt, 3*time.Millisecond) },
		"Conn.Record":    func() { c.Record(rt, 3*time.Millisecond); c.Record(rt, -1) },
		"slow add":       func() { c.Record(rt, 2*time.Second) },
		"closed":         func() { closed.Record(rt, time.Millisecond) },
		"dropped":        func() { c.Record(monitor.Dist{}, time.Millisecond); m.Record(monitor.Dist{}, 1) },
		"rotating":       func() { clock.Advance(ring.Tick); c.Record(rt, time.Millisecond) },
		"Sample":         func() { m.Sample() },
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocs, want 0", name, n)
		}
	}
}

// TestConnMemoryDists checks the heap held per open connection with four
// events and two distributions: each distribution adds its two cells,
// 192 bytes, to the 512 of TestConnMemory.
func TestConnMemoryDists(t *testing.T) {
	per := math.Inf(1)
	for range 3 {
		per = min(per, connMemory(t, 20000, monitor.WithDistributions("rt", "ct")))
	}
	t.Logf("%.1f B/conn", per)
	if per > 512+2*192 {
		t.Errorf("%.1f B/conn, want <= %d", per, 512+2*192)
	}
}
