package httpcount

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/netcount"
)

// spy counts, independently of netcount, what the connections under the
// counting listener read and write, and their failed writes: the model
// the monitor's totals must equal.
type spy struct {
	net.Listener
	in, out, werr atomic.Uint64
	sent          atomic.Uint64 // of out, written by the raw connection's ReadFrom
}

func (s *spy) Accept() (net.Conn, error) {
	c, err := s.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &spyConn{TCPConn: c.(*net.TCPConn), s: s}, nil
}

// spyConn has the methods of *net.TCPConn, and counts what passes.
type spyConn struct {
	*net.TCPConn
	s *spy
}

func (c *spyConn) Read(b []byte) (int, error) {
	n, err := c.TCPConn.Read(b)
	c.s.in.Add(uint64(n))
	return n, err
}

func (c *spyConn) Write(b []byte) (int, error) {
	n, err := c.TCPConn.Write(b)
	c.s.out.Add(uint64(n))
	if err != nil && !errors.Is(err, net.ErrClosed) {
		c.s.werr.Add(1)
	}
	return n, err
}

func (c *spyConn) ReadFrom(r io.Reader) (int64, error) {
	n, err := c.TCPConn.ReadFrom(r)
	c.s.out.Add(uint64(n))
	c.s.sent.Add(uint64(n))
	return n, err
}

func (c *spyConn) WriteTo(w io.Writer) (int64, error) {
	n, err := c.TCPConn.WriteTo(w)
	c.s.in.Add(uint64(n))
	return n, err
}

// fixture is a monitored httptest.Server: counting listener over a spy,
// ConnContext set, the close hook keeping each connection's summary.
type fixture struct {
	m   *monitor.Monitor
	srv *httptest.Server
	spy *spy

	mu     sync.Mutex
	closed []monitor.ConnSummary
	// closedUnder is set by a test whose connection closes while its
	// handler runs.
	closedUnder bool
}

