package httpcount

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/netcount"
)

// The names of the events a Handler counts. Its monitor must have all of
// them, RequestBytes and ResponseBytes with the unit monitor.Bytes.
const (
	// Requests counts the requests the handler began to serve. Requests
	// minus the responses of every class is the number in flight.
	Requests = "requests"
	// Responses1xx to Responses5xx count the responses by the class of
	// their final status. A handler that writes a body, flushes or
	// returns without a status is a 200; one that panics is a 5xx.
	Responses1xx = "responses_1xx"
	// Responses2xx counts the 2xx responses.
	Responses2xx = "responses_2xx"
	// Responses3xx counts the 3xx responses.
	Responses3xx = "responses_3xx"
	// Responses4xx counts the 4xx responses.
	Responses4xx = "responses_4xx"
	// Responses5xx counts the 5xx responses, and the handlers that
	// panicked.
	Responses5xx = "responses_5xx"
	// ResponsesOther counts the requests answered with a status outside
	// 100-599, and those whose connection was hijacked before a status
	// was written (such as a WebSocket upgrade done by hand).
	ResponsesOther = "responses_other"
	// RequestBytes counts the bytes of request bodies the handlers read
	// (decoded: without chunked framing).
	RequestBytes = "request_body_bytes"
	// ResponseBytes counts the bytes of response bodies written through
	// the handler's ResponseWriter (Write, WriteString, ReadFrom), before
	// chunked framing or compression by the server.
	ResponseBytes = "response_body_bytes"
)

// ResponseTime is the name of the latency distribution (see
// monitor.WithDistributions) of the requests' response times, the time
// from a Handler's ServeHTTP to the next handler's return (or panic).
// NewMonitor declares it; a Handler whose monitor has it records every
// request into it, on the request's connection (its count and mean) and
// for the protocol (its percentiles), with one clock read at each end.
const ResponseTime = "response_time"

// Events returns the names of the events a Handler needs, to give to
// monitor.New with Units. NewMonitor makes a monitor with these and
// netcount's events.
func Events() []string {
	return []string{Requests, Responses1xx, Responses2xx, Responses3xx, Responses4xx, Responses5xx,
		ResponsesOther, RequestBytes, ResponseBytes}
}

// Units returns the monitor.Option that declares RequestBytes and
// ResponseBytes as counting bytes.
func Units() monitor.Option {
	return monitor.WithUnit(monitor.Bytes, RequestBytes, ResponseBytes)
}

// NewMonitor returns a monitor named name with the events of a Handler and
// of a netcount.Listener, and the distribution ResponseTime, so that one
// monitor counts a server's connections, bytes and requests and times its
// responses. opts are passed on to monitor.New.
func NewMonitor(name string, opts ...monitor.Option) (*monitor.Monitor, error) {
	events := append(netcount.Events(), Events()...)
	return monitor.New(name, events, append([]monitor.Option{netcount.Units(), Units(), monitor.WithDistributions(ResponseTime)}, opts...)...)
}

// Handler is net/http middleware that counts the requests it serves on a
// monitor: see the package documentation.
type Handler struct {
	next      http.Handler
	m         *monitor.Monitor
	requests  monitor.Event
	class     [6]monitor.Event // [0] ResponsesOther, [1] to [5] the classes
	reqBytes  monitor.Event
	respBytes monitor.Event
	rt        monitor.Dist        // ResponseTime, if timed
	timed     bool                // m has the distribution ResponseTime
	duration  func(time.Duration) // WithDuration's record, or nil
	pool      sync.Pool           // of *rw
}

// Option configures a Handler.
type Option func(*Handler)

// WithDuration calls record with the response time of every request: the
// time from the Handler's ServeHTTP to the next handler's return (or
// panic), the same as the distribution ResponseTime gets. It is for a
// distribution or a log of the caller's own. record is called on the
// request's goroutine, once per request, so it must be cheap and safe for
// concurrent use. Without it, and without ResponseTime in its monitor, the
// Handler does not read the clock.
func WithDuration(record func(d time.Duration)) Option {
	return func(h *Handler) { h.duration = record }
}

