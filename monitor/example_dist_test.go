package monitor_test

import (
	"fmt"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

func ExampleWithDistributions() {
	clock := ring.NewManualClock() // leave WithClock out to share ring.Default()
	m, err := monitor.New("http", []string{"request"},
		monitor.WithDistributions("response_time"),
		monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		panic(err)
	}
	defer m.Close()
	request, rt := m.MustEvent("request"), m.MustDist("response_time")

	c := m.Open("10.0.0.1:50000")
	defer c.Close()
	clock.Advance(ring.Tick) // so that no value sits in the half-weighted oldest slot
	for tick := range ring.N {
		for k := range 99 { // 99 fast responses and a slow one per tick
			c.Log(request)
			c.Record(rt, time.Duration(2000+10*k)*time.Microsecond)
		}
		c.Log(request)
		c.Record(rt, 300*time.Millisecond)
		if tick < ring.N-1 {
			clock.Advance(ring.Tick)
		}
	}
	m.Sample() // the sampler, once a second

	p := m.Snapshot(monitor.Query{Conns: true}).Protocols[0]
	d := p.Dists[0]
	r := func(v time.Duration) time.Duration { return v.Round(10 * time.Microsecond) }
	fmt.Printf("%s, last second: %.0f/s, p50 %v, p99 %v, max %v\n",
		d.Name, d.Second.Rate, r(d.Second.P50), r(d.Second.P99), d.Second.Max)
	fmt.Printf("since start: %d values, %.3f s in all\n", d.Total.Count, d.Total.Sum)
	cd := p.Open[0].Dists[0]
	fmt.Printf("conn %s: %.0f/s, mean %v\n", p.Open[0].Name, cd.Count, r(cd.Mean))
	// The exact p50 is 2.49 ms and p99 2.98 ms: quantiles are within 0.97%.
	// Output:
	// response_time, last second: 1000/s, p50 2.47ms, p99 2.99ms, max 300ms
	// since start: 1000 values, 5.465 s in all
	// conn 10.0.0.1:50000: 1000/s, mean 5.47ms
}