func newFixture(t *testing.T, h http.Handler) *fixture {
	t.Helper()
	f := &fixture{}
	m, err := NewMonitor("http-server", monitor.WithManualSampling(), monitor.WithCloseHook(func(s monitor.ConnSummary) {
		f.mu.Lock()
		f.closed = append(f.closed, s)
		f.mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	f.m = m
	f.srv = httptest.NewUnstartedServer(h)
	f.spy = &spy{Listener: f.srv.Listener}
	ln, err := Instrument(f.srv.Config, f.spy, m)
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Listener = ln
	return f
}

// noErrors checks that no read or write error was counted: the server's
// own deadlines and closes are none.
func (f *fixture) noErrors(t *testing.T) {
	t.Helper()
	if r, w := total(f.m, netcount.ReadErrors), total(f.m, netcount.WriteErrors); r != 0 || w != 0 {
		t.Errorf("%d read and %d write errors counted, want none", r, w)
	}
}

// check shuts the server down (waiting for its handlers), closes it, and
// checks the byte totals against the spy, that
// no connection is left open, and that the connections' summaries add up
// to the protocol's totals (unless a connection closed under a handler
// still running: its later events count for the protocol only).
func (f *fixture) check(t *testing.T) {
	t.Helper()
	if err := f.srv.Config.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	f.srv.Close()
	if in, out := total(f.m, netcount.BytesIn), total(f.m, netcount.BytesOut); in != f.spy.in.Load() || out != f.spy.out.Load() {
		t.Errorf("bytes in %d out %d; the spy saw %d and %d", in, out, f.spy.in.Load(), f.spy.out.Load())
	}
	if w := total(f.m, netcount.WriteErrors); w != f.spy.werr.Load() {
		t.Errorf("write errors %d; the spy saw %d", w, f.spy.werr.Load())
	}
	cc := f.m.Snapshot(monitor.Query{}).Protocols[0].Conns
	if cc.Current != 0 {
		t.Errorf("%d connections still open", cc.Current)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if uint64(len(f.closed)) != cc.Total {
		t.Errorf("%d summaries of %d connections", len(f.closed), cc.Total)
	}
	for _, name := range f.m.Events() {
		if f.closedUnder {
			break
		}
		var sum uint64
		for _, s := range f.closed {
			sum += s.Total(name)
		}
		if sum != total(f.m, name) {
			t.Errorf("%s: the connections' totals add up to %d, the protocol's is %d", name, sum, total(f.m, name))
		}
	}
}

// countingDialer counts what a client writes and reads on its connections.
type countingDialer struct {
	written, read atomic.Uint64
	dials         atomic.Int64
}

func (d *countingDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	d.dials.Add(1)
	return &clientConn{Conn: c, d: d}, nil
}

type clientConn struct {
	net.Conn
	d *countingDialer
}

func (c *clientConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.d.read.Add(uint64(n))
	return n, err
}

func (c *clientConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.d.written.Add(uint64(n))
	return n, err
}

// echo answers with its request body, and with status 200 + the path's
// number of the 100s: /404 is a 404.
func echo(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var code int
	if _, err := fmt.Sscanf(r.URL.Path, "/%d", &code); err == nil {
		w.WriteHeader(code)
	}
	w.Write(b)
}

// withDeadline checks that http.ResponseController reaches the server's
// ResponseWriter through the Handler's (Unwrap), then calls echo.
func withDeadline(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("ResponseController.SetWriteDeadline: %v", err)
		}
		echo(w, r)
	}
}

func TestKeepAlive(t *testing.T) {
	f := newFixture(t, withDeadline(t))
	f.srv.Start()
	d := &countingDialer{}
	tr := &http.Transport{DialContext: d.dial}
	client := &http.Client{Transport: tr}
	const n = 40
	var reqBytes uint64
	for i := range n {
		body := strings.Repeat("x", i*10)
		path := "/"
		if i%4 == 3 {
			path = "/404"
		}
		resp, err := client.Post(f.srv.URL+path, "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != body {
			t.Fatalf("request %d: got %d bytes back, sent %d", i, len(got), len(body))
		}
		reqBytes += uint64(len(body))
	}
	tr.CloseIdleConnections()
	f.check(t)
	f.noErrors(t)
	if d.dials.Load() != 1 || len(f.closed) != 1 || f.closed[0].Total(Requests) != n {
		t.Errorf("%d dials, %d connections closed; want all %d requests on one connection", d.dials.Load(), len(f.closed), n)
	}
	if c := classes(f.m); c != [6]uint64{2: n * 3 / 4, 4: n / 4} || total(f.m, Requests) != n {
		t.Errorf("classes %v of %d requests", c, total(f.m, Requests))
	}
	if total(f.m, RequestBytes) != reqBytes || total(f.m, ResponseBytes) != reqBytes {
		t.Errorf("body bytes %d %d, want %d both ways", total(f.m, RequestBytes), total(f.m, ResponseBytes), reqBytes)
	}
	// The client closed first, so everything each side wrote was read.
	if in, out := total(f.m, netcount.BytesIn), total(f.m, netcount.BytesOut); in != d.written.Load() || out != d.read.Load() {
		t.Errorf("bytes in %d out %d; the client wrote %d and read %d", in, out, d.written.Load(), d.read.Load())
	}
}

func TestHTTP2(t *testing.T) {
	var protos sync.Map
	f := newFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos.Store(r.Proto, true)
		if _, ok := w.(http.Pusher); !ok {
			t.Error("the HTTP/2 ResponseWriter lost Pusher")
		}
		withDeadline(t)(w, r)
	}))
	f.srv.EnableHTTP2 = true
	f.srv.StartTLS()
	client := f.srv.Client()
	const n = 30
	do := func(i int) {
		resp, err := client.Post(f.srv.URL+"/201", "text/plain", strings.NewReader(strings.Repeat("y", i)))
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	do(0) // the connection, then streams on it at once
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); do(i) }()
	}
	wg.Wait()
	client.CloseIdleConnections()
	f.check(t)
	// The client closed first: the server's last frames (GOAWAY) may meet
	// a closed connection, a write error, which check matched with the
	// spy's. Reads see no error.
	if r := total(f.m, netcount.ReadErrors); r != 0 {
		t.Errorf("%d read errors counted, want none", r)
	}
	if _, ok := protos.Load("HTTP/2.0"); !ok {
		t.Fatal("no request came over HTTP/2")
	}
	if len(f.closed) != 1 || f.closed[0].Total(Requests) != n || f.closed[0].Total(Responses2xx) != n {
		t.Errorf("%d connections; want one with all %d requests", len(f.closed), n)
	}
	if want := uint64(n * (n - 1) / 2); total(f.m, RequestBytes) != want || total(f.m, ResponseBytes) != want {
		t.Errorf("body bytes %d %d, want %d", total(f.m, RequestBytes), total(f.m, ResponseBytes), want)
	}
	if total(f.m, netcount.BytesIn) <= total(f.m, RequestBytes) {
		t.Error("the wire bytes in are no more than the body bytes: not counted under TLS")
	}
}

func TestHijack(t *testing.T) {
	// The Handler counts the response's class once the handler returns,
	// which no Shutdown waits for after a Hijack: the goroutine that
	// serves the hijacked connection waits for it, so that the class
	// counts on the connection too, while it is open.
	done, counted := make(chan struct{}), make(chan struct{})
	f := newFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		if netcount.Find(c) == nil {
			t.Error("the hijacked connection is not the counted one")
		}
		go func() {
			defer close(done)
			defer c.Close()
			<-counted
			brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
			brw.Flush()
			c.(interface{ CloseWrite() error }).CloseWrite()
			io.Copy(io.Discard, c)
			c.Close() // twice: closed on the monitor once
		}()
	}))
	h := f.srv.Config.Handler
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(counted)
		h.ServeHTTP(w, r)
	})
	f.srv.Start()
	resp, err := http.Get(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello" {
		t.Errorf("got %q", b)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	<-done
	f.check(t)
	f.noErrors(t)
	if c := classes(f.m); c != [6]uint64{0: 1} {
		t.Errorf("classes %v, want 1 other", c)
	}
}

