package keyed_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/ring"
)

// TestAddRate checks that AddRate counts as Add does and returns the rate
// that an exact model gives with its n included: for resident keys, for
// a key it inserts, for one it inserts by evicting another, and with
// n = 0 (Rate); invalid keys and events are counted as Add counts them
// and read 0.
func TestAddRate(t *testing.T) {
	tb, clk := newTable[netip.Addr](t, 3, "conns", "reqs")
	const conns = keyed.Event(0)
	keys := []netip.Addr{addr(1), addr(2), netip.MustParseAddr("2001:db8::7")}
	ms := make([]model, len(keys))
	for tick := range 30 {
		for i, k := range keys {
			if (tick+i)%4 == 0 {
				continue // some ticks without an attempt
			}
			n := uint64(1 + (tick*5+i*3)%4)
			ms[i].add(tick, n)
			if got, want := tb.AddRate(k, conns, n), ms[i].seed(tick); got != want {
				t.Fatalf("tick %d key %v: AddRate = %v, want %v", tick, k, got, want)
			}
			if got, want := tb.AddRate(k, conns, 0), ms[i].seed(tick); got != want {
				t.Fatalf("tick %d key %v: AddRate(0) = %v, want %v", tick, k, got, want)
			}
			if got, want := tb.Total(k, conns), ms[i].total(); got != want {
				t.Fatalf("tick %d key %v: total %d, want %d", tick, k, got, want)
			}
		}
		clk.Advance(ring.Tick)
	}
	var sum uint64
	for i := range ms {
		sum += ms[i].total()
	}
	if s := tb.Stats(); s.Totals[0] != sum || s.Len != 3 || s.Evictions != 0 {
		t.Fatalf("Stats %+v, want Totals[0] %d, Len 3, no eviction", s, sum)
	}

	// A new key in a full table evicts one and starts from its n.
	if got := tb.AddRate(addr(9), conns, 3); got != 3 {
		t.Fatalf("AddRate of a new key = %v, want 3", got)
	}
	if s := tb.Stats(); s.Evictions != 1 || s.Len != 3 || tb.Total(addr(9), conns) != 3 {
		t.Fatalf("after an insertion into a full table: Stats %+v, total %d", s, tb.Total(addr(9), conns))
	}

	// Invalid input: counted as Add counts it, rate 0.
	before := tb.Stats()
	if tb.AddRate(netip.Addr{}, conns, 2) != 0 || tb.AddRate(addr(1), 5, 4) != 0 || tb.AddRate(addr(1), -1, 1) != 0 {
		t.Fatal("AddRate of an invalid key or event is not 0")
	}
	if s := tb.Stats(); s.Refused != before.Refused+7 || s.Totals[0] != before.Totals[0]+2 || s.Len != 3 {
		t.Fatalf("Stats %+v after invalid AddRates, before %+v", s, before)
	}
}

// ExampleTable_AddRate rejects the connections of an address above 2 per
// second, counting the rejected ones too, as a proxy's accept would.
func ExampleTable_AddRate() {
	clk := ring.NewManualClock() // a test clock; use keyed.New's default in a server
	clients, err := keyed.New[netip.Addr](10_000, []string{"connections"}, keyed.WithClock(clk.Clock))
	if err != nil {
		panic(err)
	}
	const connections = keyed.Event(0)
	const limit = 2.0 // per second
	a := netip.MustParseAddr("198.51.100.7")
	for i := range 4 {
		if r := clients.AddRate(a, connections, 1); r > limit {
			fmt.Printf("connection %d: rejected (%v/s)\n", i+1, r)
			continue
		}
		fmt.Printf("connection %d: accepted\n", i+1)
	}
	// Output:
	// connection 1: accepted
	// connection 2: accepted
	// connection 3: rejected (3/s)
	// connection 4: rejected (4/s)
}
