package monitor_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hitrate/hitrate/monitor"
)

// TestSnapshotPeakNeverBelowCurrent opens and closes connections from 8
// goroutines while snapshots are taken: no snapshot may show more
// connections open than its peak, whatever the interleaving.
func TestSnapshotPeakNeverBelowCurrent(t *testing.T) {
	m, _ := newManual(t, "http", []string{"req"})
	const workers, perWorker = 8, 4000
	var stop atomic.Bool
	var bad atomic.Int64
	var first atomic.Value
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for !stop.Load() {
				c := m.Snapshot(monitor.Query{}).Protocols[0].Conns
				if c.Current > c.Peak {
					bad.Add(1)
					first.CompareAndSwap(nil, c)
				}
			}
		})
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			open := make([]monitor.Conn, 0, 64)
			for i := range perWorker {
				open = append(open, m.Open("c"))
				if len(open) == cap(open) || (i+w)%3 == 0 {
					open[0].Close()
					open = open[1:]
				}
			}
			for _, c := range open {
				c.Close()
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	readers.Wait()
	if n := bad.Load(); n > 0 {
		t.Fatalf("%d snapshots showed Current > Peak, the first %+v", n, first.Load())
	}
	c := m.Snapshot(monitor.Query{}).Protocols[0].Conns
	if c.Current != 0 || c.Total != workers*perWorker || c.Peak < 1 {
		t.Fatalf("after the run: %+v", c)
	}
}
