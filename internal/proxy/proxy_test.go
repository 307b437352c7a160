package proxy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/hitrate/hitrate/ring.defaultRotator"))
}

// listen listens on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serveHTTP serves h on a free loopback port until the test ends and
// returns the address.
func serveHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	ln := listen(t)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

// startProxy serves a Proxy to upstream counting on m (nil for none) on a
// free loopback port until the test ends, and returns it and its address.
func startProxy(t *testing.T, upstream string, m *monitor.Monitor) (*Proxy, string) {
	t.Helper()
	p, err := New(Config{Upstream: upstream, Monitor: m, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	t.Cleanup(func() {
		p.Close()
		if err := <-done; err != ErrClosed {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	})
	return p, ln.Addr().String()
}

func newMonitor(t *testing.T, name string) *monitor.Monitor {
	t.Helper()
	m, err := NewMonitor(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// countingConn counts the bytes read from and written to a connection.
type countingConn struct {
	*net.TCPConn
	read, written int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.TCPConn.Read(p)
	c.read += int64(n)
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.TCPConn.Write(p)
	c.written += int64(n)
	return n, err
}

func dial(t *testing.T, addr string) *countingConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &countingConn{TCPConn: c.(*net.TCPConn)}
}

// upstreamHandler reads the request body and answers ?n= bytes.
func upstreamHandler(w http.ResponseWriter, r *http.Request) {
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	if r.URL.Query().Has("cl") {
		w.Header().Set("Content-Length", strconv.Itoa(n))
	}
	w.Write(bytes.Repeat([]byte("x"), n))
}

// The numbers in the handler's JSON and Prometheus output are exactly the
// connections, requests and bytes the clients made.
func TestCountsExact(t *testing.T) {
	m := newMonitor(t, "http")
	up := serveHTTP(t, http.HandlerFunc(upstreamHandler))
	_, addr := startProxy(t, up, m)
	stats := serveHTTP(t, web.NewHandler(monitor.Group{m}))

	get := func(n int, cl bool) string {
		q := ""
		if cl {
			q = "&cl"
		}
		return fmt.Sprintf("GET /get?n=%d%s HTTP/1.1\r\nHost: upstream\r\n\r\n", n, q)
	}
	post := func(body string) string {
		return fmt.Sprintf("POST /post?n=7 HTTP/1.1\r\nHost: upstream\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
	chunked := "POST /chunked?n=3000 HTTP/1.1\r\nHost: upstream\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n7;name=value\r\n, world\r\n400\r\n" + strings.Repeat("c", 0x400) + "\r\n0\r\nX-Sum: 1\r\n\r\n"
	bigBody := strings.Repeat("b", 300<<10) // larger than the proxy's buffer

	// Each client is a list of writes; after each write it reads the
	// number of responses given.
	type step struct {
		write     string
		responses int
	}
	clients := [][]step{
		{{get(0, false), 1}, {get(10, true), 1}, {get(5000, false), 1}},                     // keep-alive
		{{post("hello"), 1}, {chunked, 1}, {get(1, true), 1}},                               // bodies
		{{get(3, false) + post(strings.Repeat("p", 50)) + chunked + get(200<<10, true), 4}}, // pipelined
		{{post(bigBody), 1}, {"GET /get?n=100000&cl HTTP/1.0\r\nHost: upstream\r\nConnection: keep-alive\r\n\r\n", 1}},
		{}, // connects and closes
	}
	wantRequests := 0
	for _, steps := range clients {
		for _, s := range steps {
			wantRequests += s.responses
		}
	}

	var (
		wg            sync.WaitGroup
		mu            sync.Mutex
		sent, written int64
	)
	for i, steps := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, addr)
			defer c.Close()
			br := bufio.NewReader(c)
			for _, s := range steps {
				if _, err := io.WriteString(c, s.write); err != nil {
					t.Errorf("client %d: %v", i, err)
					return
				}
				for range s.responses {
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Errorf("client %d: %v", i, err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Errorf("client %d: status %s", i, resp.Status)
					}
				}
			}
			// End the stream; the upstream closes; read up to its end.
			c.CloseWrite()
			if n, err := io.Copy(io.Discard, br); err != nil || n != 0 {
				t.Errorf("client %d: %d more bytes, %v after the last response", i, n, err)
			}
			mu.Lock()
			sent += c.written
			written += c.read
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// The proxy counts before it forwards, and closes the connection after
	// its last count: once no connection is open, the numbers are final.
	var s monitor.Snapshot
	poll(t, func() bool {
		s = getSnapshot(t, stats)
		return s.Protocols[0].Conns.Current == 0 && s.Protocols[0].Conns.Total == uint64(len(clients))
	})
	want := map[string]uint64{
		EventRequests: uint64(wantRequests),
		EventBytesIn:  uint64(sent),
		EventBytesOut: uint64(written),
		EventErrors:   0,

		EventResponses1xx: 0,
		EventResponses2xx: uint64(wantRequests), // all 200
		EventResponses3xx: 0,
		EventResponses4xx: 0,
		EventResponses5xx: 0,
	}
	got := map[string]uint64{}
	for _, e := range s.Protocols[0].Events {
		got[e.Name] = e.Total
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("/json: %s = %d, want %d", name, got[name], w)
		}
	}
	t.Logf("%d connections, %d requests, %d bytes in, %d bytes out", len(clients), wantRequests, sent, written)

	metrics := getBody(t, "http://"+stats+"/metrics")
	for name, w := range want {
		family, other := "hitrate_events_total", "hitrate_bytes_total"
		if name == EventBytesIn || name == EventBytesOut {
			family, other = other, family
		}
		series := fmt.Sprintf(`%s{protocol="http",event=%q}`, family, name)
		if v, ok := metricValue(metrics, series); !ok || v != strconv.FormatUint(w, 10) {
			t.Errorf("/metrics: %s = %q, want %d", series, v, w)
		}
		series = fmt.Sprintf(`%s{protocol="http",event=%q}`, other, name)
		if v, ok := metricValue(metrics, series); ok {
			t.Errorf("/metrics: %s = %q, want no such series: no family mixes units", series, v)
		}
	}
	series := `hitrate_connections_opened_total{protocol="http"}`
	if v, ok := metricValue(metrics, series); !ok || v != strconv.Itoa(len(clients)) {
		t.Errorf("/metrics: %s = %q, want %d", series, v, len(clients))
	}
}

// Bytes that are not HTTP are counted, and no request.
func TestRawTCP(t *testing.T) {
	m := newMonitor(t, "tcp")
	up := startEcho(t, "", false)
	_, addr := startProxy(t, up.addr, m)

	c := dial(t, addr)
	msg := bytes.Repeat([]byte{0, 1, 2, 0xff, '\n'}, 20000)
	go func() {
		c.Write(msg)
		c.CloseWrite()
	}()
	got, err := io.ReadAll(c)
	c.Close()
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo: %d bytes, %v; want the %d sent", len(got), err, len(msg))
	}
	waitClosed(t, m, 1)
	checkTotals(t, m, map[string]uint64{EventRequests: 0, EventBytesIn: uint64(len(msg)), EventBytesOut: uint64(len(msg)), EventErrors: 0})
}

// Without a Monitor the proxy forwards the same.
func TestNilMonitor(t *testing.T) {
	up := serveHTTP(t, http.HandlerFunc(upstreamHandler))
	_, addr := startProxy(t, up, nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for range 3 {
		resp, err := client.Post("http://"+addr+"/?n=70000", "text/plain", strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || len(b) != 70000 {
			t.Fatalf("got %d bytes, %v", len(b), err)
		}
	}
}

// When the upstream dies mid-stream, the error is counted, the client's
// connection is closed, a dial to the dead upstream counts an error, and
// once the upstream is back the proxy serves again.
func TestUpstreamKilled(t *testing.T) {
	m := newMonitor(t, "stream")
	up := startEcho(t, "", true)
	p, addr := startProxy(t, up.addr, m)

	// 1. Mid-stream: the upstream streams, the client reads some of it.
	c := dial(t, addr)
	defer c.Close()
	if _, err := io.ReadFull(c, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	up.kill()
	if _, err := io.Copy(io.Discard, c); err != nil {
		// The proxy closes the client's connection: EOF, or a reset.
		t.Logf("client: %v", err)
	}
	poll(t, func() bool { return m.Total(m.MustEvent(EventErrors)) >= 1 && p.Active() == 0 })
	checkTotals(t, m, map[string]uint64{EventErrors: 1})

	// 2. The upstream is down: the dial fails, the client is closed.
	c2 := dial(t, addr)
	defer c2.Close()
	if n, _ := io.Copy(io.Discard, c2); n != 0 {
		t.Errorf("read %d bytes from a proxy with no upstream", n)
	}
	poll(t, func() bool { return m.Total(m.MustEvent(EventErrors)) >= 2 && p.Active() == 0 })
	checkTotals(t, m, map[string]uint64{EventErrors: 2})

	// 3. The upstream is back on the same address: the proxy serves again.
	startEcho(t, up.addr, false)
	c3 := dial(t, addr)
	if _, err := c3.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	c3.CloseWrite()
	b, err := io.ReadAll(c3)
	c3.Close()
	if err != nil || string(b) != "ping" {
		t.Fatalf("after restart: %q, %v; want \"ping\"", b, err)
	}
	waitClosed(t, m, 3)
	checkTotals(t, m, map[string]uint64{EventErrors: 2, EventBytesIn: 4})
}

// Shutdown stops accepting, waits for the open connections, and counts
// no error.
func TestShutdownGraceful(t *testing.T) {
	m := newMonitor(t, "tcp")
	up := startEcho(t, "", false)
	p, err := New(Config{Upstream: up.addr, Monitor: m})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()

	c := dial(t, ln.Addr().String())
	defer c.Close()
	echo(t, c, "one")
	poll(t, func() bool { return p.Active() == 1 })

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- p.Shutdown(ctx)
	}()
	if err := <-served; err != ErrClosed {
		t.Fatalf("Serve returned %v, want ErrClosed", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("the proxy still accepts after Shutdown")
	}
	echo(t, c, "two") // the open connection still works
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a connection open", err)
	default:
	}
	c.CloseWrite()
	io.Copy(io.Discard, c)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	checkTotals(t, m, map[string]uint64{EventErrors: 0, EventBytesIn: 6})
	if err := p.Serve(listen(t)); err != ErrClosed {
		t.Errorf("Serve after Shutdown: %v, want ErrClosed", err)
	}
}

// A Shutdown whose context ends closes the open connections.
func TestShutdownTimeout(t *testing.T) {
	m := newMonitor(t, "tcp")
	up := startEcho(t, "", false)
	p, err := New(Config{Upstream: up.addr, Monitor: m})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()
	c := dial(t, ln.Addr().String())
	defer c.Close()
	echo(t, c, "one")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want %v", err, context.DeadlineExceeded)
	}
	if p.Active() != 0 {
		t.Errorf("%d connections left after Shutdown", p.Active())
	}
	if n, _ := io.Copy(io.Discard, c); n != 0 {
		t.Errorf("read %d bytes after Shutdown", n)
	}
	if err := <-served; err != ErrClosed {
		t.Errorf("Serve returned %v, want ErrClosed", err)
	}
	checkTotals(t, m, map[string]uint64{EventErrors: 0})
	if cur := m.Snapshot(monitor.Query{}).Protocols[0].Conns.Current; cur != 0 {
		t.Errorf("%d connections still open in the monitor", cur)
	}
}

func TestNewErrors(t *testing.T) {
	other, err := monitor.New("other", []string{"requests", "bytes_in"}, monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for _, cfg := range []Config{
		{Upstream: "nohostport"},
		{Upstream: "127.0.0.1:1", DialTimeout: -1},
		{Upstream: "127.0.0.1:1", Monitor: other},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) did not fail", cfg)
		} else {
			t.Log(err)
		}
	}
}

func echo(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, len(msg))
	if _, err := io.ReadFull(c, b); err != nil || string(b) != msg {
		t.Fatalf("echo: %q, %v; want %q", b, err, msg)
	}
}

// echoServer is an upstream that echoes, or with stream set, streams
// bytes until the client goes away. kill closes it abruptly: the listener,
// and every connection with a reset.
type echoServer struct {
	addr   string
	ln     net.Listener
	stream bool

	mu    sync.Mutex
	conns map[*net.TCPConn]bool
	wg    sync.WaitGroup
}

// startEcho starts an echoServer on addr, or a free port if addr is "",
// until the test ends.
func startEcho(t *testing.T, addr string, stream bool) *echoServer {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &echoServer{addr: ln.Addr().String(), ln: ln, stream: stream, conns: map[*net.TCPConn]bool{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tc := c.(*net.TCPConn)
			s.mu.Lock()
			s.conns[tc] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer tc.Close()
				if stream {
					go io.Copy(io.Discard, tc)
					buf := bytes.Repeat([]byte("s"), 4096)
					for {
						if _, err := tc.Write(buf); err != nil {
							return
						}
					}
				}
				io.Copy(tc, tc)
				tc.CloseWrite()
			}()
		}
	}()
	t.Cleanup(s.kill)
	return s
}

func (s *echoServer) kill() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.SetLinger(0)
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// poll calls cond until it holds, failing the test after 10 seconds.
func poll(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitClosed waits for m to have seen total connections, all closed.
func waitClosed(t *testing.T, m *monitor.Monitor, total uint64) {
	t.Helper()
	poll(t, func() bool {
		c := m.Snapshot(monitor.Query{}).Protocols[0].Conns
		return c.Current == 0 && c.Total == total
	})
}

func checkTotals(t *testing.T, m *monitor.Monitor, want map[string]uint64) {
	t.Helper()
	for name, w := range want {
		if got := m.Total(m.MustEvent(name)); got != w {
			t.Errorf("%s = %d, want %d", name, got, w)
		}
	}
}

func getBody(t *testing.T, url string) []byte {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return b
}

func getSnapshot(t *testing.T, stats string) monitor.Snapshot {
	t.Helper()
	var s monitor.Snapshot
	if err := json.Unmarshal(getBody(t, "http://"+stats+"/json"), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Protocols) != 1 {
		t.Fatalf("/json has %d protocols, want 1", len(s.Protocols))
	}
	return s
}

// metricValue returns the value of series in a Prometheus exposition.
func metricValue(text []byte, series string) (string, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindSubmatch(text)
	if m == nil {
		return "", false
	}
	return string(m[1]), true
}

// TestCloseAbortsDialsWithoutErrors closes the proxy while dials to the
// upstream hang: Close must end them and count no error.
func TestCloseAbortsDialsWithoutErrors(t *testing.T) {
	m := newMonitor(t, "tcp")
	p, err := New(Config{Upstream: "127.0.0.1:1", Monitor: m, DialTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var dialing sync.WaitGroup
	const clients = 20
	dialing.Add(clients)
	p.dialer.ControlContext = func(ctx context.Context, _, _ string, _ syscall.RawConn) error {
		dialing.Done()
		<-ctx.Done() // hang until Close aborts the dial
		return ctx.Err()
	}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	for range clients {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	dialing.Wait()
	p.Close()
	if err := <-done; err != ErrClosed {
		t.Errorf("Serve returned %v, want ErrClosed", err)
	}
	if n := m.Total(m.MustEvent(EventErrors)); n != 0 {
		t.Errorf("Close counted %d errors, want 0", n)
	}
	if n := m.Snapshot(monitor.Query{}).Protocols[0].Conns.Total; n != clients {
		t.Errorf("%d connections opened, want %d", n, clients)
	}
}

func TestNewMonitorUnits(t *testing.T) {
	m, err := NewMonitor("tcp", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want := map[string]monitor.Unit{
		EventRequests: monitor.Count, EventBytesIn: monitor.Bytes,
		EventBytesOut: monitor.Bytes, EventErrors: monitor.Count,
	}
	for _, name := range Events() {
		if got := m.Unit(m.MustEvent(name)); got != want[name] {
			t.Errorf("%s: unit %v, want %v", name, got, want[name])
		}
	}
	// The proxy gives the byte events their unit: a caller may not.
	if _, err := NewMonitor("tcp", monitor.WithManualSampling(), monitor.WithUnit(monitor.Bytes, EventBytesIn)); err == nil {
		t.Error("NewMonitor accepted a second unit for bytes_in")
	}
}
