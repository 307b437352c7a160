package httpcount

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/proxy"
)

// TestAgreesWithTheProxy puts the monitored proxy in front of an
// instrumented http.Server, as the demo can: the server's counts of
// requests, responses by class, connections and bytes equal the proxy's.
// (The proxy's bytes_in are what it read from its clients and forwarded;
// its bytes_out what it read from the upstream.)
func TestAgreesWithTheProxy(t *testing.T) {
	up := newMonitor(t)
	srv := &http.Server{Handler: http.HandlerFunc(echo)}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uln, err := Instrument(srv, raw, up)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); srv.Serve(uln) }()

	pm, err := proxy.NewMonitor("http", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer pm.Close()
	px, err := proxy.New(proxy.Config{Upstream: uln.Addr().String(), Monitor: pm})
	if err != nil {
		t.Fatal(err)
	}
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxied := make(chan struct{})
	go func() { defer close(proxied); px.Serve(pln) }()

	paths := []string{"/", "/201", "/302", "/404", "/500", "/204"}
	for c := range 3 { // three clients, each on its keep-alive connection
		tr := &http.Transport{}
		client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for i := range 20 {
			body := strings.Repeat("b", c*100+i)
			resp, err := client.Post("http://"+pln.Addr().String()+paths[i%len(paths)], "text/plain", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		tr.CloseIdleConnections()
	}
	px.Shutdown(context.Background())
	<-proxied
	srv.Shutdown(context.Background())
	<-served

	for _, name := range []string{Requests, Responses1xx, Responses2xx, Responses3xx, Responses4xx, Responses5xx, "bytes_in", "bytes_out"} {
		if p, s := total(pm, name), total(up, name); p != s || (name == Requests && p != 60) {
			t.Errorf("%s: the proxy counted %d, the server %d", name, p, s)
		}
	}
	pc, sc := pm.Snapshot(monitor.Query{}).Protocols[0].Conns, up.Snapshot(monitor.Query{}).Protocols[0].Conns
	if pc.Total != sc.Total || pc.Current != 0 || sc.Current != 0 {
		t.Errorf("connections: the proxy's %+v, the server's %+v", pc, sc)
	}
}
