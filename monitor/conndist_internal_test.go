package monitor

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
)

// TestConnDistMeanNotTorn: a connection's mean, read while Conn.Record
// runs, is never above the values recorded. Every value is v, so the
// exact mean is v at every instant; a reader that took the count before a
// Record and the sum after it would read a mean of (n+1)/n times v, n
// values in the window. Record adds the count before the sum, so the
// reader must read the sum first: then a Record in between can only make
// the mean lower. The reader moves the clock on by a second every few
// reads, so that the window holds few values and a torn read shows.
func TestConnDistMeanNotTorn(t *testing.T) {
	mc := ring.NewManualClock()
	m, err := New("p", []string{"e"}, WithClock(mc.Clock), WithManualSampling(), WithDistributions("d"))
	if err != nil {
		t.Fatal(err)
	}
	d := m.MustDist("d")
	c := m.Open("a")
	defer c.Close()

	const v = 65 * time.Millisecond // 65000 µs: both adds on the fast path
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			c.Record(d, v)
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()

	deadline := time.Now().Add(2 * time.Second)
	for i := 0; i < 500000 && time.Now().Before(deadline); i++ {
		if i%64 == 0 {
			mc.Advance(1100 * time.Millisecond)
		}
		epoch, frac := m.clock.ReadEpochFrac()
		got := m.connDist(c.c, 0, epoch, frac)
		if got.Mean > v+time.Microsecond/2 {
			t.Fatalf("read %d: mean %v (count %v) above every value recorded (%v)", i, got.Mean, got.Count, v)
		}
	}
}
