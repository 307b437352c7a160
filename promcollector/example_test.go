package promcollector_test

import (
	"fmt"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/promcollector"
	"github.com/hitrate/hitrate/ring"
	"github.com/prometheus/client_golang/prometheus"
)

func Example() {
	clock := ring.NewManualClock() // leave WithClock out in a real program
	m, err := monitor.New("http", []string{"request"},
		monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		panic(err)
	}
	defer m.Close()
	request := m.MustEvent("request")
	c := m.Open("10.0.0.1:50000")
	for range ring.N {
		clock.Advance(ring.Tick)
		c.Add(request, 4)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(promcollector.New(m)) // or a monitor.Group of several
	// Serve it with promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).

	mfs, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			v := mt.GetGauge().GetValue() + mt.GetCounter().GetValue()
			fmt.Printf("%s %s %v\n", mf.GetName(), mf.GetType(), v)
		}
	}
	// Output:
	// hitrate_connections GAUGE 1
	// hitrate_connections_opened_total COUNTER 1
	// hitrate_connections_peak GAUGE 1
	// hitrate_event_peak_rate GAUGE 40
	// hitrate_event_rate GAUGE 40
	// hitrate_events_total COUNTER 40
}