// New returns a Handler that counts the requests it passes to next on m.
// It fails if m is nil or lacks an event of Events, if RequestBytes or
// ResponseBytes does not count monitor.Bytes, or if next is nil.
func New(m *monitor.Monitor, next http.Handler, opts ...Option) (*Handler, error) {
	if m == nil {
		return nil, fmt.Errorf("httpcount: nil *monitor.Monitor")
	}
	if next == nil {
		return nil, fmt.Errorf("httpcount: nil http.Handler")
	}
	h := &Handler{next: next, m: m}
	var err error
	get := func(name string, bytes bool) monitor.Event {
		if err != nil {
			return monitor.Event{}
		}
		ev, e := m.Event(name)
		switch {
		case e != nil:
			err = fmt.Errorf("httpcount: monitor %q has no event %q; create it with httpcount.NewMonitor, or monitor.New(name, httpcount.Events(), httpcount.Units())", m.Name(), name)
		case bytes && m.Unit(ev) != monitor.Bytes:
			err = fmt.Errorf("httpcount: event %q of monitor %q counts %s, not bytes; declare it with httpcount.Units() or monitor.WithUnit(monitor.Bytes, %q, %q)", name, m.Name(), m.Unit(ev), RequestBytes, ResponseBytes)
		}
		return ev
	}
	h.requests = get(Requests, false)
	for i, name := range []string{ResponsesOther, Responses1xx, Responses2xx, Responses3xx, Responses4xx, Responses5xx} {
		h.class[i] = get(name, false)
	}
	h.reqBytes = get(RequestBytes, true)
	h.respBytes = get(ResponseBytes, true)
	if err != nil {
		return nil, err
	}
	if d, err := m.Dist(ResponseTime); err == nil {
		h.rt, h.timed = d, true
	}
	for _, o := range opts {
		if o != nil {
			o(h)
		}
	}
	h.pool.New = func() any { return &rw{h: h} }
	return h, nil
}

// ServeHTTP counts the request on the connection that carried it (if the
// server's ConnContext is ConnContext and its listener a
// netcount.Listener on the same monitor) or on the protocol, and passes it
// to the next handler with a ResponseWriter that counts the response and
// has the same optional interfaces as w (http.Flusher, http.Hijacker,
// io.ReaderFrom, http.Pusher, http.CloseNotifier), and an Unwrap method
// for http.ResponseController.
//
// If the next handler panics, the request counts as a 5xx and the panic
// goes on up, untouched.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var start time.Duration
	if h.timed || h.duration != nil {
		start = time.Since(monoStart)
	}
	x := h.pool.Get().(*rw)
	x.w = w
	x.h2 = r.ProtoMajor >= 2
	x.c = counter{m: h.m}
	if nc, ok := r.Context().Value(connKey{}).(*netcount.Conn); ok && nc.Monitor() == h.m {
		x.c.c, x.c.onConn = nc.Counter(), true
	}
	x.c.add(h.requests, 1)

	orig := r.Body
	if orig != nil && orig != http.NoBody {
		b := &body{rc: orig, c: x.c, ev: h.reqBytes}
		r.Body = b
		if expectsContinue(r) {
			x.expect = b
		}
	}
	returned := false
	defer func() {
		class := 5 // a panic, or runtime.Goexit
		if returned {
			switch s := x.status; {
			case s == hijacked:
				class = 0
			case s == 0:
				class = 2
			case s >= 100 && s <= 599:
				class = s / 100
			default:
				class = 0
			}
		}
		x.c.add(h.class[class], 1)
		if h.timed || h.duration != nil {
			d := time.Since(monoStart) - start
			if h.timed {
				x.c.record(h.rt, d)
			}
			if h.duration != nil {
				h.duration(d)
			}
		}
		if orig != nil && orig != http.NoBody {
			r.Body = orig
		}
		if returned {
			*x = rw{h: h}
			h.pool.Put(x)
		}
	}()
	h.next.ServeHTTP(wrap(x, w), r)
	returned = true
}

// monoStart is the origin of the Handlers' clock: time.Since(monoStart)
// reads the monotonic clock alone, where time.Now reads the wall clock
// too (on some machines, twice the cost).
var monoStart = time.Now()

