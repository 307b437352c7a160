package monitor_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

func ExampleNewHandler() {
	clock := ring.NewManualClock() // leave WithClock out in a real program
	m, err := monitor.New("http", []string{"request", "error"},
		monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		panic(err)
	}
	defer m.Close()
	request := m.MustEvent("request")
	c := m.Open("10.0.0.1:50000")
	for range ring.N {
		clock.Advance(ring.Tick)
		c.Add(request, 25)
	}

	// Mount the handler under a prefix: the page's links are relative.
	mux := http.NewServeMux()
	mux.Handle("/debug/hitrate/", http.StripPrefix("/debug/hitrate", monitor.NewHandler(m)))
	srv := httptest.NewServer(mux) // in a real program: http.ListenAndServe(addr, mux)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/debug/hitrate/metrics")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	fmt.Println(res.Header.Get("Content-Type"))
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") {
			fmt.Println(line)
		}
	}
	// Output:
	// text/plain; version=0.0.4; charset=utf-8
	// hitrate_events_total{protocol="http",event="request"} 250
	// hitrate_events_total{protocol="http",event="error"} 0
	// hitrate_event_rate{protocol="http",event="request"} 250
	// hitrate_event_rate{protocol="http",event="error"} 0
	// hitrate_event_peak_rate{protocol="http",event="request"} 250
	// hitrate_event_peak_rate{protocol="http",event="error"} 0
	// hitrate_connections{protocol="http"} 1
	// hitrate_connections_peak{protocol="http"} 1
	// hitrate_connections_opened_total{protocol="http"} 1
}

func ExampleWritePrometheus() {
	snap := monitor.Snapshot{Protocols: []monitor.Protocol{{
		Name:   `redis "main"`,
		Events: []monitor.EventStats{{Name: "command", Total: 12, Rate: 3, PeakRate: 5}},
		Conns:  monitor.ConnCounts{Current: 1, Peak: 2, Total: 7},
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
