package otelhitrate_test

import (
	"context"
	"fmt"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/otelhitrate"
	"github.com/hitrate/hitrate/ring"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func Example() {
	clock := ring.NewManualClock() // leave WithClock out in a real program
	m, err := monitor.New("http", []string{"requests", "errors", "bytes_out"},
		monitor.WithUnit(monitor.Bytes, "bytes_out"), // exported with unit By
		monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		panic(err)
	}
	defer m.Close()
	requests, bytesOut := m.MustEvent("requests"), m.MustEvent("bytes_out")
	c := m.Open("10.0.0.1:50000")
	for range ring.N {
		clock.Advance(ring.Tick)
		c.Add(requests, 4)
		c.Add(bytesOut, 1500)
	}

	// In a program, the reader is a PeriodicReader around an OTLP
	// exporter; a ManualReader collects on demand.
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())
	reg, err := otelhitrate.Register(provider.Meter("example"), m) // or a monitor.Group of several
	if err != nil {
		panic(err)
	}
	defer reg.Unregister()

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			for _, dp := range mt.Data.(metricdata.Sum[int64]).DataPoints {
				fmt.Printf("%s %s %s %d\n", mt.Name, mt.Unit, dp.Attributes.Encoded(attribute.DefaultEncoder()), dp.Value)
			}
		}
	}
	// Unordered output:
	// hitrate.event.requests {event} protocol=http 40
	// hitrate.event.errors {event} protocol=http 0
	// hitrate.event.bytes_out By protocol=http 15000
	// hitrate.connections {connection} protocol=http 1
	// hitrate.connections.opened {connection} protocol=http 1
}
