package httpcount

import (
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hitrate/hitrate/monitor"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/hitrate/hitrate/ring.defaultRotator"))
}

func newMonitor(t testing.TB, opts ...monitor.Option) *monitor.Monitor {
	t.Helper()
	m, err := NewMonitor("http-server", append([]monitor.Option{monitor.WithManualSampling()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// total returns m's protocol total of the event named name.
func total(m *monitor.Monitor, name string) uint64 { return m.Total(m.MustEvent(name)) }

// classes returns m's totals of the response events, other first.
func classes(m *monitor.Monitor) [6]uint64 {
	var c [6]uint64
	for i, name := range []string{ResponsesOther, Responses1xx, Responses2xx, Responses3xx, Responses4xx, Responses5xx} {
		c[i] = total(m, name)
	}
	return c
}

func TestNewChecksMonitor(t *testing.T) {
	ok := http.NotFoundHandler()
	noUnit, err := monitor.New("p", Events(), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer noUnit.Close()
	short, err := monitor.New("q", Events()[1:], Units(), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	for _, tc := range []struct {
		name string
		m    *monitor.Monitor
		h    http.Handler
		want string
	}{
		{"nil monitor", nil, ok, "nil *monitor.Monitor"},
		{"nil handler", newMonitor(t), nil, "nil http.Handler"},
		{"no unit", noUnit, ok, `event "request_body_bytes" of monitor "p" counts events, not bytes`},
		{"missing", short, ok, `monitor "q" has no event "requests"`},
	} {
		h, err := New(tc.m, tc.h)
		if err == nil || !strings.Contains(err.Error(), tc.want) || h != nil {
			t.Errorf("%s: New = %v, %v; want an error with %q", tc.name, h, err, tc.want)
		}
	}
	// Instrument changes nothing when it fails.
	srv := &http.Server{}
	if _, err := Instrument(srv, nil, newMonitor(t)); err == nil || srv.Handler != nil || srv.ConnContext != nil {
		t.Errorf("Instrument with a nil listener: %v, and the server changed", err)
	}
	if _, err := Instrument(nil, nil, newMonitor(t)); err == nil {
		t.Error("Instrument(nil) gave no error")
	}
}

// TestInterfaces serves a request for each combination of the optional
// interfaces and checks the handler sees exactly those of the original,
// that each reaches it, and that ResponseController finds them.
func TestInterfaces(t *testing.T) {
	m := newMonitor(t)
	names := []string{"Flush", "Hijack", "ReadFrom", "Push", "CloseNotify"}
	for bits := range len(fakes) {
		f := newFake()
		orig := fakes[bits](f)
		var inner http.ResponseWriter
		h, err := New(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner = w
			has := []bool{false, false, false, false, false}
			if v, ok := w.(http.Flusher); ok {
				has[0] = true
				v.Flush()
			}
			if v, ok := w.(http.Hijacker); ok {
				has[1] = true
				v.Hijack()
			}
			if v, ok := w.(io.ReaderFrom); ok {
				has[2] = true
				v.ReadFrom(strings.NewReader("abc"))
			}
			if v, ok := w.(http.Pusher); ok {
				has[3] = true
				v.Push("/x", nil)
			}
			//lint:ignore SA1019 tested on purpose
			if v, ok := w.(http.CloseNotifier); ok {
				has[4] = true
				v.CloseNotify()
			}
			for i, name := range names {
				if want := bits&(1<<i) != 0; has[i] != want || (f.called[name] == 1) != want {
					t.Errorf("bits %05b: %s present %v, called %d times; want present %v", bits, name, has[i], f.called[name], want)
				}
			}
			rc := http.NewResponseController(w)
			if err := rc.Flush(); (err == nil) != (bits&1 != 0) {
				t.Errorf("bits %05b: ResponseController.Flush = %v", bits, err)
			}
			if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok || u.Unwrap() != orig {
				t.Errorf("bits %05b: no Unwrap to the original", bits)
			}
		}))
		if err != nil {
			t.Fatal(err)
		}
		h.ServeHTTP(orig, httptest.NewRequest("GET", "/", nil))
		if inner == nil {
			t.Fatalf("bits %05b: the handler was not called", bits)
		}
	}
	c := classes(m)
	// Hijack without a status is "other" (the 8 combinations without
	// Flush, which sends a 200 before it); ReadFrom after it sends none.
	if c[0] != 8 || c[2] != 24 || total(m, Requests) != 32 {
		t.Errorf("classes %v of %d requests; want 8 other, 24 2xx of 32", c, total(m, Requests))
	}
	if got := total(m, ResponseBytes); got != 16*3 {
		t.Errorf("response bytes %d, want %d (ReadFrom of 3 bytes, 16 times)", got, 16*3)
	}
}

func TestStatusClasses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		h     http.HandlerFunc
		class int
		panic any
	}{
		{"nothing", func(http.ResponseWriter, *http.Request) {}, 2, nil},
		{"body only", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("hi")) }, 2, nil},
		{"string only", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hi") }, 2, nil},
		{"flush", func(w http.ResponseWriter, _ *http.Request) { w.(http.Flusher).Flush(); w.WriteHeader(500) }, 2, nil},
		{"404", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404); w.WriteHeader(200) }, 4, nil},
		{"301", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/x", http.StatusMovedPermanently) }, 3, nil},
		{"103 then 204", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(103); w.WriteHeader(204) }, 2, nil},
		{"101", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(101) }, 1, nil},
		{"503", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, 5, nil},
		{"999", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(999) }, 0, nil},
		{"panic", func(http.ResponseWriter, *http.Request) { panic("boom") }, 5, "boom"},
		{"abort after 200", func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte("partial"))
			panic(http.ErrAbortHandler)
		}, 5, http.ErrAbortHandler},
	} {
		m := newMonitor(t)
		h, err := New(m, tc.h)
		if err != nil {
			t.Fatal(err)
		}
		var got any
		func() {
			defer func() { got = recover() }()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		}()
		if got != tc.panic {
			t.Errorf("%s: recovered %v, want %v", tc.name, got, tc.panic)
		}
		var want [6]uint64
		want[tc.class] = 1
		if c := classes(m); c != want || total(m, Requests) != 1 {
			t.Errorf("%s: classes %v of %d requests, want %v of 1", tc.name, c, total(m, Requests), want)
		}
	}
}

