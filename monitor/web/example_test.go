package web_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
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
	mux.Handle("/debug/hitrate/", http.StripPrefix("/debug/hitrate", web.NewHandler(m)))
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
