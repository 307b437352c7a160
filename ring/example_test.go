package ring_test

import (
	"fmt"

	"github.com/hitrate/hitrate/ring"
)

func ExampleCounter() {
	clock := ring.NewManualClock() // ring.NewClock() outside tests
	defer clock.Stop()

	requests := ring.NewCounter(clock.Clock)
	for range 10 { // a steady 1000 events a second: 100 a tick
		requests.Add(100)
		clock.Advance(ring.Tick)
	}
	requests.Add(25) // a quarter of the current tick
	clock.Advance(ring.Tick / 4)

	fmt.Println("total:", requests.Total())
	fmt.Println("rate/s:", requests.Rate())
	fmt.Println("interpolated rate/s:", requests.RateWith(ring.Interpolated))
	// Output:
	// total: 1025
	// rate/s: 975
	// interpolated rate/s: 1000
}

func ExampleManualClock_Stall() {
	clock := ring.NewManualClock()
	c := ring.NewCounter(clock.Clock)
	c.Add(5)

	// The rotator is late: time passes, the epoch does not, and writes keep
	// going to the old slot. Readers follow the time: they see that slot
	// as three ticks old, and the skipped slots as zero.
	clock.Stall(3 * ring.Tick)
	c.Add(5)
	s := c.Slots()
	fmt.Println(s[ring.N-3:])

	// It catches up: new writes go to the current slot.
	clock.Rotate()
	c.Add(1)
	s = c.Slots()
	fmt.Println(s[ring.N-3:])
	// Output:
	// [10 0 0 0]
	// [10 0 0 1]
}

func ExampleEstimator_Rate() {
	// 100 events in each of the last 11 slots, 40% into the current one.
	s := ring.Slots{100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 40}
	fmt.Println(ring.Seed.Rate(&s, 0.4))
	fmt.Println(ring.Interpolated.Rate(&s, 0.4))
	// Output:
	// 990
	// 1000
}
