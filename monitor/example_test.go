package monitor_test

import (
	"fmt"

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

	snap := m.Snapshot(monitor.Query{Conns: true, SortBy: monitor.ByRate("request"), Desc: true})
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
