package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/proxy"
	"github.com/hitrate/hitrate/ring"
)

// requestFrom dials addr from the loopback address from, sends a request
// and reports whether its response came back (false: the proxy closed the
// connection at once).
func requestFrom(t *testing.T, addr, from string) bool {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal(err)
		}
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return true
}

// hitrate proxy -max-conn-rate 1: a client that connects again at once is
// over 1 connection per second and refused, counted as rejected; another
// client, once, is not; /json lists both clients, and -table prints them.
// (The command runs on the real clock: TestMaxConnRate in package proxy
// checks the rule exactly on a manual one. Here the connections of the
// hot client follow each other within a second but for a stall of the
// test of about a second.)
func TestProxyMaxConnRate(t *testing.T) {
	uln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })}
	go up.Serve(uln)
	defer up.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr, wait := start(ctx, "proxy", "-listen", "127.0.0.1:0", "-upstream", uln.Addr().String(), "-stats", "127.0.0.1:0",
		"-max-conn-rate", "1", "-max-clients", "100", "-table")
	addr := await(t, stdout, regexp.MustCompile(`(127\.0\.0\.1:\d+) -> `), 5*time.Second)[1]
	stats := await(t, stdout, regexp.MustCompile(`stats at (http://\S+/)`), 5*time.Second)[1]

	if !requestFrom(t, addr, "127.0.0.3") {
		t.Error("the calm client was refused")
	}
	if !requestFrom(t, addr, "127.0.0.2") {
		t.Error("the hot client's first connection was refused")
	}
	refused := 0
	for range 3 {
		if !requestFrom(t, addr, "127.0.0.2") {
			refused++
		}
	}
	if refused == 0 {
		t.Error("the hot client's connections, 4 in a row, were all accepted")
	}

	var v struct {
		Protocols []monitor.Protocol `json:"protocols"`
		Clients   struct {
			Clients, Capacity int
			Top               []struct {
				Addr   string
				Events []monitor.ConnEvent
			}
		} `json:"clients"`
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, b := httpGet(t, stats+"json")
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		ev := map[string]uint64{}
		for _, e := range v.Protocols[0].Events {
			ev[e.Name] = e.Total
		}
		if ev["requests"] == uint64(5-refused) && v.Protocols[0].Conns.Current == 0 {
			if ev["rejected"] != uint64(refused) {
				t.Errorf("rejected = %d, want %d", ev["rejected"], refused)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/json: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v.Clients.Clients != 2 || v.Clients.Capacity != 100 || len(v.Clients.Top) != 2 {
		t.Fatalf("clients: %+v", v.Clients)
	}
	for _, c := range v.Clients.Top {
		want := map[string][2]uint64{"127.0.0.2": {4, uint64(4 - refused)}, "127.0.0.3": {1, 1}}[c.Addr]
		if c.Events[0].Name != "connections" || c.Events[0].Total != want[0] || c.Events[1].Name != "requests" || c.Events[1].Total != want[1] {
			t.Errorf("client %s: %+v, want %v connections and requests", c.Addr, c.Events, want)
		}
	}
	await(t, stdout, regexp.MustCompile(`(?m)^\s*\d+s\s+  127\.0\.0\.[23]\s+requests \S+/s \(\d\)\s+connections`), 5*time.Second)
	cancel()
	if code := wait(t, 10*time.Second); code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
}

func TestFormatClients(t *testing.T) {
	clk := ring.NewManualClock()
	tab, err := proxy.NewClients(10, keyed.WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")
	tab.Add(a, proxy.ClientConnections, 2)
	tab.Add(a, proxy.ClientRequests, 1500)
	tab.Add(b, proxy.ClientConnections, 1)
	tab.Add(b, proxy.ClientRequests, 3)
	got := formatClients(tab.Top(proxy.ClientRequests, 10, keyed.ByRate))
	want := []string{
		"top clients by request rate (totals in parentheses):",
		"  192.0.2.1    requests 1.5k/s (1.5k)  connections 2/s (2)",
		"  2001:db8::1  requests 3/s (3)        connections 1/s (1)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if formatClients(nil) != nil {
		t.Error("no clients should print no heading")
	}
}
