package main

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/httpcount"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/proxy"
)

// TestDemoServersAgree runs the demo's upstream (counted by httpcount as
// http-server) and its proxy (counted as http), sends the demo's mix of
// requests through the proxy from a few keep-alive clients, stops the
// load, shuts both down, and compares: the server's requests, responses by
// class, bytes and connections equal the proxy's. (The proxy's bytes_in
// are what it read from its clients and forwarded to the server, which
// read them; its bytes_out what it read from the server, which wrote
// them.) The mix leaves out the requests the demo aborts with a reset:
// there the proxy sees the request, closes the upstream connection, and
// never sees the response the server's handler goes on to count.
func TestDemoServersAgree(t *testing.T) {
	httpMon, err := proxy.NewMonitor("http", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer httpMon.Close()
	upMon, err := httpcount.NewMonitor("http-server", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer upMon.Close()
	uln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startDemoServers(uln, pln, upMon, httpMon, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}

	const clients, perClient = 4, 50
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			for i := range perClient {
				// Draws spread over [0, 0.99): every kind of the mix but
				// the aborted one; /slow waits 50 to 300 ms.
				oneRequest(context.Background(), client, pln.Addr().String(), 0.99*float64((i*7+c)%perClient)/perClient)
				if i%10 == 9 {
					tr.CloseIdleConnections() // a new connection now and then
				}
			}
		})
	}
	wg.Wait()
	srv.stop(10 * time.Second)

	total := func(m *monitor.Monitor, name string) uint64 { return m.Total(m.MustEvent(name)) }
	for _, name := range []string{"requests", "responses_1xx", "responses_2xx", "responses_3xx", "responses_4xx", "responses_5xx", "bytes_in", "bytes_out"} {
		p, s := total(httpMon, name), total(upMon, name)
		if p != s {
			t.Errorf("%s: the proxy counted %d, the server %d", name, p, s)
		}
		if name == "requests" && p != clients*perClient {
			t.Errorf("requests: %d, want %d", p, clients*perClient)
		}
	}
	// The mix has 2xx, 4xx (/missing) and 5xx (/error): the classes are
	// compared, not all zero.
	for _, name := range []string{"responses_2xx", "responses_4xx", "responses_5xx"} {
		if total(httpMon, name) == 0 {
			t.Errorf("%s: none counted", name)
		}
	}
	if n := total(upMon, httpcount.ResponsesOther); n != 0 {
		t.Errorf("the server counted %d responses of no class", n)
	}
	// Every request is timed on both sides: the proxy's response_time
	// and the server's handler time.
	count := func(m *monitor.Monitor, name string) uint64 {
		for _, d := range m.Snapshot(monitor.Query{}).Protocols[0].Dists {
			if d.Name == name {
				return d.Total.Count
			}
		}
		t.Fatalf("%s has no distribution %s", m.Name(), name)
		return 0
	}
	if p, s := count(httpMon, proxy.ResponseTime.Name()), count(upMon, serverTime); p != clients*perClient || s != clients*perClient {
		t.Errorf("response times: the proxy timed %d, the server %d; want %d each", p, s, clients*perClient)
	}
	pc := httpMon.Snapshot(monitor.Query{}).Protocols[0].Conns
	sc := upMon.Snapshot(monitor.Query{}).Protocols[0].Conns
	if pc.Total != sc.Total || pc.Total < clients || pc.Current != 0 || sc.Current != 0 {
		t.Errorf("connections: the proxy's %+v, the server's %+v", pc, sc)
	}
}
