package monitor_test

import (
	"fmt"
	"net/url"
	"os"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

func Example() {
	clock := ring.NewManualClock() // leave WithClock out to share ring.Default()
	m, err := monitor.New("http", []string{"request", "error"},
		monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		panic(err)
	}
	defer m.Close()
	request := m.MustEvent("request")
	errEv := m.MustEvent("error")

	a := m.Open("10.0.0.1:50000")
	b := m.Open("10.0.0.2:50001")
	for range ring.N { // one second: 30 requests a tick on a, 10 on b
		clock.Advance(ring.Tick)
		a.Add(request, 30)
		b.Add(request, 10)
	}
	b.Log(errEv)
	m.Sample()

	snap := m.Snapshot(monitor.Query{Conns: true, SortBy: "request", Desc: true})
	for _, p := range snap.Protocols {
		fmt.Printf("%s: up %v, %d conns open\n", p.Name, p.Uptime, p.Conns.Current)
		for _, e := range p.Events {
			fmt.Printf("  %-7s total %4d  rate %4.0f/s  peak %4.0f/s\n", e.Name, e.Total, e.Rate, e.PeakRate)
		}
		for _, c := range p.Open {
			fmt.Printf("  #%d %s: %d requests, %.0f/s\n", c.ID, c.Name, c.Events[0].Total, c.Events[0].Rate)
		}
	}
	// Output:
	// http: up 1s, 2 conns open
	//   request total  400  rate  400/s  peak  400/s
	//   error   total    1  rate    1/s  peak    1/s
	//   #1 10.0.0.1:50000: 300 requests, 300/s
	//   #2 10.0.0.2:50001: 100 requests, 100/s
}

func ExampleMonitor_Open() {
	clock := ring.NewManualClock()
	m, _ := monitor.New("redis", []string{"command"},
		monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	defer m.Close()
	command := m.MustEvent("command")

	c := m.Open("10.0.0.7:6379") // when the connection is accepted
	c.Add(command, 3)
	c.Close() // when it ends: idempotent
	c.Close()
	c.Log(command) // a late event counts for the protocol only

	fmt.Println("protocol total:", m.Total(command))
	fmt.Println("conn open:", c.IsOpen(), "conn total:", c.Total(command))
	fmt.Println("open now:", m.Snapshot(monitor.Query{}).Protocols[0].Conns.Current)
	// Output:
	// protocol total: 4
	// conn open: false conn total: 0
	// open now: 0
}

func ExampleParseQuery() {
	v, _ := url.ParseQuery("conns=1&protocol=http&sort=request&desc&limit=20")
	q, err := monitor.ParseQuery(v)
	fmt.Printf("%+v %v\n", q, err)

	v, _ = url.ParseQuery("limit=0")
	_, err = monitor.ParseQuery(v)
	fmt.Println(err)
	// Output:
	// {Conns:true Protocol:http Filter: SortBy:request Desc:true Limit:20} <nil>
	// monitor: query key "limit": "0" is not an integer in [1, 10000]
}

func ExampleWritePrometheus() {
	snap := monitor.Snapshot{Protocols: []monitor.Protocol{{
		Name: `redis "main"`,
		Events: []monitor.EventStats{
			{Name: "command", Total: 12, Rate: 3, PeakRate: 5},
			{Name: "bytes_out", Unit: monitor.Bytes, Total: 4096, Rate: 1024, PeakRate: 2048},
		},
		Conns: monitor.ConnCounts{Current: 1, Peak: 2, Total: 7},
	}}}
	if err := monitor.WritePrometheus(os.Stdout, snap); err != nil {
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

func ExampleWithUnit() {
	m, err := monitor.New("proxy", []string{"requests", "bytes_in", "bytes_out"},
		monitor.WithUnit(monitor.Bytes, "bytes_in", "bytes_out"), monitor.WithManualSampling())
	if err != nil {
		panic(err)
	}
	defer m.Close()
	in := m.MustEvent("bytes_in")
	m.Add(in, 1500)
	fmt.Println(m.Unit(in), m.Unit(m.MustEvent("requests")), m.Total(in))
	for _, e := range m.Snapshot(monitor.Query{}).Protocols[0].Events {
		fmt.Printf("%s: %s\n", e.Name, e.Unit)
	}

	_, err = monitor.New("proxy", []string{"requests"}, monitor.WithUnit(monitor.Bytes, "bytes_in"))
	fmt.Println(err)
	// Output:
	// bytes events 1500
	// requests: events
	// bytes_in: bytes
	// bytes_out: bytes
	// monitor "proxy": WithUnit(bytes) names event "bytes_in", which the monitor does not have
}