// TestClientResets has a client reset its connection in the middle of a
// long response: the server's write fails, counted once per failed write.
func TestClientResets(t *testing.T) {
	wrote := make(chan error, 1)
	var accepted uint64 // what the ResponseWriter took
	chunk := bytes.Repeat([]byte("z"), 64<<10)
	f := newFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 1 << 12 { // 256 MiB at most
			n, err := w.Write(chunk)
			accepted += uint64(n)
			if err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}))
	f.srv.Start()
	c, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	if _, err := io.ReadFull(br, make([]byte, 100<<10)); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).SetLinger(0)
	c.Close() // RST
	if err := <-wrote; err == nil {
		t.Fatal("every write succeeded after the reset")
	}
	// net/http closed the connection on the failed write, before the
	// handler returned and its response was counted.
	f.closedUnder = true
	f.check(t)
	if total(f.m, netcount.WriteErrors) == 0 {
		t.Error("no write error counted")
	}
	if c := classes(f.m); c != [6]uint64{2: 1} {
		t.Errorf("classes %v, want one 2xx (its status was sent)", c)
	}
	// The ResponseWriter took more than went out: its buffer was lost.
	if total(f.m, ResponseBytes) != accepted {
		t.Errorf("response bytes %d, the handler's writes took %d", total(f.m, ResponseBytes), accepted)
	}
}

// TestShutdown shuts the server down with idle keep-alive connections and
// a request in flight.
func TestShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	f := newFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		w.Write([]byte("done"))
	}))
	f.srv.Start()
	var clients []*http.Client
	for range 3 { // three idle keep-alive connections
		cl := &http.Client{Transport: &http.Transport{}}
		clients = append(clients, cl)
		resp, err := cl.Get(f.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	slow := &http.Client{Transport: &http.Transport{}}
	got := make(chan string, 1)
	go func() {
		resp, err := slow.Get(f.srv.URL + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	if cur := f.m.Snapshot(monitor.Query{}).Protocols[0].Conns.Current; cur != 4 {
		t.Errorf("%d connections open, want 4", cur)
	}
	shut := make(chan error, 1)
	go func() { shut <- f.srv.Config.Shutdown(context.Background()) }()
	close(release)
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "done" {
		t.Errorf("the request in flight got %q", s)
	}
	for _, cl := range append(clients, slow) {
		cl.CloseIdleConnections()
	}
	f.check(t)
	f.noErrors(t)
	if total(f.m, Requests) != 4 || total(f.m, Responses2xx) != 4 {
		t.Errorf("%d requests, %d 2xx; want 4", total(f.m, Requests), total(f.m, Responses2xx))
	}
}

// TestOtherMonitorsListener serves with a listener counting on one monitor
// and a Handler on another: the requests count on the Handler's protocol,
// and nothing is dropped on either.
func TestOtherMonitorsListener(t *testing.T) {
	mh := newMonitor(t)
	h, err := New(mh, http.HandlerFunc(echo))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, h) // the fixture's monitor is the listener's
	f.srv.Start()
	for range 3 {
		resp, err := http.Get(f.srv.URL + "/204")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	f.check(t)
	if total(mh, Requests) != 3 || total(mh, Responses2xx) != 3 || total(f.m, Requests) != 3 {
		t.Errorf("requests %d (2xx %d) on the handler's monitor, %d on the listener's; want 3, 3, 3",
			total(mh, Requests), total(mh, Responses2xx), total(f.m, Requests))
	}
	if mh.Dropped() != 0 || f.m.Dropped() != 0 {
		t.Errorf("dropped %d and %d events", mh.Dropped(), f.m.Dropped())
	}
}

// TestServeFile serves a file with http.ServeContent: net/http sends it
// through the ResponseWriter's ReadFrom to the connection's, with
// sendfile, and both count it.
func TestServeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	const size = 1 << 20
	if err := os.WriteFile(path, bytes.Repeat([]byte("0123456789abcdef"), size/16), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, path)
	}))
	f.srv.Start()
	resp, err := http.Get(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	f.check(t)
	f.noErrors(t)
	if n != size || total(f.m, ResponseBytes) != size {
		t.Errorf("the client read %d bytes, the response bytes are %d; want %d", n, total(f.m, ResponseBytes), size)
	}
	// net/http writes the first 512 bytes itself, to sniff the type.
	if f.spy.sent.Load() != size-512 {
		t.Errorf("the raw connection's ReadFrom (sendfile) sent %d bytes, want %d", f.spy.sent.Load(), size-512)
	}
}

