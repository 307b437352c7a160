package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
	"github.com/hitrate/hitrate/monitor/web"
	"github.com/hitrate/hitrate/ring"
)

// hndSource is a fake Source: it returns a copy of snap, listing its
// connections only when the Query asks, and records the last Query.
type hndSource struct {
	mu    sync.Mutex
	snap  monitor.Snapshot
	last  monitor.Query
	calls int
	panic any // if not nil, Snapshot panics with it
}

func (s *hndSource) Snapshot(q monitor.Query) monitor.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last, s.calls = q, s.calls+1
	if s.panic != nil {
		panic(s.panic)
	}
	out := s.snap
	out.Protocols = append([]monitor.Protocol(nil), s.snap.Protocols...)
	for i := range out.Protocols {
		if !q.Conns {
			out.Protocols[i].Open, out.Protocols[i].OpenMatched = nil, 0
		}
	}
	return out
}

func (s *hndSource) lastQuery() monitor.Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// hndSnapshot is a hand-made snapshot of two protocols.
func hndSnapshot() monitor.Snapshot {
	return monitor.Snapshot{
		Time:      time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		Estimator: "seed",
		Protocols: []monitor.Protocol{
			{
				Name:   "http",
				Uptime: 3*time.Hour + 7*time.Minute,
				Events: []monitor.EventStats{
					{Name: "requests", Total: 1234567, Rate: 3456.7, PeakRate: 9100, History: []float64{1, 5, 3, 3456.7}},
					{Name: "bytes", Unit: monitor.Bytes, Total: 987654321, Rate: 1.5e6, PeakRate: 2e6, History: []float64{1e6, 1.5e6}},
				},
				Conns: monitor.ConnCounts{Current: 2, Peak: 40, Total: 1200},
				Open: []monitor.ConnInfo{
					{ID: 7, Name: "10.0.0.1:5555", Age: 95 * time.Second, Events: []monitor.ConnEvent{{Name: "requests", Total: 12, Rate: 2}, {Name: "bytes", Total: 4096, Rate: 1024}}},
					{ID: 9, Name: "10.0.0.2:6666", Age: 3 * time.Second, Events: []monitor.ConnEvent{{Name: "requests", Total: 1, Rate: 0}, {Name: "bytes", Total: 10, Rate: 10}}},
				},
				OpenMatched: 5,
			},
			{
				Name:   "redis",
				Events: []monitor.EventStats{{Name: "commands", Total: 5, Rate: 0.5}},
			},
		},
	}
}

func hndGet(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s %s: X-Content-Type-Options = %q, want nosniff", method, target, got)
	}
	return rec
}

func TestHandlerRoutes(t *testing.T) {
	src := &hndSource{snap: hndSnapshot()}
	h := web.NewHandler(src)
	tests := []struct {
		target, ctype, contains string
		code                    int
		noStore                 bool
	}{
		{"/", "text/html; charset=utf-8", "10.0.0.2:6666", 200, true},
		{"/?sort=requests&desc=1&filter=10.&limit=5", "text/html; charset=utf-8", "requests", 200, true},
		{"/fragment", "text/html; charset=utf-8", "10.0.0.2:6666", 200, true},
		{"/fragment?sort=requests&desc=1&filter=10.&limit=5", "text/html; charset=utf-8", "showing 2 of 5 matching", 200, true},
		{"/json", "application/json; charset=utf-8", `"name":"http"`, 200, true},
		{"/json?conns=1", "application/json; charset=utf-8", `"open_matched":5`, 200, true},
		{"/metrics", exposition.ContentType, `hitrate_events_total{protocol="http",event="requests"} 1234567`, 200, true},
		{"/assets/app.js", "text/javascript; charset=utf-8", "textContent", 200, false},
		{"/assets/style.css", "text/css; charset=utf-8", "tabular-nums", 200, false},
		{"/assets/favicon.svg", "image/svg+xml", "<svg", 200, false},
		{"/assets/", "text/plain; charset=utf-8", "404", 404, false},
		{"/assets/nope.js", "text/plain; charset=utf-8", "404", 404, false},
		{"/assets/../page.go", "text/plain; charset=utf-8", "404", 404, false},
		{"/nope", "text/plain; charset=utf-8", "404", 404, false},
		{"/json/", "text/plain; charset=utf-8", "404", 404, false},
		{"/index.html", "text/plain; charset=utf-8", "404", 404, false},
	}
	for _, tt := range tests {
		rec := hndGet(t, h, "GET", tt.target)
		if rec.Code != tt.code {
			t.Errorf("GET %s: code %d, want %d", tt.target, rec.Code, tt.code)
		}
		if got := rec.Header().Get("Content-Type"); got != tt.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.target, got, tt.ctype)
		}
		if !strings.Contains(rec.Body.String(), tt.contains) {
			t.Errorf("GET %s: body lacks %q:\n%.500s", tt.target, tt.contains, rec.Body.String())
		}
		if got := rec.Header().Get("Cache-Control") == "no-store"; got != tt.noStore {
			t.Errorf("GET %s: Cache-Control %q", tt.target, rec.Header().Get("Cache-Control"))
		}
	}
}

