package monitor

import (
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
)

// TestConnDistEstimator: a connection's count of a distribution is
// weighted by the Monitor's estimator, as its rates are, while the
// protocol's Second window weighs the oldest slot one half whatever the
// estimator. One value, N ticks old, at the start of the current slot: it
// counts 1 with ring.Interpolated (weight 1-f, f = 0), 1/2 with ring.Seed.
func TestConnDistEstimator(t *testing.T) {
	for _, c := range []struct {
		est  ring.Estimator
		want float64
	}{{ring.Seed, 0.5}, {ring.Interpolated, 1}} {
		mc := ring.NewManualClock()
		m, err := New("p", []string{"e"}, WithClock(mc.Clock), WithManualSampling(), WithDistributions("d"), WithEstimator(c.est))
		if err != nil {
			t.Fatal(err)
		}
		d := m.MustDist("d")
		conn := m.Open("a")
		conn.Record(d, 3*time.Millisecond)
		mc.Advance(ring.N * ring.Tick)
		epoch, frac := m.clock.ReadEpochFrac()
		got := m.connDist(conn.c, 0, epoch, frac)
		if got.Count != c.want || got.Mean != 3*time.Millisecond {
			t.Errorf("%v: connection count %v mean %v, want %v and 3ms", c.est, got.Count, got.Mean, c.want)
		}
		if s := m.distStats()[0].Second; s.Count != 0.5 {
			t.Errorf("%v: protocol Second count %v, want 0.5", c.est, s.Count)
		}
		conn.Close()
		m.Close()
	}
}
