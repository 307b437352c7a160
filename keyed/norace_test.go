//go:build !race

package keyed_test

import (
	"net/netip"
	"testing"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/ring"
)

// raceEnabled is true under the race detector, which makes tests slower
// and changes what allocates.
const raceEnabled = false

// TestAllocs checks that counting for a resident key, a rate decision and
// counting for a refused key allocate nothing.
func TestAllocs(t *testing.T) {
	clk := ring.NewManualClock()
	ta, err := keyed.New[netip.Addr](16, []string{"conns", "reqs"}, keyed.WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := keyed.New[string](16, []string{"reqs"}, keyed.WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr("192.0.2.1")
	ta.Inc(a, 0)
	ts.Inc("alice", 0)
	var sink float64
	for name, f := range map[string]func(){
		"Addr Inc":      func() { ta.Inc(a, 1) },
		"Addr Rate":     func() { sink += ta.Rate(a, 0) },
		"Addr AddRate":  func() { sink += ta.AddRate(a, 0, 1) },
		"Addr Total":    func() { sink += float64(ta.Total(a, 1)) },
		"String Add":    func() { ts.Add("alice", 0, 3) },
		"String Rate":   func() { sink += ts.Rate("alice", 0) },
		"refused key":   func() { ts.Inc("", 0) },
		"refused event": func() { ta.Inc(a, 7) },
		"absent Rate":   func() { sink += ta.Rate(netip.MustParseAddr("192.0.2.9"), 0) },
		"across a tick": func() { clk.Advance(ring.Tick); ta.Inc(a, 0) },
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocations, want 0", name, n)
		}
	}
	_ = sink
}
