//go:build !race

package latency_test

import (
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/ring"
)

// TestNoAllocs: Record (both modes), Read and Sample allocate nothing. It
// runs without the race detector, which changes what allocates.
func TestNoAllocs(t *testing.T) {
	clock := ring.NewManualClock()
	h := latency.New(clock.Clock)
	var s latency.Snapshot
	d := time.Duration(0)
	for name, f := range map[string]func(){
		"Record":      func() { d += 37 * time.Microsecond; h.Record(d) },
		"RecordValue": func() { h.RecordValue(12345) },
		"Record+tick": func() { h.Record(time.Millisecond); clock.Advance(ring.Tick) },
		"Read 1s":     func() { h.Read(latency.Second, &s) },
		"Read 10s":    func() { h.Read(latency.TenSeconds, &s) },
		"Read 60s":    func() { h.Read(latency.Minute, &s) },
		"Read last":   func() { h.Read(latency.LastInterval, &s) },
		"Read total":  func() { h.Read(latency.Total, &s) },
		"Sample":      func() { h.Sample() },
		"Cumulative": func() {
			var buf [32]float64
			s.Cumulative(latency.ExportBounds, buf[:0])
		},
	} {
		if a := testing.AllocsPerRun(200, f); a != 0 {
			t.Errorf("%s: %v allocations", name, a)
		}
	}
}