func TestHandlerPageHeaders(t *testing.T) {
	rec := hndGet(t, web.NewHandler(&hndSource{snap: hndSnapshot()}), "GET", "/")
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline code", csp)
	}
	body := rec.Body.String()
	// No inline script or style: the CSP would block them.
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=`).MatchString(body) {
		t.Errorf("page has inline script or style")
	}
	// Every link is relative, so that the page works under a prefix.
	for _, m := range regexp.MustCompile(`(?:href|src|action)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if u := m[1]; strings.HasPrefix(u, "/") || strings.Contains(u, "://") {
			t.Errorf("page links to %q, not a relative URL", u)
		}
	}
	for _, want := range []string{
		`title="1,234,567">1.23M<`,           // total, with the exact count as tooltip
		`title="3,456.70/s">3.46k<`,          // rate
		`title="9,100.00/s">9.1k<`,           // peak rate
		`title="987,654,321 B">988 MB<`,      // bytes, with SI units
		`title="1,500,000.00 B/s">1.5 MB/s<`, // bytes per second
		`title="2,000,000.00 B/s">2 MB/s<`,   // peak bytes per second
		`title="max 1.5 MB/s"`,               // the bytes sparkline's maximum
		`title="4,096 B">4.1 kB<`,            // a connection's bytes
		`title="1,024.00 B/s"><span class="lbl">bytes </span><span class="v">1.02 kB/s</span><`, // and its bytes per second
		`title="12">12<`,                   // a connection's count stays a count
		`showing 2 of 5`,                   // capped list
		`<polyline class="line"`,           // sparkline
		`up 3h07m`,                         // uptime
		`>1m35s<`,                          // connection age
		`aria-sort="ascending"`,            // sorted by id
		`href="?desc=1&amp;sort=requests"`, // sort links
		`estimator: seed`,
		`datetime="2024-05-06T07:08:09Z"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestHandlerFragment checks that the fragment the page's script fetches
// is the page's <main> element, rendered by the same template for the
// same query, so that the page has one source of markup.
func TestHandlerFragment(t *testing.T) {
	h := web.NewHandler(&hndSource{snap: hndSnapshot()})
	for _, query := range []string{"", "?sort=requests&desc=1&filter=10.&limit=5", "?conns=0", "?conns&desc&sort=name"} {
		page := hndGet(t, h, "GET", "/"+query)
		frag := hndGet(t, h, "GET", "/fragment"+query)
		if page.Code != 200 || frag.Code != 200 {
			t.Fatalf("%s: codes %d, %d", query, page.Code, frag.Code)
		}
		body := frag.Body.String()
		if !strings.HasPrefix(body, `<main id="protocols" data-time="07:08:09" data-time-iso="2024-05-06T07:08:09Z">`) ||
			!strings.HasSuffix(body, "</main>") || strings.Count(body, "<main") != 1 {
			t.Errorf("fragment%s is not the <main> element:\n%.300s", query, body)
		}
		if !strings.Contains(page.Body.String(), body) {
			t.Errorf("page%s does not hold its fragment", query)
		}
		if csp := frag.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("fragment%s: Content-Security-Policy %q", query, csp)
		}
	}
	if rec := hndGet(t, h, "GET", "/fragment?limit=0"); rec.Code != http.StatusBadRequest {
		t.Errorf("bad query: code %d, want 400", rec.Code)
	}
}

func TestHandlerMethods(t *testing.T) {
	h := web.NewHandler(&hndSource{snap: hndSnapshot()})
	for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		for _, target := range []string{"/", "/fragment", "/json", "/metrics", "/assets/app.js"} {
			rec := hndGet(t, h, method, target)
			if rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: code %d, want 405", method, target, rec.Code)
			}
			if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
				t.Errorf("%s %s: Allow %q, want %q", method, target, got, "GET, HEAD")
			}
		}
	}
	if rec := hndGet(t, h, "POST", "/nope"); rec.Code != http.StatusNotFound {
		t.Errorf("POST /nope: code %d, want 404", rec.Code)
	}
}

func TestHandlerBadQuery(t *testing.T) {
	src := &hndSource{snap: hndSnapshot()}
	h := web.NewHandler(src)
	for _, q := range []string{
		"limit=0", "limit=x", fmt.Sprint("limit=", monitor.MaxConnLimit+1), "desc=maybe", "conns=1&conns=0",
		"filter=" + strings.Repeat("x", web.MaxFilterLen+1), "sort=%00", "protocol=a%0Ab", "%zz",
	} {
		for _, path := range []string{"/json?", "/?"} {
			rec := hndGet(t, h, "GET", path+q)
			if rec.Code != http.StatusBadRequest {
				t.Errorf("GET %s%s: code %d, want 400", path, q, rec.Code)
				continue
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("GET %s%s: Content-Type %q", path, q, ct)
			}
			if rec.Header().Get("Content-Security-Policy") != "" {
				t.Errorf("GET %s%s: error has the page's CSP", path, q)
			}
		}
	}
	// /metrics takes no query: it ignores it.
	if rec := hndGet(t, h, "GET", "/metrics?limit=0"); rec.Code != 200 {
		t.Errorf("GET /metrics?limit=0: code %d, want 200", rec.Code)
	}
}

func TestHandlerQuery(t *testing.T) {
	src := &hndSource{snap: hndSnapshot()}
	h := web.NewHandler(src)
	tests := []struct {
		target string
		want   monitor.Query
	}{
		{"/", monitor.Query{Conns: true}},
		{"/?conns=0", monitor.Query{}},
		{"/?filter=10.0&sort=name&desc&limit=3&protocol=http", monitor.Query{Conns: true, Filter: "10.0", SortBy: monitor.ByName(), Desc: true, Limit: 3, Protocol: "http"}},
		{"/json", monitor.Query{}},
		{"/json?conns&sort=requests", monitor.Query{Conns: true, SortBy: monitor.ByRate("requests")}},
		{"/metrics", monitor.Query{}},
	}
	for _, tt := range tests {
		if rec := hndGet(t, h, "GET", tt.target); rec.Code != 200 {
			t.Fatalf("GET %s: code %d", tt.target, rec.Code)
		}
		if got := src.lastQuery(); got != tt.want {
			t.Errorf("GET %s: Source got %+v, want %+v", tt.target, got, tt.want)
		}
	}
}

func TestHandlerJSON(t *testing.T) {
	snap := hndSnapshot()
	snap.Protocols[1].Events[0].Rate = math.NaN() // not JSON: sent as 0
	snap.Protocols[1].Events[0].History = []float64{math.Inf(1), 2}
	h := web.NewHandler(&hndSource{snap: snap})
	rec := hndGet(t, h, "GET", "/json?conns=true")
	if rec.Code != 200 {
		t.Fatalf("code %d: %s", rec.Code, rec.Body)
	}
	var got monitor.Snapshot
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := hndSnapshot()
	want.Protocols[1].Events[0].Rate = 0
	want.Protocols[1].Events[0].History = []float64{0, 2}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("JSON round trip:\ngot  %s\nwant %s", gotJSON, wantJSON)
	}
	if !math.IsNaN(snap.Protocols[1].Events[0].Rate) {
		t.Errorf("the handler changed the Source's snapshot")
	}
	// Every event says its unit, and a connection's events are named.
	for _, frag := range []string{
		`{"name":"requests","unit":"events","total":1234567,`,
		`{"name":"bytes","unit":"bytes","total":987654321,`,
		`{"name":"commands","unit":"events","total":5,`,
		`"events":[{"name":"requests","total":12,"rate":2},{"name":"bytes","total":4096,"rate":1024}]`,
	} {
		if !strings.Contains(rec.Body.String(), frag) {
			t.Errorf("/json lacks %s:\n%s", frag, rec.Body)
		}
	}
}

// TestHandlerJSONNonFinite gives every float of a snapshot that JSON
// cannot hold as it is, the rate interval's bounds and the averages among
// them, a NaN or an infinity: /json still answers 200, with each as 0.
func TestHandlerJSONNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	snap := monitor.Snapshot{Protocols: []monitor.Protocol{
		{Name: "low", Events: []monitor.EventStats{{Name: "e", Rate: 1, RateLow: nan, RateHigh: 2}}},
		{Name: "high", Events: []monitor.EventStats{{Name: "e", Rate: 1, RateLow: 0.5, RateHigh: inf}}},
		{Name: "avg", Events: []monitor.EventStats{{Name: "e", Averages: []monitor.Average{
			{Window: 10 * time.Second, Rate: inf, Span: 3},
			{Window: 60 * time.Second, Rate: 4, Span: nan},
		}}}},
		{Name: "all", Events: []monitor.EventStats{{Name: "e", Rate: nan, RateLow: -inf, RateHigh: nan, PeakRate: inf,
			History: []float64{nan}, Averages: []monitor.Average{{Window: 10 * time.Second, Rate: nan, Span: inf}}}}},
	}}
	h := web.NewHandler(&hndSource{snap: snap})
	rec := hndGet(t, h, "GET", "/json")
	if rec.Code != 200 {
		t.Fatalf("code %d: %s", rec.Code, rec.Body)
	}
	for _, want := range []string{
		`"name":"low","uptime_ns":0,"events":[{"name":"e","unit":"events","total":0,"rate":1,"peak_rate":0,"history":null,"rate_low":0,"rate_high":2}]`,
		`"name":"high","uptime_ns":0,"events":[{"name":"e","unit":"events","total":0,"rate":1,"peak_rate":0,"history":null,"rate_low":0.5,"rate_high":0}]`,
		`"name":"avg","uptime_ns":0,"events":[{"name":"e","unit":"events","total":0,"rate":0,"peak_rate":0,"history":null,"rate_low":0,"rate_high":0,"rate_10s":0,"span_10s":3,"rate_60s":4,"span_60s":0}]`,
		`"name":"all","uptime_ns":0,"events":[{"name":"e","unit":"events","total":0,"rate":0,"peak_rate":0,"history":[0],"rate_low":0,"rate_high":0,"rate_10s":0,"span_10s":0}]`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/json lacks %s:\n%s", want, rec.Body)
		}
	}
	if a := snap.Protocols[2].Events[0].Averages[0].Rate; !math.IsInf(a, 1) {
		t.Errorf("the handler changed the Source's averages: %v", a)
	}
}

// TestHandlerJSONBadUnit: an event whose Unit is no Unit (a Source of the
// user's own) is encoded as a count, as the page shows it, not a 500.
func TestHandlerJSONBadUnit(t *testing.T) {
	snap := monitor.Snapshot{Protocols: []monitor.Protocol{
		{Name: "p", Events: []monitor.EventStats{{Name: "odd", Unit: monitor.Unit(9), Total: 3}, {Name: "b", Unit: monitor.Bytes, Total: 4}}},
	}}
	h := web.NewHandler(&hndSource{snap: snap})
	rec := hndGet(t, h, "GET", "/json")
	if rec.Code != 200 {
		t.Fatalf("code %d: %s", rec.Code, rec.Body)
	}
	for _, want := range []string{`{"name":"odd","unit":"events","total":3,`, `{"name":"b","unit":"bytes","total":4,`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/json lacks %s:\n%s", want, rec.Body)
		}
	}
	if u := snap.Protocols[0].Events[0].Unit; u != monitor.Unit(9) {
		t.Errorf("the handler changed the Source's unit: %v", u)
	}
}

func TestHandlerHead(t *testing.T) {
	srv := httptest.NewServer(web.NewHandler(&hndSource{snap: hndSnapshot()}))
	defer srv.Close()
	for _, path := range []string{"/", "/fragment", "/json", "/metrics", "/assets/app.js"} {
		get, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		getBody, _ := io.ReadAll(get.Body)
		get.Body.Close()

		head, err := http.Head(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		headBody, _ := io.ReadAll(head.Body)
		head.Body.Close()
		if head.StatusCode != 200 || len(headBody) != 0 {
			t.Errorf("HEAD %s: code %d, %d body bytes", path, head.StatusCode, len(headBody))
		}
		if head.ContentLength != int64(len(getBody)) {
			t.Errorf("HEAD %s: Content-Length %d, GET sent %d bytes", path, head.ContentLength, len(getBody))
		}
		if a, b := head.Header.Get("Content-Type"), get.Header.Get("Content-Type"); a != b {
			t.Errorf("HEAD %s: Content-Type %q, GET's %q", path, a, b)
		}
	}
	// The recorder keeps what is written: HEAD must write no body itself.
	rec := hndGet(t, web.NewHandler(&hndSource{snap: hndSnapshot()}), "HEAD", "/json")
	if rec.Body.Len() != 0 {
		t.Errorf("HEAD /json wrote %d body bytes", rec.Body.Len())
	}
}

func TestHandlerPanickingSource(t *testing.T) {
	var logs bytes.Buffer
	prev := log.Writer()
	log.SetOutput(&logs)
	defer log.SetOutput(prev)

	src := &hndSource{snap: hndSnapshot(), panic: "boom"}
	srv := httptest.NewServer(web.NewHandler(src))
	defer srv.Close()
	for range 2 { // the server lives on
		for _, path := range []string{"/", "/fragment", "/json", "/metrics"} {
			res, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusInternalServerError {
				t.Errorf("GET %s: code %d, want 500", path, res.StatusCode)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Content-Security-Policy") != "" {
				t.Errorf("GET %s: headers %v", path, res.Header)
			}
			if strings.Contains(string(body), "boom") {
				t.Errorf("GET %s: the 500 shows the panic: %q", path, body)
			}
		}
	}
	res, err := http.Get(srv.URL + "/assets/app.js")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after panics: %v %v", res, err)
	}
	res.Body.Close()
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("the panic was not logged: %q", logs.String())
	}
	// A nil Source is a 500 too, not a crash.
	if rec := hndGet(t, web.NewHandler(nil), "GET", "/json"); rec.Code != 500 {
		t.Errorf("nil Source: code %d, want 500", rec.Code)
	}
}

func TestHandlerStripPrefix(t *testing.T) {
	h := web.NewHandler(&hndSource{snap: hndSnapshot()})
	mux := http.NewServeMux()
	mux.Handle("/debug/hitrate/", http.StripPrefix("/debug/hitrate", h))
	mux.Handle("/hr/", http.StripPrefix("/hr/", h))
	mux.Handle("/exact", http.StripPrefix("/exact", h))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	for _, tt := range []struct {
		path, location string
		code           int
	}{
		{"/debug/hitrate/", "", 200},
		{"/debug/hitrate/json", "", 200},
		{"/debug/hitrate/metrics", "", 200},
		{"/debug/hitrate/assets/style.css", "", 200},
		{"/debug/hitrate/nope", "", 404},
		{"/hr/", "", 200},
		{"/hr/json", "", 404}, // StripPrefix("/hr/") leaves "json": not a route
		{"/exact", "/exact/?filter=a", 301},
	} {
		target := tt.path
		if tt.location != "" {
			target += "?filter=a"
		}
		res, err := client.Get(srv.URL + target)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.code {
			t.Errorf("GET %s: code %d, want %d", target, res.StatusCode, tt.code)
		}
		if got := res.Header.Get("Location"); got != tt.location {
			t.Errorf("GET %s: Location %q, want %q", target, got, tt.location)
		}
	}
}

func TestHandlerAssetETag(t *testing.T) {
	h := web.NewHandler(&hndSource{})
	rec := hndGet(t, h, "GET", "/assets/app.js")
	etag := rec.Header().Get("Etag")
	if etag == "" || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("headers %v", rec.Header())
	}
	req := httptest.NewRequest("GET", "/assets/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: code %d, %d bytes", rec.Code, rec.Body.Len())
	}
	// The page links the asset with its version.
	page := hndGet(t, h, "GET", "/").Body.String()
	if !strings.Contains(page, `src="assets/app.js?v=`+strings.Trim(etag, `"`)+`"`) {
		t.Errorf("page does not link the versioned script")
	}
}

func TestHandlerEmpty(t *testing.T) {
	h := web.NewHandler(&hndSource{})
	for _, path := range []string{"/", "/fragment", "/json", "/metrics"} {
		if rec := hndGet(t, h, "GET", path); rec.Code != 200 {
			t.Errorf("GET %s of an empty snapshot: code %d: %s", path, rec.Code, rec.Body)
		}
	}
	if body := hndGet(t, h, "GET", "/").Body.String(); !strings.Contains(body, "No monitors to show.") {
		t.Errorf("empty page lacks its message")
	}
}

// TestHandlerRealMonitors serves real monitors on a manual clock.
func TestHandlerRealMonitors(t *testing.T) {
	clock := ring.NewManualClock()
	srv, err := monitor.New("web", []string{"requests", "errors"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	db, err := monitor.New(`d"b`, []string{"queries"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := monitor.NewGroup(srv, db)
	if err != nil {
		t.Fatal(err)
	}
	req, errs, queries := srv.MustEvent("requests"), srv.MustEvent("errors"), db.MustEvent("queries")
	a, b := srv.Open("<a>"), srv.Open("b")
	for range 30 {
		a.Log(req)
	}
	b.Add(req, 12)
	b.Log(errs)
	db.Add(queries, 5)
	b.Close()
	clock.Advance(ring.Tick)
	srv.Sample()
	db.Sample()

	h := web.NewHandler(g)
	var snap monitor.Snapshot
	rec := hndGet(t, h, "GET", "/json?conns&sort=requests&desc")
	if err := json.Unmarshal(rec.Body.Bytes(), &snap); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	if len(snap.Protocols) != 2 || snap.Protocols[0].Name != "web" || snap.Protocols[1].Name != `d"b` {
		t.Fatalf("protocols %+v", snap.Protocols)
	}
	p := snap.Protocols[0]
	if p.Events[0].Total != 42 || p.Events[1].Total != 1 || p.Conns.Current != 1 || p.Conns.Total != 2 {
		t.Errorf("web %+v", p)
	}
	if len(p.Open) != 1 || p.Open[0].Name != "<a>" || p.Open[0].Events[0].Total != 30 {
		t.Errorf("web open %+v", p.Open)
	}

	metrics := hndGet(t, h, "GET", "/metrics").Body.String()
	for _, want := range []string{
		`hitrate_events_total{protocol="web",event="requests"} 42` + "\n",
		`hitrate_events_total{protocol="web",event="errors"} 1` + "\n",
		`hitrate_events_total{protocol="d\"b",event="queries"} 5` + "\n",
		`hitrate_connections{protocol="web"} 1` + "\n",
		`hitrate_connections_peak{protocol="web"} 2` + "\n",
		`hitrate_connections_opened_total{protocol="web"} 2` + "\n",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
	}

	page := hndGet(t, h, "GET", "/?filter=%3Ca").Body.String()
	for _, want := range []string{`>d&#34;b<`, `>&lt;a&gt;<`, `showing 1 of 1 matching`, `value="&lt;a"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestHandlerPageIgnoresOtherKeys gives the page and its fragment a query
// with a key of its own and one that ParseQuery ignores, 64 KB long: the
// sort links keep the page's keys and drop the other, so that what the
// page repeats of its query, once per sort link, is bounded.
func TestHandlerPageIgnoresOtherKeys(t *testing.T) {
	h := web.NewHandler(&hndSource{snap: hndSnapshot()})
	long := strings.Repeat("a", 64<<10)
	for _, path := range []string{"/", "/fragment"} {
		plain := hndGet(t, h, "GET", path+"?filter=10.&limit=5")
		rec := hndGet(t, h, "GET", path+"?filter=10.&limit=5&x="+long)
		if rec.Code != 200 || plain.Code != 200 {
			t.Fatalf("%s: codes %d, %d", path, rec.Code, plain.Code)
		}
		body := rec.Body.String()
		if strings.Contains(body, long[:1024]) || len(body) != plain.Body.Len() {
			t.Errorf("%s: a 64 KB key that the page ignores made it %d bytes, from %d", path, len(body), plain.Body.Len())
		}
		if want := `href="?desc=1&amp;filter=10.&amp;limit=5&amp;sort=requests"`; !strings.Contains(body, want) {
			t.Errorf("%s: the sort links lost the page's keys: no %s", path, want)
		}
	}
}
