package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
	"github.com/hitrate/hitrate/ring"
)

// clientsJSON is the "clients" field of /json.
type clientsJSON struct {
	By        string `json:"by"`
	Clients   int    `json:"clients"`
	Capacity  int    `json:"capacity"`
	Evictions uint64 `json:"evictions"`
	Top       []struct {
		Addr   string              `json:"addr"`
		Events []monitor.ConnEvent `json:"events"`
	} `json:"top"`
}

func getClients(t *testing.T, h http.Handler) clientsJSON {
	t.Helper()
	rec := hndGet(t, h, "GET", "/json")
	var v struct {
		Protocols []monitor.Protocol `json:"protocols"`
		Clients   *clientsJSON       `json:"clients"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("/json: %v\n%s", err, rec.Body)
	}
	if v.Clients == nil || len(v.Protocols) == 0 {
		t.Fatalf("/json lacks clients or the protocol: %s", rec.Body)
	}
	return *v.Clients
}

// The page and /json list the 10 clients with the most requests per
// second, busiest first, with each event's rate and total; the page
// escapes addresses (an IPv6 zone may hold any text); /metrics lists no
// client.
func TestWithClients(t *testing.T) {
	clk := ring.NewManualClock()
	tab, err := keyed.New[netip.Addr](100, []string{"connections", "requests"}, keyed.WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	// Client i sends 10*i+1 requests on i%3+1 connections, all in the
	// current 100 ms slot: its rates are those counts, exactly.
	type client struct {
		addr        netip.Addr
		conns, reqs uint64
	}
	var want []client
	for i := range 12 {
		a := netip.MustParseAddr(fmt.Sprintf("192.0.2.%d", i+1))
		if i == 11 {
			a = netip.MustParseAddr("fe80::1%<script>alert(1)</script>")
		}
		c := client{a, uint64(i%3 + 1), uint64(10*i + 1)}
		tab.Add(a, 0, c.conns)
		tab.Add(a, 1, c.reqs)
		want = append([]client{c}, want...) // busiest first
	}
	want = want[:web.TopClients]
	h := web.NewHandler(&hndSource{snap: hndSnapshot()}, web.WithClients(tab, "requests"))

	got := getClients(t, h)
	if got.By != "requests" || got.Clients != 12 || got.Capacity != 100 || got.Evictions != 0 || len(got.Top) != len(want) {
		t.Fatalf("clients: %+v", got)
	}
	for i, w := range want {
		g := got.Top[i]
		wantEvs := []monitor.ConnEvent{{Name: "connections", Total: w.conns, Rate: float64(w.conns)}, {Name: "requests", Total: w.reqs, Rate: float64(w.reqs)}}
		if g.Addr != w.addr.String() || fmt.Sprint(g.Events) != fmt.Sprint(wantEvs) {
			t.Errorf("top %d: %+v, want %v %v", i, g, w.addr, wantEvs)
		}
	}

	page := hndGet(t, h, "GET", "/").Body.String()
	card := regexp.MustCompile(`(?s)<section class="card clients".*?</section>`).FindString(page)
	if !strings.Contains(card, "<h2>Top clients</h2>") {
		t.Fatalf("no Top clients card in the page:\n%s", page)
	}
	if strings.Contains(page, "<script>alert(1)") || !strings.Contains(card, "fe80::1%&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the zone's markup is not escaped:\n%s", card)
	}
	if n := strings.Count(card, `<td class="name">`); n != web.TopClients {
		t.Errorf("the card lists %d clients, want %d", n, web.TopClients)
	}
	if i, j := strings.Index(card, ">192.0.2.11<"), strings.Index(card, ">192.0.2.10<"); i < 0 || j < i {
		t.Errorf("192.0.2.11 (101 requests/s) should come before 192.0.2.10 (91/s):\n%s", card)
	}
	if frag := hndGet(t, h, "GET", "/fragment").Body.String(); !strings.Contains(frag, "<h2>Top clients</h2>") {
		t.Error("the fragment, which the page's script refreshes, lacks the card")
	}
	if m := hndGet(t, h, "GET", "/metrics").Body.String(); strings.Contains(m, "192.0.2.") || strings.Contains(m, "fe80") {
		t.Errorf("/metrics lists clients:\n%s", m)
	}

	// Without WithClients: no card, no field.
	plain := web.NewHandler(&hndSource{snap: hndSnapshot()})
	if strings.Contains(hndGet(t, plain, "GET", "/").Body.String(), "Top clients") ||
		strings.Contains(hndGet(t, plain, "GET", "/json").Body.String(), `"clients"`) {
		t.Error("a page without WithClients shows clients")
	}
}

// A full table shows its evictions; an event name the table lacks ranks
// by its first event; an empty table says so.
func TestWithClientsEvictions(t *testing.T) {
	clk := ring.NewManualClock()
	tab, err := keyed.New[netip.Addr](1, []string{"connections", "requests"}, keyed.WithClock(clk.Clock))
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewHandler(&hndSource{snap: hndSnapshot()}, web.WithClients(tab, "nope"))
	if got := getClients(t, h); got.By != "connections" || got.Clients != 0 || len(got.Top) != 0 {
		t.Errorf("empty table: %+v", got)
	}
	if !strings.Contains(hndGet(t, h, "GET", "/").Body.String(), "No clients yet.") {
		t.Error("the empty card does not say so")
	}
	tab.Inc(netip.MustParseAddr("192.0.2.1"), 0)
	tab.Inc(netip.MustParseAddr("192.0.2.2"), 0)
	if got := getClients(t, h); got.Clients != 1 || got.Capacity != 1 || got.Evictions != 1 || len(got.Top) != 1 || got.Top[0].Addr != "192.0.2.2" {
		t.Errorf("after an eviction: %+v", got)
	}
}

// A nil *keyed.Table (the table a program keeps nil when it counts no
// clients) is a nil Clients: it shows nothing; NewHandler panicked on it.
func TestWithClientsNilTable(t *testing.T) {
	var tab *keyed.Table[netip.Addr]
	var h http.Handler
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("NewHandler panicked: %v", v)
			}
		}()
		h = web.NewHandler(&hndSource{snap: hndSnapshot()}, web.WithClients(tab, "requests"))
	}()
	if rec := hndGet(t, h, "GET", "/"); rec.Code != 200 || strings.Contains(rec.Body.String(), "Top clients") {
		t.Errorf("page: %d, with a Top clients card: %v", rec.Code, strings.Contains(rec.Body.String(), "Top clients"))
	}
	if rec := hndGet(t, h, "GET", "/json"); rec.Code != 200 || strings.Contains(rec.Body.String(), `"clients"`) {
		t.Errorf("/json: %d %s", rec.Code, rec.Body)
	}
}
