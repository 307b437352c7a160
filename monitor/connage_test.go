package monitor_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// TestConnAgeNeverNegative: a snapshot taken while the clock moves and
// connections open lists no connection younger than zero. A snapshot
// reads the time before it visits the open connections, so a connection
// opened meanwhile is newer than the snapshot's time.
func TestConnAgeNeverNegative(t *testing.T) {
	mc := ring.NewManualClock()
	m, err := monitor.New("p", []string{"e"}, monitor.WithClock(mc.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var open []monitor.Conn
		for !stop.Load() {
			mc.Advance(time.Second)
			open = append(open, m.Open("a"))
			if len(open) > 8 {
				open[0].Close()
				open = open[1:]
			}
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()

	deadline := time.Now().Add(2 * time.Second)
	for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
		p := m.Snapshot(monitor.Query{Conns: true}).Protocols[0]
		for _, c := range p.Open {
			if c.Age < 0 {
				t.Fatalf("snapshot %d: connection %d is %v old", i, c.ID, c.Age)
			}
		}
	}
}
