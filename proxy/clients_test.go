package proxy

import (
	"bufio"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// roundTrip dials addr from the loopback address from, sends n requests
// one after the other and reports whether their responses came back:
// false if the proxy closed the connection first.
func roundTrip(t *testing.T, addr, from string, n int) bool {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for i := range n {
		if _, err := io.WriteString(c, "GET /?n=5&cl HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return false // the proxy may close (and reset) before the write
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			if ne, ok := err.(net.Error); (ok && ne.Timeout()) || i > 0 {
				t.Fatalf("from %s, request %d: %v", from, i+1, err)
			}
			return false
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != "xxxxx" {
			t.Fatalf("from %s: %q, %v", from, b, err)
		}
	}
	return true
}

// A client above -max-conn-rate is refused at once, counted as rejected,
// and one below it is not; the table counts both clients' connections
// (the rejected ones too) and requests. The table's clock is manual, so
// that every rate is exact: the connections of one instant.
func TestMaxConnRate(t *testing.T) {
	clk := ring.NewManualClock()
	clients, err := NewClients(100, keyed.WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitor("http", monitor.WithClock(clk.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	up := serveHTTP(t, http.HandlerFunc(upstreamHandler))
	p, err := New(Config{Upstream: up, Monitor: m, Clients: clients, MaxConnRate: 3})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	addr := ln.Addr().String()

	const hot, calm = "127.0.0.2", "127.0.0.3"
	// One instant: the hot client's 4th and 5th connections are over 3
	// per second; the calm client's 3, with 2 requests each, are not.
	for i := range 5 {
		if got, want := roundTrip(t, addr, hot, 1), i < 3; got != want {
			t.Errorf("hot connection %d: answered %v, want %v", i+1, got, want)
		}
	}
	for i := range 3 {
		if !roundTrip(t, addr, calm, 2) {
			t.Errorf("calm connection %d refused", i+1)
		}
	}
	// The request parser counts a request after forwarding it: wait for
	// it, then rank.
	hotA, calmA := netip.MustParseAddr(hot), netip.MustParseAddr(calm)
	poll(t, func() bool {
		return clients.Total(hotA, ClientRequests) == 3 && clients.Total(calmA, ClientRequests) == 6
	})
	top := clients.Top(ClientRequests, 10, keyed.ByRate)
	if len(top) != 2 || top[0].Key != calmA || top[0].Rates[ClientRequests] != 6 || top[0].Rates[ClientConnections] != 3 ||
		top[1].Key != hotA || top[1].Rates[ClientConnections] != 5 {
		t.Errorf("top clients by request rate: %+v, want %s (6 requests/s, 3 connections/s) then %s (5 connections/s)", top, calm, hot)
	}
	// A second later, the hot client's window holds only what it sends
	// now: 1 connection per second.
	clk.Advance(time.Second + ring.Tick)
	if !roundTrip(t, addr, hot, 1) {
		t.Error("hot client refused after its rate fell")
	}

	p.Close()
	if err := <-done; err != ErrClosed {
		t.Errorf("Serve: %v", err)
	}
	checkTotals(t, m, map[string]uint64{"rejected": 2, "requests": 10})
	if c := m.Snapshot(monitor.Query{}).Protocols[0].Conns; c.Total != 7 || c.Current != 0 {
		t.Errorf("connections %+v: want 7 opened (rejected ones are not), 0 open", c)
	}
	for _, c := range []struct {
		addr        string
		conns, reqs uint64
	}{{hot, 6, 4}, {calm, 3, 6}} {
		a := netip.MustParseAddr(c.addr)
		if got := clients.Total(a, ClientConnections); got != c.conns {
			t.Errorf("%s: %d connections, want %d", c.addr, got, c.conns)
		}
		if got := clients.Total(a, ClientRequests); got != c.reqs {
			t.Errorf("%s: %d requests, want %d", c.addr, got, c.reqs)
		}
	}
}

func TestClientsConfig(t *testing.T) {
	good, err := NewClients(10)
	if err != nil {
		t.Fatal(err)
	}
	other, err := keyed.New[netip.Addr](10, []string{"requests", "connections"})
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []Config{
		{Upstream: "127.0.0.1:1", MaxConnRate: 1},
		{Upstream: "127.0.0.1:1", MaxConnRate: -1, Clients: good},
		{Upstream: "127.0.0.1:1", MaxConnRate: math.NaN(), Clients: good},
		{Upstream: "127.0.0.1:1", MaxConnRate: math.Inf(1), Clients: good},
		// Below 1: the connection itself makes its address's rate at
		// least 1, so every connection would be rejected.
		{Upstream: "127.0.0.1:1", MaxConnRate: 0.5, Clients: good},
		{Upstream: "127.0.0.1:1", MaxConnRate: math.SmallestNonzeroFloat64, Clients: good},
		{Upstream: "127.0.0.1:1", Clients: other},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) did not fail", cfg)
		} else {
			t.Log(err)
		}
	}
	for _, r := range []float64{1, 1.5} {
		if _, err := New(Config{Upstream: "127.0.0.1:1", MaxConnRate: r, Clients: good}); err != nil {
			t.Errorf("a valid config: %v", err)
		}
	}
	for _, n := range []int{0, -1, keyed.MaxCapacity + 1} {
		if _, err := NewClients(n); err == nil {
			t.Errorf("NewClients(%d) did not fail", n)
		}
	}
}

// noAddrListener accepts connections whose RemoteAddr is nil, as a
// listener of one's own may.
type noAddrListener struct{ net.Listener }

type noAddrConn struct{ net.Conn }

func (noAddrConn) RemoteAddr() net.Addr { return nil }

func (l noAddrListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return noAddrConn{c}, nil
}

// A connection without a remote address is forwarded and counted (under
// no name, and under no key in the clients table), not a crash.
func TestNoRemoteAddr(t *testing.T) {
	m := newMonitor(t, "tcp")
	clients, err := NewClients(10)
	if err != nil {
		t.Fatal(err)
	}
	up := startEcho(t, "", false)
	p, err := New(Config{Upstream: up.addr, Monitor: m, Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	serve(t, p, noAddrListener{ln})
	c := dial(t, ln.Addr().String())
	defer c.Close()
	echo(t, c, "ping")
	c.Close()
	waitClosed(t, m, 1)
	checkTotals(t, m, map[string]uint64{BytesIn.Name(): 4, BytesOut.Name(): 4, Errors.Name(): 0})
}
