package otelhitrate_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/otelhitrate"
	"github.com/hitrate/hitrate/ring"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func ExampleNewProducer() {
	clock := ring.NewManualClock() // leave WithClock out in a real program
	m, err := monitor.New("http", []string{"requests"}, monitor.WithDistributions("response_time"),
		monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		panic(err)
	}
	defer m.Close()
	rt := m.MustDist("response_time")
	for _, v := range []time.Duration{3 * time.Millisecond, 4 * time.Millisecond, 80 * time.Millisecond} {
		m.Record(rt, v)
	}

	p, err := otelhitrate.NewProducer(m)
	if err != nil {
		panic(err)
	}
	// In a program: sdkmetric.NewPeriodicReader(exporter, sdkmetric.WithProducer(p)),
	// beside Register's counters on the same provider.
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			for _, dp := range mt.Data.(metricdata.Histogram[float64]).DataPoints {
				fmt.Printf("%s (%s): count %d, sum %.3f\n", mt.Name, mt.Unit, dp.Count, dp.Sum)
				lo := 0.0
				for i, b := range dp.Bounds { // BucketCounts are per bucket, not cumulative
					if n := dp.BucketCounts[i]; n > 0 {
						fmt.Printf("  %d in (%g, %g]\n", n, lo, b)
					}
					lo = b
				}
			}
		}
	}
	// Output:
	// hitrate.latency.response_time (s): count 3, sum 0.087
	//   2 in (0.0025, 0.005]
	//   1 in (0.05, 0.1]
}
