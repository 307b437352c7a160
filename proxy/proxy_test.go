package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
)

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
		Requests.Name(): uint64(wantRequests),
		BytesIn.Name():  uint64(sent),
		BytesOut.Name(): uint64(written),
		Errors.Name():   0,

		Responses1xx.Name(): 0,
		Responses2xx.Name(): uint64(wantRequests), // all 200
		Responses3xx.Name(): 0,
		Responses4xx.Name(): 0,
		Responses5xx.Name(): 0,
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
		if name == BytesIn.Name() || name == BytesOut.Name() {
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
	checkTotals(t, m, map[string]uint64{Requests.Name(): 0, BytesIn.Name(): uint64(len(msg)), BytesOut.Name(): uint64(len(msg)), Errors.Name(): 0})
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
	poll(t, func() bool { return m.Total(m.MustEvent(Errors.Name())) >= 1 && p.Active() == 0 })
	checkTotals(t, m, map[string]uint64{Errors.Name(): 1})

	// 2. The upstream is down: the dial fails, the client is closed.
	c2 := dial(t, addr)
	defer c2.Close()
	if n, _ := io.Copy(io.Discard, c2); n != 0 {
		t.Errorf("read %d bytes from a proxy with no upstream", n)
	}
	poll(t, func() bool { return m.Total(m.MustEvent(Errors.Name())) >= 2 && p.Active() == 0 })
	checkTotals(t, m, map[string]uint64{Errors.Name(): 2})

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
	checkTotals(t, m, map[string]uint64{Errors.Name(): 2, BytesIn.Name(): 4})
}

// Without a Monitor, the paths that count an error or an idle close
// (a failed dial, a reset, the idle timeout) close the connection as
// with one, and count nothing: they do not crash the proxy.
func TestNilMonitorFailures(t *testing.T) {
	// A failed dial.
	dead := listen(t)
	deadAddr := dead.Addr().String()
	dead.Close()
	_, addr := startProxy(t, deadAddr, nil)
	c := dial(t, addr)
	defer c.Close()
	if n, _ := io.Copy(io.Discard, c); n != 0 {
		t.Errorf("read %d bytes from a proxy with no upstream", n)
	}

	// The idle timeout.
	up := startEcho(t, "", false)
	p, err := New(Config{Upstream: up.addr, IdleTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	serve(t, p, ln)
	c2 := dial(t, ln.Addr().String())
	defer c2.Close()
	echo(t, c2, "ping")
	if n, err := io.Copy(io.Discard, c2); n != 0 || err != nil {
		t.Errorf("idle close: %d bytes, %v", n, err)
	}
	poll(t, func() bool { return p.Active() == 0 })
}
