package bench

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/hitrate/hitrate/httpcount"
	"github.com/hitrate/hitrate/netcount"
)

// The Middleware workload: the CPU and allocations each way of counting a
// server's requests adds to the same in-process handler (it writes 13
// bytes), served to an httptest.ResponseRecorder. Each contender counts
// requests, responses by status and response time where it can:
//
//	bare            the handler alone
//	httpcount       hitrate's httpcount.Handler, counts on the protocol
//	httpcount-conn  the same, the request carried by a netcount.Conn (as
//	                through httpcount.ConnContext): counts per connection
//	promhttp        InstrumentHandlerCounter + InstrumentHandlerDuration
//	                (code and method labels, default buckets)
//	otelhttp        otelhttp.NewHandler, OTel SDK with a ManualReader, no-op tracer
//	vm-by-hand      VictoriaMetrics/metrics by hand: a pooled status-capturing
//	                writer, a counter per class, a histogram

var hello = []byte("hello, world\n")

func helloHandler(w http.ResponseWriter, _ *http.Request) { w.Write(hello) }

// middlewareCase is one contender: its handler, the context its requests
// carry, and the number of requests it counted.
type middlewareCase struct {
	name string
	h    http.Handler
	ctx  context.Context
	// conn, if not nil, makes the context of a connection's requests and
	// the func that closes it: one per goroutine.
	conn    func() (context.Context, func())
	counted func() uint64
	close   func()
}

func middlewareCases(tb testing.TB) []middlewareCase {
	base := http.HandlerFunc(helloHandler)
	var cases []middlewareCase
	cases = append(cases, middlewareCase{name: "bare", h: base, counted: func() uint64 { return 0 }})

	for _, perConn := range []bool{false, true} {
		m, err := httpcount.NewMonitor("http")
		if err != nil {
			tb.Fatal(err)
		}
		h, err := httpcount.New(m, base)
		if err != nil {
			tb.Fatal(err)
		}
		c := middlewareCase{name: "httpcount", h: h, close: m.Close,
			counted: func() uint64 { return m.Total(m.MustEvent(httpcount.Responses2xx)) }}
		if perConn {
			// One connection per goroutine, as a keep-alive client has
			// one request at a time on its connection.
			c.name = "httpcount-conn"
			c.conn = func() (context.Context, func()) {
				nc, err := netcount.Wrap(nopConn{}, m)
				if err != nil {
					tb.Fatal(err)
				}
				return httpcount.ConnContext(context.Background(), nc), func() { nc.Close() }
			}
		}
		cases = append(cases, c)
	}

	reg := prometheus.NewRegistry()
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total"}, []string{"code", "method"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds"}, []string{"code", "method"})
	reg.MustRegister(reqs, dur)
	cases = append(cases, middlewareCase{name: "promhttp",
		h: promhttp.InstrumentHandlerCounter(reqs, promhttp.InstrumentHandlerDuration(dur, base)),
		counted: func() uint64 {
			mfs, _ := reg.Gather()
			for _, mf := range mfs {
				if mf.GetName() == "http_requests_total" {
					return uint64(mf.GetMetric()[0].GetCounter().GetValue())
				}
			}
			return 0
		}})

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	cases = append(cases, middlewareCase{name: "otelhttp",
		h: otelhttp.NewHandler(base, "hello", otelhttp.WithMeterProvider(mp), otelhttp.WithTracerProvider(tracenoop.NewTracerProvider())),
		counted: func() uint64 {
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(context.Background(), &rm); err != nil {
				tb.Fatal(err)
			}
			for _, sm := range rm.ScopeMetrics {
				for _, mt := range sm.Metrics {
					if h, ok := mt.Data.(metricdata.Histogram[float64]); ok && len(h.DataPoints) > 0 {
						return h.DataPoints[0].Count
					}
				}
			}
			return 0
		},
		close: func() { mp.Shutdown(context.Background()) }})

	set := vm.NewSet()
	vh := &vmHandler{next: base, dur: set.NewHistogram("http_request_duration_seconds")}
	for i := range vh.class {
		vh.class[i] = set.NewCounter(`http_responses_total{class="` + strconv.Itoa(i) + `xx"}`)
	}
	vh.pool.New = func() any { return &vmWriter{} }
	cases = append(cases, middlewareCase{name: "vm-by-hand", h: vh,
		counted: func() uint64 { return vh.class[2].Get() }})
	return cases
}

// vmHandler is what a user of VictoriaMetrics/metrics writes by hand: a
// status-capturing writer from a pool, a counter per class, a histogram.
type vmHandler struct {
	next  http.Handler
	class [6]*vm.Counter
	dur   *vm.Histogram
	pool  sync.Pool
}

type vmWriter struct {
	http.ResponseWriter
	status int
}

func (w *vmWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (h *vmHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	x := h.pool.Get().(*vmWriter)
	x.ResponseWriter, x.status = w, 0
	h.next.ServeHTTP(x, r)
	s := x.status
	if s == 0 {
		s = 200
	}
	if c := s / 100; c >= 1 && c <= 5 {
		h.class[c].Inc()
	} else {
		h.class[0].Inc()
	}
	h.dur.UpdateDuration(start)
	x.ResponseWriter = nil
	h.pool.Put(x)
}

// nopConn stands for a server's connection in hitrate-conn.
type nopConn struct{ net.Conn }

func (nopConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 50000} }
func (nopConn) Close() error         { return nil }

// discardWriter is a ResponseWriter that keeps nothing, reused by one
// goroutine for all its requests: a request then costs the handler and
// the middleware, not a recorder's allocations and garbage, whose noise
// (a microsecond, give or take 40%) would hide the few hundred
// nanoseconds a middleware adds.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(p), nil
}

// serveOnce serves r through h into w, emptied first.
func serveOnce(h http.Handler, w *discardWriter, r *http.Request) {
	w.code = 0
	clear(w.h)
	h.ServeHTTP(w, r)
}

func newRequest(ctx context.Context) *http.Request {
	r := httptest.NewRequest("GET", "/hello", nil)
	if ctx != nil {
		r = r.WithContext(ctx)
	}
	return r
}

// TestMiddlewareContenders checks that every contender serves the handler's
// response and counts each request.
func TestMiddlewareContenders(t *testing.T) {
	for _, c := range middlewareCases(t) {
		const n = 50
		ctx := c.ctx
		if c.conn != nil {
			var done func()
			ctx, done = c.conn()
			defer done()
		}
		for range n {
			w := httptest.NewRecorder()
			c.h.ServeHTTP(w, newRequest(ctx))
			if b, _ := io.ReadAll(w.Body); string(b) != string(hello) || w.Code != 200 {
				t.Errorf("%s: served %d %q", c.name, w.Code, b)
			}
		}
		if got := c.counted(); c.name != "bare" && got != n {
			t.Errorf("%s counted %d requests, want %d", c.name, got, n)
		}
		if c.close != nil {
			c.close()
		}
	}
}

func BenchmarkMiddleware(b *testing.B) {
	for _, c := range middlewareCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := c.ctx
				if c.conn != nil {
					var done func()
					ctx, done = c.conn()
					defer done()
				}
				r := newRequest(ctx)
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					serveOnce(c.h, w, r)
				}
			})
		})
		if c.close != nil {
			c.close()
		}
	}
}
