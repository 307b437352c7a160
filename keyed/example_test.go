package keyed_test

import (
	"fmt"
	"net/netip"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/ring"
)

// A proxy counts connections and requests per client address, refuses a
// client above 100 connections per second, and lists its top talkers.
func Example() {
	clk := ring.NewManualClock() // ring.Default() in a program
	const conns, reqs = keyed.Event(0), keyed.Event(1)
	clients, err := keyed.New[netip.Addr](10_000, []string{"connections", "requests"}, keyed.WithClock(clk.Clock))
	if err != nil {
		panic(err)
	}
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("2001:db8::7")
	for range 10 { // one second: a opens 12 connections per tick, b one
		for range 12 {
			clients.Inc(a, conns)
			clients.Add(a, reqs, 3)
		}
		clients.Inc(b, conns)
		clients.Add(b, reqs, 50)
		clk.Advance(ring.Tick)
	}

	// On every accept: count the connection, then decide.
	for _, c := range []netip.Addr{a, b} {
		clients.Inc(c, conns)
		if r := clients.Rate(c, conns); r > 100 {
			fmt.Printf("%v: %.0f connections/s, rejected\n", c, r)
		} else {
			fmt.Printf("%v: %.0f connections/s, accepted\n", c, r)
		}
	}

	for _, row := range clients.Top(reqs, 10, keyed.ByRate) {
		fmt.Printf("top: %v %.0f requests/s, %d requests\n", row.Key, row.Rates[reqs], row.Totals[reqs])
	}
	s := clients.Stats()
	fmt.Printf("%d clients, %d evicted, %d requests in all\n", s.Len, s.Evictions, s.Totals[reqs])
	// The rates are ring.Seed's: half the oldest 100 ms slot plus the ten
	// newer ones (the first tick is now the oldest).
	//
	// Output:
	// 192.0.2.1: 115 connections/s, rejected
	// 2001:db8::7: 10 connections/s, accepted
	// top: 2001:db8::7 475 requests/s, 500 requests
	// top: 192.0.2.1 342 requests/s, 360 requests
	// 2 clients, 0 evicted, 860 requests in all
}