// wrap returns x as the type of writers.go with the optional interfaces
// of w.
func wrap(x *rw, w http.ResponseWriter) http.ResponseWriter {
	bits := 0
	if _, ok := w.(http.Flusher); ok {
		bits |= 1
	}
	if _, ok := w.(http.Hijacker); ok {
		bits |= 2
	}
	if _, ok := w.(io.ReaderFrom); ok {
		bits |= 4
	}
	if _, ok := w.(http.Pusher); ok {
		bits |= 8
	}
	//lint:ignore SA1019 kept for the handlers that still use it
	if _, ok := w.(http.CloseNotifier); ok {
		bits |= 16
	}
	return wrappers[bits](x)
}

// connKey is the context key of the *netcount.Conn that ConnContext
// stores.
type connKey struct{}

// ConnContext is a func for http.Server.ConnContext: it notes the
// *netcount.Conn that c is or wraps (a TLS server's connections are
// *tls.Conn over the listener's), so that a Handler counts the requests
// it carries on it. The page then lists each keep-alive or HTTP/2
// connection with its requests. It returns ctx itself if c is no counted
// connection.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if nc := netcount.Find(c); nc != nil {
		return context.WithValue(ctx, connKey{}, nc)
	}
	return ctx
}

// Instrument counts srv on m, which must have the events of NewMonitor: it
// wraps srv.Handler (http.DefaultServeMux if nil) in a Handler, chains
// ConnContext after srv.ConnContext, and returns ln wrapped in a
// netcount.Listener, for srv.Serve or srv.ServeTLS. Call it before
// serving; it changes nothing if it fails.
//
//	m, err := httpcount.NewMonitor("http-server")
//	ln, err = httpcount.Instrument(srv, ln, m)
//	err = srv.Serve(ln)
func Instrument(srv *http.Server, ln net.Listener, m *monitor.Monitor, opts ...Option) (net.Listener, error) {
	if srv == nil {
		return nil, fmt.Errorf("httpcount: nil *http.Server")
	}
	next := srv.Handler
	if next == nil {
		next = http.DefaultServeMux
	}
	h, err := New(m, next, opts...)
	if err != nil {
		return nil, err
	}
	cl, err := netcount.NewListener(ln, m)
	if err != nil {
		return nil, err
	}
	srv.Handler = h
	if prev := srv.ConnContext; prev != nil {
		srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
			return ConnContext(prev(ctx, c), c)
		}
	} else {
		srv.ConnContext = ConnContext
	}
	return cl, nil
}

// ListenAndServe is http.Server.ListenAndServe, counted on m: it listens
// on srv.Addr (":http" if empty), instruments srv with Instrument, and
// serves. It returns Instrument's error, with the listener closed, or
// srv.Serve's (http.ErrServerClosed after Shutdown or Close).
//
//	m, err := httpcount.NewMonitor("http-server")
//	if err != nil {
//		log.Fatal(err)
//	}
//	log.Fatal(httpcount.ListenAndServe(srv, m)) // was: log.Fatal(srv.ListenAndServe())
func ListenAndServe(srv *http.Server, m *monitor.Monitor, opts ...Option) error {
	ln, err := listen(srv, ":http", m, opts)
	if err != nil {
		return err
	}
	return srv.Serve(ln)
}

// ListenAndServeTLS is http.Server.ListenAndServeTLS, counted on m as
// ListenAndServe counts: the listener is wrapped under TLS, so the bytes
// are wire bytes, and HTTP/2 connections are counted with their requests.
func ListenAndServeTLS(srv *http.Server, m *monitor.Monitor, certFile, keyFile string, opts ...Option) error {
	ln, err := listen(srv, ":https", m, opts)
	if err != nil {
		return err
	}
	return srv.ServeTLS(ln, certFile, keyFile)
}

// listen listens on srv.Addr, or def, and instruments srv.
func listen(srv *http.Server, def string, m *monitor.Monitor, opts []Option) (net.Listener, error) {
	if srv == nil {
		return nil, fmt.Errorf("httpcount: nil *http.Server")
	}
	addr := srv.Addr
	if addr == "" {
		addr = def
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	cl, err := Instrument(srv, ln, m, opts...)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return cl, nil
}
