package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
)

// Hostile names: if the page ever treats one as markup, window.__pwned
// gets set or an element appears that should not.
const (
	hostileProto = `<script>window.__pwned=1</script>"'&amp;`
	hostileEvent = `<img src=x onerror="window.__pwned=2">`
	hostileConn  = `"><svg onload=window.__pwned=3>`
)

// chromiumPath returns the browser to drive, or "" if there is none.
func chromiumPath() string {
	if p := os.Getenv("HITRATE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// switchSource is a Source that panics while broken is set, to show the
// page's error banner.
type switchSource struct {
	monitor.Source
	broken atomic.Bool
}

func (s *switchSource) Snapshot(q monitor.Query) monitor.Snapshot {
	if s.broken.Load() {
		panic("e2e: broken on purpose")
	}
	return s.Source.Snapshot(q)
}

// drive logs events on m's connections until ctx ends: a rate that
// swings with time, hot and cold connections, and a connection closed
// and another opened every 200 ms.
func drive(ctx context.Context, wg *sync.WaitGroup, m *monitor.Monitor, seed uint64, nconn int, base float64, weights []float64, name func(r *rand.Rand) string) {
	defer wg.Done()
	r := rand.New(rand.NewPCG(seed, seed))
	evs := make([]monitor.Event, len(weights))
	for i, n := range m.Events() {
		evs[i] = m.MustEvent(n)
	}
	conns := make([]monitor.Conn, nconn)
	for i := range conns {
		conns[i] = m.Open(name(r))
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	start := time.Now()
	noise := 1.0
	for tick := 0; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if tick%100 == 0 { // a new jitter each second
			noise = 0.8 + 0.4*r.Float64()
		}
		// A slow swing, about 20 s a period, with jitter on top.
		el := time.Since(start).Seconds()
		level := base * noise * (1.2 + math.Sin(el*0.3+float64(seed)))
		for i, w := range weights {
			want := level * w / 100 // per 10 ms
			k := uint64(want)
			if r.Float64() < want-float64(k) {
				k++
			}
			for k > 0 {
				// Skewed: low indexes are hot.
				c := conns[int(float64(len(conns))*r.Float64()*r.Float64())]
				n := min(k, 1+uint64(r.IntN(8)))
				c.Add(evs[i], n)
				k -= n
			}
		}
		if tick%20 == 19 {
			j := r.IntN(len(conns))
			conns[j].Close()
			conns[j] = m.Open(name(r))
		}
	}
}

func TestBrowserPage(t *testing.T) {
	chromium := chromiumPath()
	if chromium == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found (set HITRATE_CHROMIUM), and CI=true")
		}
		t.Skip("no Chromium found: install the chromium package or set HITRATE_CHROMIUM")
	}
	start := time.Now()

	// Real monitors on the real clock, with live traffic.
	httpMon, err := monitor.New("http", []string{"requests", "responses", "errors", "bytes_out"})
	if err != nil {
		t.Fatal(err)
	}
	defer httpMon.Close()
	redis, err := monitor.New("redis", []string{"commands", "hits", "misses"})
	if err != nil {
		t.Fatal(err)
	}
	defer redis.Close()
	evil, err := monitor.New(hostileProto, []string{hostileEvent})
	if err != nil {
		t.Fatal(err)
	}
	defer evil.Close()
	group, err := monitor.NewGroup(httpMon, redis, evil)
	if err != nil {
		t.Fatal(err)
	}
	src := &switchSource{Source: group}

	trafficCtx, stopTraffic := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(3)
	go drive(trafficCtx, &wg, httpMon, 1, 40, 900, []float64{1, 0.97, 0.02, 1400}, func(r *rand.Rand) string {
		return fmt.Sprintf("10.0.%d.%d:%d", r.IntN(3), 1+r.IntN(254), 32768+r.IntN(28000))
	})
	go drive(trafficCtx, &wg, redis, 2, 25, 2500, []float64{1, 0.8, 0.2}, func(r *rand.Rand) string {
		return fmt.Sprintf("app-%d.internal:%d", 1+r.IntN(12), 40000+r.IntN(9000))
	})
	go drive(trafficCtx, &wg, evil, 3, 2, 5, []float64{1}, func(*rand.Rand) string { return hostileConn })
	defer func() {
		stopTraffic()
		wg.Wait()
	}()

	mux := http.NewServeMux()
	mux.Handle("/debug/hitrate/", http.StripPrefix("/debug/hitrate", web.NewHandler(src)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// The whole browser session is bounded.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	// Start the browser, then collect the console.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	var (
		consoleMu sync.Mutex
		problems  []string
	)
	consoleCtx, stopConsole := context.WithCancel(bctx)
	defer stopConsole()
	messages := chromedp.Console(consoleCtx)
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy") {
				consoleMu.Lock()
				problems = append(problems, m.String())
				consoleMu.Unlock()
			}
		}
	}()

	// step runs actions with a bound of its own.
	step := func(what string, d time.Duration, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, d)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v (after %v)", what, err, time.Since(start).Round(time.Millisecond))
		}
	}
	eval := func(what, expr string, out any) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 5*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Evaluate[string](`JSON.stringify(`+expr+`)`))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := json.Unmarshal([]byte(s), out); err != nil {
			t.Fatalf("%s: %v: %s", what, err, s)
		}
	}
	poll := func(what, expr string, d time.Duration) {
		t.Helper()
		step(what, d+time.Second, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(d)))
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }

	step("load the page", 10*time.Second, chromedp.Navigate(srv.URL+"/debug/hitrate/?limit=12"))
	poll("the page goes live", `document.getElementById("status-text").textContent === "live"`, 10*time.Second)

	// A rate cell shows a non-zero value, and then another one.
	const rateCell = `(document.querySelector('section.card[data-protocol="http"] table.events tbody tr td.rate') || {}).textContent`
	poll("a non-zero rate", rateCell+` && `+rateCell+` !== "0"`, 10*time.Second)
	var first string
	eval("read the rate", rateCell, &first)
	var updated1 string
	eval("read the update time", `document.getElementById("updated").textContent`, &updated1)
	poll("the rate changes", rateCell+` !== `+q(first)+` && `+rateCell+` !== "0"`, 10*time.Second)
	poll("the update time changes", `document.getElementById("updated").textContent !== `+q(updated1), 5*time.Second)

	// Hostile names render as text.
	var dom struct {
		Titles  []string `json:"titles"`
		Events  []string `json:"events"`
		Conns   []string `json:"conns"`
		Pwned   int      `json:"pwned"`
		Images  int      `json:"images"`
		Scripts int      `json:"scripts"`
		Handler int      `json:"handlers"`
	}
	eval("read the DOM", `{
		titles: [...document.querySelectorAll("section.card h2")].map(e => e.textContent),
		events: [...document.querySelectorAll("table.events tbody th.name")].map(e => e.textContent),
		conns: [...document.querySelectorAll("table.conn-table td.name")].map(e => e.textContent),
		pwned: window.__pwned || 0,
		images: document.images.length,
		scripts: document.scripts.length,
		handlers: document.querySelectorAll("[onerror],[onload],[onclick]").length,
	}`, &dom)
	if len(dom.Titles) != 3 || dom.Titles[2] != hostileProto {
		t.Errorf("card titles %q, want the hostile one as text", dom.Titles)
	}
	if !contains(dom.Events, hostileEvent) || !contains(dom.Conns, hostileConn) {
		t.Errorf("hostile event or connection name not shown as text: %q, %q", dom.Events, dom.Conns)
	}
	if dom.Pwned != 0 || dom.Images != 0 || dom.Scripts != 1 || dom.Handler != 0 {
		t.Errorf("hostile names became markup: %+v", dom)
	}

	// Sort by clicking headers.
	const httpConns = `section.card[data-protocol="http"] table.conn-table`
	sortedBy := func(key, order string) string {
		cmp := `<=`
		if order == "descending" {
			cmp = `>=`
		}
		return fmt.Sprintf(`(() => {
			const th = document.querySelector('%s th a[data-sort=%s]').parentElement;
			if (th.getAttribute("aria-sort") !== %s) return false;
			const names = [...document.querySelectorAll('%s tbody td.name')].map(e => e.textContent);
			return names.length > 1 && names.every((n, i) => i === 0 || names[i-1] %s n);
		})()`, httpConns, q(key), q(order), httpConns, cmp)
	}
	step("click Name", 5*time.Second, chromedp.Click(chromedp.CSS(httpConns+` th a[data-sort="name"]`)))
	poll("sorted by name", sortedBy("name", "ascending"), 5*time.Second)
	step("click Name again", 5*time.Second, chromedp.Click(chromedp.CSS(httpConns+` th a[data-sort="name"]`)))
	poll("sorted by name, descending", sortedBy("name", "descending"), 5*time.Second)
	poll("the sort is in the address", `location.search.includes("sort=name") && location.search.includes("desc=1")`, time.Second)

	// Filter by typing.
	step("type a filter", 5*time.Second, chromedp.SendKeys(chromedp.ID("filter"), "10.0.1."))
	poll("the list is filtered", `(() => {
		const names = [...document.querySelectorAll('`+httpConns+` tbody td.name')].map(e => e.textContent);
		const count = document.querySelector('section.card[data-protocol="http"] .count').textContent;
		const redis = document.querySelector('section.card[data-protocol="redis"] .conn-table td.empty');
		return names.length > 0 && names.every(n => n.includes("10.0.1.")) && count.includes("matching") &&
			redis && redis.textContent.includes("No connection matches");
	})()`, 5*time.Second)
	var cleared bool
	eval("clear the filter", `(() => { const f = document.getElementById("filter"); f.value = ""; f.dispatchEvent(new Event("input")); return true; })()`, &cleared)
	poll("the filter is gone", `!document.querySelector('section.card[data-protocol="http"] .count').textContent.includes("matching") && !location.search.includes("filter")`, 5*time.Second)

	// Bare bools, as ParseQuery documents them ("?conns&desc"): the
	// script must read them as the server does, across refreshes.
	step("load with bare bools", 10*time.Second, chromedp.Navigate(srv.URL+"/debug/hitrate/?limit=12&conns&desc&sort=name"))
	var updated2 string
	eval("read the update time", `document.getElementById("updated").textContent`, &updated2)
	poll("refreshed with bare bools", `document.getElementById("updated").textContent !== `+q(updated2), 5*time.Second)
	poll("still listed and descending", `document.querySelectorAll('`+httpConns+` tbody td.name').length > 1 && (`+sortedBy("name", "descending")+`)`, 5*time.Second)

	// Sort by a rate, the busiest first, for the screenshot.
	step("click requests", 5*time.Second, chromedp.Click(chromedp.CSS(httpConns+` th a[data-sort="requests"]`)))
	poll("sorted by requests", `document.querySelector('`+httpConns+` th a[data-sort="requests"]').parentElement.getAttribute("aria-sort") === "descending"`, 5*time.Second)

	// A failing server shows the banner, and the page recovers.
	prevLog := log.Writer()
	log.SetOutput(io.Discard) // the handler logs each panic with its stack
	src.broken.Store(true)
	poll("the error banner", `!document.getElementById("error").hidden && document.getElementById("status").dataset.state === "error" && document.getElementById("error").textContent.includes("500")`, 5*time.Second)
	src.broken.Store(false)
	log.SetOutput(prevLog)
	poll("the banner goes", `document.getElementById("error").hidden && document.getElementById("status").dataset.state === "live"`, 5*time.Second)

	// Give the sparklines a few more samples (one a second), within the
	// test's budget: for the screenshot only, so not a failure.
	if left := 30*time.Second - time.Since(start); left > 0 {
		sctx, cancel := context.WithTimeout(bctx, left+time.Second)
		err := chromedp.Do(sctx, chromedp.Poll[chromedp.Void](
			`document.querySelector("table.events polyline").getAttribute("points").split(" ").length >= 25`,
			chromedp.WithPollingInterval(250*time.Millisecond), chromedp.WithPollingTimeout(left)))
		cancel()
		if err != nil {
			t.Logf("sparklines still short after %v: %v", time.Since(start).Round(time.Millisecond), err)
		}
	}

	shot := func(tab context.Context, name string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(tab, 10*time.Second)
		defer cancel()
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		dirs := []string{filepath.Join("testdata", "screenshots")}
		if d := os.Getenv("HITRATE_SCREENSHOT_DIR"); d != "" {
			dirs = append(dirs, d)
		}
		for _, d := range dirs {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("saved %s (%d bytes) in %s", name, len(png), strings.Join(dirs, ", "))
	}
	shot(bctx, "page.png")
	step("dark mode", 5*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		return err
	}))
	poll("dark colors", `getComputedStyle(document.body).color !== "rgb(26, 29, 35)"`, 3*time.Second)
	shot(bctx, "page-dark.png")

	// Without JavaScript, the server's first render already holds the data.
	noJS, cancelNoJS := chromedp.NewContext(bctx)
	defer cancelNoJS()
	if err := chromedp.Do(noJS, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})); err != nil {
		t.Fatalf("disable JavaScript: %v", err)
	}
	nctx, cancelN := context.WithTimeout(noJS, 10*time.Second)
	defer cancelN()
	if err := chromedp.Do(nctx, chromedp.Navigate(srv.URL+"/debug/hitrate/?limit=12")); err != nil {
		t.Fatalf("load the page without JavaScript: %v", err)
	}
	var static struct {
		Cards  int    `json:"cards"`
		Rate   string `json:"rate"`
		Conns  int    `json:"conns"`
		Status string `json:"status"`
	}
	s, err := chromedp.Run(nctx, chromedp.Evaluate[string](`JSON.stringify({
		cards: document.querySelectorAll("section.card").length,
		rate: `+rateCell+`,
		conns: document.querySelectorAll("table.conn-table tbody tr").length,
		status: document.getElementById("status-text").textContent,
	})`))
	if err == nil {
		err = json.Unmarshal([]byte(s), &static)
	}
	if err != nil || static.Cards != 3 || static.Rate == "" || static.Conns < 12 || static.Status != "snapshot" {
		t.Errorf("page without JavaScript: %+v, %v", static, err)
	}
	shot(noJS, "page-nojs.png")

	stopConsole()
	<-consoleDone
	consoleMu.Lock()
	for _, p := range problems {
		t.Errorf("console: %s", p)
	}
	consoleMu.Unlock()
	t.Logf("browser test took %v", time.Since(start).Round(time.Millisecond))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
