package shard_test

import (
	"fmt"
	"sync"

	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
)

func ExampleCounter() {
	clock := ring.NewManualClock() // ring.NewClock() or ring.Default() outside tests
	requests := shard.New(clock.Clock)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 250 {
				requests.Inc()
			}
		})
	}
	wg.Wait()
	clock.Advance(ring.Tick / 2)

	fmt.Println("total:", requests.Total())
	fmt.Println("rate/s:", requests.Rate())
	fmt.Println("removed by Reset:", requests.Reset())
	fmt.Println("total after Reset:", requests.Total())
	// Output:
	// total: 1000
	// rate/s: 1000
	// removed by Reset: 1000
	// total after Reset: 0
}