func TestBodiesAndDuration(t *testing.T) {
	m := newMonitor(t)
	var durations []time.Duration
	var seen io.ReadCloser
	h, err := New(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Body
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
		w.Write(b[:2])
	}), WithDuration(func(d time.Duration) { durations = append(durations, d) }))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader("hello, world"))
	orig := req.Body
	h.ServeHTTP(httptest.NewRecorder(), req)
	if req.Body != orig || seen == orig {
		t.Error("the body was not wrapped for the handler, or not given back after it")
	}
	if in, out := total(m, RequestBytes), total(m, ResponseBytes); in != 12 || out != 14 {
		t.Errorf("body bytes in %d out %d, want 12 and 14", in, out)
	}
	if len(durations) != 1 || durations[0] < 0 {
		t.Errorf("durations %v, want one", durations)
	}
	// A panic is timed too.
	h2, _ := New(m, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(errors.New("x")) }),
		WithDuration(func(d time.Duration) { durations = append(durations, d) }))
	func() {
		defer func() { recover() }()
		h2.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	if len(durations) != 2 {
		t.Errorf("%d durations after a panic, want 2", len(durations))
	}
}

func TestServeHTTPAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects at random under the race detector")
	}
	m := newMonitor(t)
	buf, ok := make([]byte, 8), []byte("ok")
	h, err := New(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body.Read(buf)
		w.WriteHeader(201)
		w.Write(ok)
	}), WithDuration(func(time.Duration) {}))
	if err != nil {
		t.Fatal(err)
	}
	f := newFake()
	w := fakes[31](f)
	// Without a body: nothing.
	get := httptest.NewRequest("GET", "/", nil)
	if a := testing.AllocsPerRun(1000, func() {
		f.body = f.body[:0]
		h.ServeHTTP(w, get)
	}); a != 0 {
		t.Errorf("ServeHTTP allocates %v times per request without a body, want 0", a)
	}
	// With one: its counting reader, which may outlive the request.
	body := strings.NewReader("")
	r := httptest.NewRequest("POST", "/", io.NopCloser(body))
	if a := testing.AllocsPerRun(1000, func() {
		body.Reset("12345678")
		f.body = f.body[:0]
		h.ServeHTTP(w, r)
	}); a != 1 {
		t.Errorf("ServeHTTP allocates %v times per request with a body, want 1", a)
	}
	if n := total(m, Requests); n != 2002 || total(m, Responses2xx) != 2002 || total(m, RequestBytes) != 8*1001 || total(m, ResponseBytes) != 2*2002 {
		t.Errorf("requests %d, 2xx %d, body bytes %d %d", n, total(m, Responses2xx), total(m, RequestBytes), total(m, ResponseBytes))
	}
	if c := m.Snapshot(monitor.Query{}).Protocols[0].Dists[0].Total.Count; c != 2002 {
		t.Errorf("response times recorded: %d, want 2002", c)
	}
}

