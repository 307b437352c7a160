package web_test

import (
	"bufio"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
	"github.com/hitrate/hitrate/ring"
)

// Example is the README's Use snippet (a test keeps the two the same):
// count a protocol's events per connection, read them, and mount the
// stats page.
func Example() {
	// At setup: names are checked here (empty, duplicate: an error), once.
	m, err := monitor.New("http", []string{"request", "error", "bytes_out"})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	request, errEv := m.MustEvent("request"), m.MustEvent("error")

	// Per connection: Open when it is accepted (name it by its remote
	// address, conn.RemoteAddr().String()), Close when it ends.
	c := m.Open("10.0.0.1:50000")
	defer c.Close()

	// The hot path: counted for the connection and for the protocol,
	// no lock, no allocation, no map lookup.
	c.Log(request)
	c.Add(errEv, 1)

	// Read it: totals and rates (m.Rate), a snapshot, or the stats page.
	fmt.Println(m.Total(request), c.Total(errEv), m.Snapshot(monitor.Query{}).Protocols[0].Conns.Current)
	mux := http.NewServeMux()
	mux.Handle("/debug/hitrate/", http.StripPrefix("/debug/hitrate", web.NewHandler(m)))
	// In a real program: log.Fatal(http.ListenAndServe("localhost:8080", mux))
	// Output: 1 1 1
}
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

// ExampleWithInfo puts what the page watches in its header: here a
// proxy's addresses, its version and its uptime.
func ExampleWithInfo() {
	m, err := monitor.New("tcp", []string{"bytes_in", "bytes_out"})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	h := web.NewHandler(m,
		web.WithInfo("listen", "127.0.0.1:8080"),
		web.WithInfo("upstream", "10.0.0.5:80"),
		web.WithInfo("version", "v1.2.0"),
		web.WithStart(time.Now()),
	)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	page := rec.Body.String()
	fmt.Println(strings.Contains(page, "<dt>upstream</dt><dd>10.0.0.5:80</dd>"), strings.Contains(page, "<dt>uptime</dt><dd>0s</dd>"))
	// Output: true true
}