// TestListenAndServe serves with ListenAndServe on a free port, and checks
// that a bad monitor fails it before it listens.
func TestListenAndServe(t *testing.T) {
	if err := ListenAndServe(&http.Server{Addr: "127.0.0.1:0"}, nil); err == nil || !strings.Contains(err.Error(), "nil *monitor.Monitor") {
		t.Errorf("ListenAndServe with a nil monitor: %v", err)
	}
	if err := ListenAndServeTLS(nil, newMonitor(t), "", ""); err == nil {
		t.Error("ListenAndServeTLS(nil) gave no error")
	}
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	m := newMonitor(t)
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(echo)}
	served := make(chan error, 1)
	go func() { served <- ListenAndServe(srv, m) }()
	tr := &http.Transport{}
	var resp *http.Response
	for i := range 500 { // until the server listens
		resp, err = (&http.Client{Transport: tr}).Get("http://" + addr + "/202")
		if err == nil || i == 499 {
			break
		}
		select {
		case err := <-served:
			t.Fatalf("ListenAndServe: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tr.CloseIdleConnections()
	srv.Shutdown(context.Background())
	if err := <-served; err != http.ErrServerClosed {
		t.Errorf("ListenAndServe returned %v, want http.ErrServerClosed", err)
	}
	if total(m, Requests) != 1 || total(m, Responses2xx) != 1 || m.Snapshot(monitor.Query{}).Protocols[0].Conns.Total != 1 {
		t.Errorf("requests %d, 2xx %d, conns %+v", total(m, Requests), total(m, Responses2xx), m.Snapshot(monitor.Query{}).Protocols[0].Conns)
	}
}

// TestHTTP2SwitchingProtocolsIsInformational: HTTP/2 has no 101 (RFC
// 9113, 8.6), and net/http's HTTP/2 server sends a WriteHeader(101) as an
// informational response, the final status after it; the Handler counts
// that final status, as the client gets it. Found by review: the Handler
// took 101 for final on every protocol and counted a 1xx for a 500.
func TestHTTP2SwitchingProtocolsIsInformational(t *testing.T) {
	f := newFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusSwitchingProtocols)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	f.srv.EnableHTTP2 = true
	f.srv.StartTLS()
	client := f.srv.Client()
	resp, err := client.Get(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	client.CloseIdleConnections()
	f.check(t)
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("got %s %d, want HTTP/2 500", resp.Proto, resp.StatusCode)
	}
	if c := classes(f.m); c != [6]uint64{5: 1} {
		t.Errorf("classes %v, want one 5xx (what was sent)", c)
	}
}

// TestExpectContinueNotAwaited: a handler that answers a request that
// awaits "Expect: 100-continue" before reading its body (a 401 longer
// than net/http's buffer, so it is sent while the handler runs) gets its
// response out at once, on a connection closed after it, as without the
// Handler: net/http sends no "100 Continue" once a final status is
// written, so the client sends no body, and the server must not wait to
// read one. Found by review: net/http, not seeing its own body type
// under r.Body, read the body to keep the connection, and the response
// waited for the client's expect timeout (here, forever).
func TestExpectContinueNotAwaited(t *testing.T) {
	page := strings.Repeat("x", 5000)
	var read atomic.Bool
	f := newFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/read" {
			io.ReadAll(r.Body)
			read.Store(true)
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, page)
	}))
	f.srv.Start()
	c, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	do := func(path string, sendBody bool) *http.Response {
		t.Helper()
		req := "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if sendBody {
			// Wait for the 100 Continue, as a client does, then send.
			line, err := br.ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
				t.Fatalf("%s: %q, %v; want a 100 Continue", path, line, err)
			}
			br.ReadString('\n')
			io.WriteString(c, "hello")
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: no response (%v): the server waits for a body it did not ask for", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnauthorized || string(b) != page {
			t.Fatalf("%s: %d with %d bytes", path, resp.StatusCode, len(b))
		}
		return resp
	}
	// The body read: the connection is kept.
	if resp := do("/read", true); resp.Close || !read.Load() {
		t.Errorf("after a body read to its end, Close %v, read %v; want the connection kept", resp.Close, read.Load())
	}
	// The body not asked for: the connection closes after the response.
	if resp := do("/", false); !resp.Close {
		t.Error("the response to a body never asked for keeps the connection")
	}
	c.Close()
	f.check(t)
	if c := classes(f.m); c != [6]uint64{4: 2} || total(f.m, RequestBytes) != 5 {
		t.Errorf("classes %v, request bytes %d; want 2 4xx, 5 bytes", c, total(f.m, RequestBytes))
	}
}
