package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
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
	serve(t, p, ln)
	return p, ln.Addr().String()
}

// serve serves p on ln until the test ends, when it closes p and checks
// that Serve returned ErrClosed.
func serve(t *testing.T, p *Proxy, ln net.Listener) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	t.Cleanup(func() {
		p.Close()
		if err := <-done; err != ErrClosed {
			t.Errorf("Serve returned %v, want ErrClosed", err)
		}
	})
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
