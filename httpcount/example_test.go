package httpcount_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"

	"github.com/hitrate/hitrate/httpcount"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
)

// An existing http.Server, instrumented: a monitor, and Instrument (which
// wraps the handler and the listener and sets ConnContext).
func Example() {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}

	m, err := httpcount.NewMonitor("http-server") // netcount's and httpcount's events
	if err != nil {
		log.Fatal(err)
	}
	if ln, err = httpcount.Instrument(srv, ln, m); err != nil { // handler, listener, ConnContext
		log.Fatal(err)
	}
	go srv.Serve(ln)            // or srv.ServeTLS(ln, cert, key): HTTP/2 is counted too
	admin := http.NewServeMux() // the stats page, served on an admin port
	admin.Handle("/debug/hitrate/", http.StripPrefix("/debug/hitrate", web.NewHandler(m)))

	defer m.Close()
	tr := &http.Transport{}
	for range 3 {
		resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	tr.CloseIdleConnections()
	srv.Shutdown(context.Background())

	total := func(name string) uint64 { return m.Total(m.MustEvent(name)) }
	conns := m.Snapshot(monitor.Query{}).Protocols[0].Conns
	fmt.Println("requests:", total(httpcount.Requests), "2xx:", total(httpcount.Responses2xx))
	fmt.Println("response body bytes:", total(httpcount.ResponseBytes))
	fmt.Println("connections:", conns.Total, "open:", conns.Current)
	// Output:
	// requests: 3 2xx: 3
	// response body bytes: 18
	// connections: 1 open: 0
}

// A Handler alone, without the counting listener: the counts go to the
// protocol.
func ExampleNew() {
	m, err := monitor.New("api", httpcount.Events(), httpcount.Units(), monitor.WithManualSampling())
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	h, err := httpcount.New(m, http.NotFoundHandler())
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	_ = srv // srv.ListenAndServe()
	fmt.Println(m.Events()[0])
	// Output: requests
}

// An existing http.Server that called srv.ListenAndServe(), instrumented
// in five lines. (Compiled, not run: it would serve forever.)
func ExampleListenAndServe() {
	srv := &http.Server{Addr: ":8080", Handler: http.NotFoundHandler()}

	m, err := httpcount.NewMonitor("http-server")
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(httpcount.ListenAndServe(srv, m)) // was: log.Fatal(srv.ListenAndServe())
}
