package exposition_test

import (
	"fmt"
	"os"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
)

func ExampleWrite() {
	snap := monitor.Snapshot{Protocols: []monitor.Protocol{{
		Name: `redis "main"`,
		Events: []monitor.EventStats{
			{Name: "command", Total: 12, Rate: 3, PeakRate: 5},
			{Name: "bytes_out", Unit: monitor.Bytes, Total: 4096, Rate: 1024, PeakRate: 2048},
		},
		Conns: monitor.ConnCounts{Current: 1, Peak: 2, Total: 7},
	}}}
	if err := exposition.Write(os.Stdout, snap); err != nil {
		panic(err)
	}
	// Output:
	// # HELP hitrate_events_total Events counted since the monitor was made.
	// # TYPE hitrate_events_total counter
	// hitrate_events_total{protocol="redis \"main\"",event="command"} 12
	// # HELP hitrate_event_rate Events per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_events_total[...]) in queries and alerts.
	// # TYPE hitrate_event_rate gauge
	// hitrate_event_rate{protocol="redis \"main\"",event="command"} 3
	// # HELP hitrate_event_peak_rate Highest events per second seen, by the once-a-second sampler or any read.
	// # TYPE hitrate_event_peak_rate gauge
	// hitrate_event_peak_rate{protocol="redis \"main\"",event="command"} 5
	// # HELP hitrate_bytes_total Bytes counted since the monitor was made, by the events whose unit is bytes.
	// # TYPE hitrate_bytes_total counter
	// hitrate_bytes_total{protocol="redis \"main\"",event="bytes_out"} 4096
	// # HELP hitrate_bytes_rate Bytes per second over the last second, as hitrate measures it. A convenience: prefer rate(hitrate_bytes_total[...]) in queries and alerts.
	// # TYPE hitrate_bytes_rate gauge
	// hitrate_bytes_rate{protocol="redis \"main\"",event="bytes_out"} 1024
	// # HELP hitrate_bytes_peak_rate Highest bytes per second seen, by the once-a-second sampler or any read.
	// # TYPE hitrate_bytes_peak_rate gauge
	// hitrate_bytes_peak_rate{protocol="redis \"main\"",event="bytes_out"} 2048
	// # HELP hitrate_connections Connections open now.
	// # TYPE hitrate_connections gauge
	// hitrate_connections{protocol="redis \"main\""} 1
	// # HELP hitrate_connections_peak Highest number of connections open at once.
	// # TYPE hitrate_connections_peak gauge
	// hitrate_connections_peak{protocol="redis \"main\""} 2
	// # HELP hitrate_connections_opened_total Connections opened since the monitor was made.
	// # TYPE hitrate_connections_opened_total counter
	// hitrate_connections_opened_total{protocol="redis \"main\""} 7
}

func ExampleFamily_Histograms() {
	snap := monitor.Snapshot{Protocols: []monitor.Protocol{{
		Name: "http",
		Dists: []monitor.DistStats{{Name: "response_time", Total: monitor.DistTotal{
			Count: 10, Sum: 0.62,
			Bounds:  []time.Duration{10 * time.Millisecond, 100 * time.Millisecond},
			Buckets: []uint64{6, 9},
		}}},
	}}}
	for _, f := range exposition.Families() {
		if !f.PerDist {
			continue
		}
		for h := range f.Histograms(snap) {
			fmt.Println(f.Name, f.Labels(), h.LabelValues)
			for i, b := range h.Bounds {
				fmt.Printf("  le %g: %d\n", b, h.Buckets[i])
			}
			fmt.Printf("  +Inf: %d, sum %g s\n", h.Count, h.Sum)
		}
	}
	// Output:
	// hitrate_latency_seconds [protocol distribution] [http response_time]
	//   le 0.01: 6
	//   le 0.1: 9
	//   +Inf: 10, sum 0.62 s
}