// TestResponseTimeDistribution: a Handler on NewMonitor's monitor records
// every request's response time into ResponseTime, the same durations
// that WithDuration gets: their count, sum and max.
func TestResponseTimeDistribution(t *testing.T) {
	m := newMonitor(t)
	var durations []time.Duration
	h, err := New(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}), WithDuration(func(d time.Duration) { durations = append(durations, d) }))
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	var sum float64
	var most time.Duration
	for _, d := range durations {
		sum += d.Seconds()
		most = max(most, d)
	}
	p := m.Snapshot(monitor.Query{}).Protocols[0]
	if len(p.Dists) != 1 || p.Dists[0].Name != ResponseTime {
		t.Fatalf("distributions %+v, want %q alone", p.Dists, ResponseTime)
	}
	tot := p.Dists[0].Total
	if tot.Count != 50 || len(durations) != 50 {
		t.Fatalf("ResponseTime counted %d, WithDuration got %d, want 50", tot.Count, len(durations))
	}
	if math.Abs(tot.Sum-sum) > 50e-9 || tot.Max != most {
		t.Errorf("sum %v s, max %v; WithDuration's: %v s, %v", tot.Sum, tot.Max, sum, most)
	}
}

// flushErrorWriter is a ResponseWriter whose flush fails, as net/http's
// does once the client is gone: it has FlushError besides Flush.
type flushErrorWriter struct {
	*httptest.ResponseRecorder
	err     error
	flushes int
}

func (w *flushErrorWriter) FlushError() error {
	w.flushes++
	return w.err
}

// TestFlushError: http.ResponseController.Flush, through the Handler's
// ResponseWriter, returns the error of the server's FlushError, as it
// does on the server's own (a streaming handler stops on it).
func TestFlushError(t *testing.T) {
	m := newMonitor(t)
	gone := errors.New("client gone")
	var got error
	h, err := New(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = http.NewResponseController(w).Flush()
	}))
	if err != nil {
		t.Fatal(err)
	}
	w := &flushErrorWriter{ResponseRecorder: httptest.NewRecorder(), err: gone}
	if err := http.NewResponseController(w).Flush(); err != gone {
		t.Fatalf("the server's own ResponseController.Flush = %v, want %v", err, gone)
	}
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got != gone || w.flushes != 2 {
		t.Errorf("ResponseController.Flush through the Handler = %v, FlushError called %d times; want %v, 2", got, w.flushes, gone)
	}
	if c := classes(m); c != [6]uint64{2: 1} {
		t.Errorf("classes %v, want one 2xx (a flush writes the header)", c)
	}
}

// TestWritesAfterHijack: after a Hijack, net/http sends no status (its
// WriteHeader and Write do nothing but fail), so a handler that hijacks
// and then writes a status or a body by mistake counts as
// ResponsesOther, as one that only hijacks does.
func TestWritesAfterHijack(t *testing.T) {
	m := newMonitor(t)
	h, err := New(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := w.(http.Hijacker).Hijack(); err != nil {
			t.Fatal(err)
		}
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("too late"))
	}))
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(fakes[2](newFake()), httptest.NewRequest("GET", "/", nil))
	if c := classes(m); c != [6]uint64{0: 1} {
		t.Errorf("classes %v, want one other", c)
	}
}
