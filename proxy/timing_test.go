package proxy

import (
	"bufio"
	"io"

	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/proxy/http1"
	"github.com/hitrate/hitrate/ring"
)

// distTotal returns the Total of m's distribution d.
func distTotal(t *testing.T, m *monitor.Monitor, d Dist) monitor.DistTotal {
	t.Helper()
	for _, ds := range m.Snapshot(monitor.Query{}).Protocols[0].Dists {
		if ds.Name == d.Name() {
			return ds.Total
		}
	}
	t.Fatalf("monitor has no distribution %q", d.Name())
	return monitor.DistTotal{}
}

// The proxy times each response from its request's start to the
// response's start, on the manual clock that the upstream moves: its
// handler waits until the proxy has counted the request (so the proxy
// read the clock at the request line) and the responses before it, then
// advances the clock by the
// delay the request asks for, then answers. Pipelined requests, read at
// one instant, are each paired with their own response: the second
// waits for the first's delay and its own. Dials on the manual clock
// take no time: connect_time counts each connection, as 0.
func TestResponseTime(t *testing.T) {
	clk := ring.NewManualClock()
	m, err := NewMonitor("http", monitor.WithClock(clk.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	requests, responses := m.MustEvent("requests"), m.MustEvent("responses_2xx")
	var mu sync.Mutex // one handler at a time moves the clock
	seen := uint64(0)
	up := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen++
		// The proxy has read this request's line, and the responses before
		// it (pipelined, the server answers the next before the proxy
		// reads the last).
		poll(t, func() bool { return m.Total(requests) >= seen && m.Total(responses) >= seen-1 })
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		clk.Advance(time.Duration(ms) * time.Millisecond)
		io.WriteString(w, "ok")
	}))
	p, err := New(Config{Upstream: up, Monitor: m, Clock: clk.Clock})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()

	// One connection, one request at a time: 3, 40 and 250 ms.
	c := dial(t, ln.Addr().String())
	br := bufio.NewReader(c)
	get := func(ms ...int) {
		var b strings.Builder
		for _, v := range ms {
			b.WriteString("GET /?ms=" + strconv.Itoa(v) + " HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		if _, err := io.WriteString(c, b.String()); err != nil {
			t.Fatal(err)
		}
		for range ms {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	get(3)
	get(40)
	get(250)
	// Three pipelined, in one write: 10, 20, 30 ms each, so 10, 30 and
	// 60 ms from their common start.
	get(10, 20, 30)
	c.Close()
	// A second connection, for connect_time.
	c2 := dial(t, ln.Addr().String())
	c = c2
	br = bufio.NewReader(c)
	get(1)
	c.Close()
	waitClosed(t, m, 2)
	p.Close()
	if err := <-done; err != ErrClosed {
		t.Errorf("Serve: %v", err)
	}

	want := []time.Duration{3, 40, 250, 10, 30, 60, 1}
	var sum time.Duration
	for i := range want {
		want[i] *= time.Millisecond
		sum += want[i]
	}
	rt := distTotal(t, m, ResponseTime)
	if rt.Count != uint64(len(want)) || rt.Max != 250*time.Millisecond || rt.Underflow != 0 {
		t.Errorf("response_time: count %d, max %v, underflow %d; want %d, 250ms, 0", rt.Count, rt.Max, rt.Underflow, len(want))
	}
	if d := rt.Sum - sum.Seconds(); d > 1e-9 || d < -1e-9 {
		t.Errorf("response_time: sum %v s, want %v s", rt.Sum, sum.Seconds())
	}
	// The buckets agree with the values, but at the bounds that a value
	// is within 1% of (10 ms, 250 ms): a bound is the nearest fine
	// bucket edge, and such a value may count on its other side.
bounds:
	for i, b := range rt.Bounds {
		n := uint64(0)
		for _, v := range want {
			if v <= b {
				n++
			}
			if d := float64(v-b) / float64(b); d > -0.01 && d < 0.01 {
				continue bounds
			}
		}
		if rt.Buckets[i] != n {
			t.Errorf("response_time: bucket le=%v holds %d, want %d", b, rt.Buckets[i], n)
		}
	}
	ct := distTotal(t, m, ConnectTime)
	if ct.Count != 2 || ct.Underflow != 2 || ct.Max != 0 {
		t.Errorf("connect_time: %+v, want 2 values of 0", ct)
	}
}

// A Monitor without the distributions (made by monitor.New with the
// events alone) is counted as before and timed not at all.
func TestNoDistributions(t *testing.T) {
	m, err := monitor.New("tcp", names(), monitor.WithUnit(monitor.Bytes, "bytes_in", "bytes_out"), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	up := serveHTTP(t, http.HandlerFunc(upstreamHandler))
	_, addr := startProxy(t, up, m)
	if b := getBody(t, "http://"+addr+"/?n=3"); string(b) != "xxx" {
		t.Fatalf("body %q", b)
	}
	waitClosed(t, m, 1)
	checkTotals(t, m, map[string]uint64{"requests": 1, "responses_2xx": 1})
	if ds := m.Snapshot(monitor.Query{}).Protocols[0].Dists; ds != nil {
		t.Errorf("dists %+v", ds)
	}
}

// Counting and timing requests and responses, with the clients table,
// allocates nothing: per request a clock read, a keyed add, and per
// response a clock read and a Conn.Record.
func TestTimedAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects at random under the race detector; make test runs this without it")
	}
	const n = 10
	reqs := strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", n)
	resps := strings.Repeat("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", n)
	clk := ring.NewManualClock()
	m, err := NewMonitor("test", monitor.WithClock(clk.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	clients, err := NewClients(10, keyed.WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParseAddr("192.0.2.1")
	c := m.Open("c")
	defer c.Close()
	q := new(http1.Queue)
	rr, sr := strings.NewReader(reqs), strings.NewReader(resps)
	in := tee{src: rr, dst: io.Discard, mc: c, events: bindOf(m), q: q, timer: clk.Clock, rt: m.MustDist("response_time"), clients: clients, addr: addr}
	out := tee{src: sr, dst: io.Discard, mc: c, events: bindOf(m), q: q, timer: clk.Clock, rt: m.MustDist("response_time")}
	runs := 0
	run := func() {
		runs++
		rr.Reset(reqs)
		sr.Reset(resps)
		*q = http1.Queue{}
		in.err, out.err = nil, nil
		in.countRequests()
		clk.Stall(time.Millisecond)
		out.countResponses()
	}
	run() // warm the pools
	if allocs := testing.AllocsPerRun(20, run); allocs > 0 {
		t.Errorf("counting and timing %d requests and responses allocates %v times, want 0", n, allocs)
	}
	rt := distTotal(t, m, ResponseTime)
	if rt.Count != uint64(runs*n) || rt.Max != time.Millisecond {
		t.Errorf("response_time: %d values, max %v; want %d, 1ms", rt.Count, rt.Max, runs*n)
	}
	if got := clients.Total(addr, ClientRequests); got != uint64(runs*n) {
		t.Errorf("the client's requests: %d, want %d", got, runs*n)
	}
}
