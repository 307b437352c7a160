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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
	"github.com/hitrate/hitrate/proxy"
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
	evs := make([]monitor.Event, len(weights)) // the first len(weights) events
	for i, n := range m.Events()[:len(weights)] {
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

// driveLatency records latencies until ctx ends: on http, response
// times that swing between 1 and 30 ms with a slow tail, and a connect
// time now and then; on the hostile monitor, a few.
func driveLatency(ctx context.Context, wg *sync.WaitGroup, httpMon, evil *monitor.Monitor) {
	defer wg.Done()
	r := rand.New(rand.NewPCG(9, 9))
	rt, ct, ev := httpMon.MustDist("response_time"), httpMon.MustDist("connect_time"), evil.MustDist(hostileEvent)
	c := httpMon.Open("10.9.9.9:9999")
	defer c.Close()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	start := time.Now()
	for tick := 0; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		base := 1 + 15*(1+math.Sin(time.Since(start).Seconds()*0.5))
		for range 5 {
			v := time.Duration(base * (0.5 + r.Float64()) * float64(time.Millisecond))
			if r.IntN(100) == 0 {
				v *= 20
			}
			c.Record(rt, v)
		}
		if tick%10 == 0 {
			c.Record(ct, time.Duration(200+r.IntN(300))*time.Microsecond)
			evil.Record(ev, time.Duration(1+r.IntN(5))*time.Millisecond)
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
	httpMon, err := monitor.New("http", []string{"requests", "responses", "errors", "bytes_out"},
		monitor.WithDistributions("response_time", "connect_time"))
	if err != nil {
		t.Fatal(err)
	}
	defer httpMon.Close()
	redis, err := monitor.New("redis", []string{"commands", "hits", "misses"})
	if err != nil {
		t.Fatal(err)
	}
	defer redis.Close()
	evil, err := monitor.New(hostileProto, []string{hostileEvent}, monitor.WithDistributions(hostileEvent))
	if err != nil {
		t.Fatal(err)
	}
	defer evil.Close()
	// The proxy's monitor: its 10 events make the widest connection table.
	tcp, err := proxy.NewMonitor("tcp")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	group, err := monitor.NewGroup(httpMon, redis, evil, tcp)
	if err != nil {
		t.Fatal(err)
	}
	src := &switchSource{Source: group}

	trafficCtx, stopTraffic := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(4)
	go drive(trafficCtx, &wg, httpMon, 1, 40, 900, []float64{1, 0.97, 0.02, 1400}, func(r *rand.Rand) string {
		return fmt.Sprintf("10.0.%d.%d:%d", r.IntN(3), 1+r.IntN(254), 32768+r.IntN(28000))
	})
	go drive(trafficCtx, &wg, redis, 2, 25, 2500, []float64{1, 0.8, 0.2}, func(r *rand.Rand) string {
		return fmt.Sprintf("app-%d.internal:%d", 1+r.IntN(12), 40000+r.IntN(9000))
	})
	go drive(trafficCtx, &wg, evil, 3, 2, 5, []float64{1}, func(*rand.Rand) string { return hostileConn })
	// requests, bytes_in, bytes_out, errors, responses_1xx ... 5xx, idle_closed
	go drive(trafficCtx, &wg, tcp, 4, 30, 700, []float64{1, 900, 65000, 0.01, 0.001, 0.9, 0.05, 0.04, 0.01, 0.002}, func(r *rand.Rand) string {
		return fmt.Sprintf("[2001:db8::%x:%x]:%d", r.IntN(0xffff), r.IntN(0xffff), 32768+r.IntN(28000))
	})
	wg.Add(1)
	go driveLatency(trafficCtx, &wg, httpMon, evil)
	defer func() {
		stopTraffic()
		wg.Wait()
	}()

	mux := http.NewServeMux()
	mux.Handle("/debug/hitrate/", http.StripPrefix("/debug/hitrate", web.NewHandler(src,
		web.WithInfo("listen", "127.0.0.1:60626"),
		web.WithInfo("upstream", "[2001:db8::8a2e:370:7334]:8080"),
		web.WithInfo("version", "(devel)"),
		web.WithStart(start))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// The whole browser session is bounded: 90 s leaves room, under -race on
	// a loaded machine, for the layout checks at three widths.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
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

	// fits checks, at the window's width, that every card holds its
	// content: no box and no line of text sticks out of its card's edges
	// (the widest is the tcp card's table, the proxy's 10 events), and no
	// box inside a card scrolls or clips its content sideways.
	fits := func(width int) {
		t.Helper()
		var got struct {
			Width   int      `json:"width"`
			Cards   int      `json:"cards"`
			Checked int      `json:"checked"`
			TCPCols int      `json:"tcpCols"`
			Out     []string `json:"out"`
			Clipped []string `json:"clipped"`
		}
		eval(fmt.Sprintf("check the cards hold their content at %d px", width), `(() => {
			const out = [], clipped = [], range = document.createRange();
			const label = el => el.tagName.toLowerCase() + (typeof el.className === "string" && el.className ? "." + el.className : "");
			let checked = 0;
			for (const card of document.querySelectorAll("section.card")) {
				const c = card.getBoundingClientRect(), p = card.dataset.protocol;
				const outside = r => r.width > 0 && (r.right > c.right + 1 || r.left < c.left - 1);
				for (const el of card.querySelectorAll("*")) {
					const r = el.getBoundingClientRect();
					if (r.width === 0 && r.height === 0) continue;
					// A screen reader's label, clipped to 1 px on purpose.
					if (el.closest(".visually-hidden")) continue;
					checked++;
					if (outside(r)) out.push(p + ": " + label(el) + " spans " + Math.round(r.left) + "-" + Math.round(r.right) + " in a card " + Math.round(c.left) + "-" + Math.round(c.right) + ": " + el.textContent.trim().slice(0, 40));
					const ox = getComputedStyle(el).overflowX;
					if (ox !== "visible" && el.scrollWidth > el.clientWidth + 1 && !(el instanceof SVGElement)) clipped.push(p + ": " + label(el) + " " + el.scrollWidth + " > " + el.clientWidth);
				}
				const walk = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
				for (let n; (n = walk.nextNode()); ) {
					if (!n.nodeValue.trim() || n.parentElement.closest(".visually-hidden")) continue;
					// The text must lie within its card, and within the box
					// that holds it (its nearest ancestor that is not inline).
					let box = n.parentElement;
					while (box !== card && getComputedStyle(box).display.startsWith("inline") && getComputedStyle(box).display !== "inline-block") box = box.parentElement;
					const b = box.getBoundingClientRect();
					range.selectNodeContents(n);
					for (const r of range.getClientRects()) {
						if (outside(r)) { out.push(p + ": text " + JSON.stringify(n.nodeValue.trim().slice(0, 40)) + " ends at " + Math.round(r.right) + ", its card at " + Math.round(c.right)); break; }
						if (r.width > 0 && (r.right > b.right + 1 || r.left < b.left - 1)) { out.push(p + ": text " + JSON.stringify(n.nodeValue.trim().slice(0, 40)) + " spans " + Math.round(r.left) + "-" + Math.round(r.right) + ", out of its " + label(box) + " " + Math.round(b.left) + "-" + Math.round(b.right)); break; }
					}
				}
			}
			const tcp = document.querySelector('section.card[data-protocol="tcp"] table.conn-table thead tr');
			return {width: innerWidth, cards: document.querySelectorAll("section.card").length, checked,
				tcpCols: tcp ? tcp.children.length : 0, out: out.slice(0, 8), clipped: clipped.slice(0, 8)};
		})()`, &got)
		if got.Width != width || got.Cards != 4 || got.Checked < 500 || got.TCPCols != 3+2*(len(proxy.Events())+len(proxy.Dists())) {
			t.Errorf("at %d px, the check saw too little: %+v", width, got)
		}
		if len(got.Out) > 0 {
			t.Errorf("at %d px, content sticks out of its card:\n%s", width, strings.Join(got.Out, "\n"))
		}
		if len(got.Clipped) > 0 {
			t.Errorf("at %d px, boxes clip or scroll their content sideways: %q", width, got.Clipped)
		}
	}

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
	fits(1280)
	step("a 1400 px window", 5*time.Second, chromedp.EmulateViewport(1400, 900))
	poll("the 1400 px layout", `window.innerWidth === 1400`, 3*time.Second)
	fits(1400)
	step("back to 1280 px", 5*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	}))
	poll("the 1280 px layout", `window.innerWidth === 1280`, 3*time.Second)

	// Hostile names render as text.
	var dom struct {
		Titles  []string `json:"titles"`
		Events  []string `json:"events"`
		Conns   []string `json:"conns"`
		Pwned   int      `json:"pwned"`
		Images  int      `json:"images"`
		Scripts int      `json:"scripts"`
		Handler int      `json:"handlers"`
		Dists   []string `json:"dists"`
		P50s    int      `json:"distLines"`
	}
	eval("read the DOM", `{
		titles: [...document.querySelectorAll("section.card h2")].map(e => e.textContent),
		events: [...document.querySelectorAll("table.events tbody th.name")].map(e => e.textContent),
		conns: [...document.querySelectorAll("table.conn-table td.name")].map(e => e.textContent),
		dists: [...document.querySelectorAll("table.dists tbody th.name")].map(e => e.firstChild.textContent.trim()),
		distLines: document.querySelectorAll("figure.dist-chart polyline.line.p50").length,
		pwned: window.__pwned || 0,
		images: document.images.length,
		scripts: document.scripts.length,
		handlers: document.querySelectorAll("[onerror],[onload],[onclick]").length,
	}`, &dom)
	if len(dom.Titles) != 4 || dom.Titles[2] != hostileProto {
		t.Errorf("card titles %q, want the hostile one as text", dom.Titles)
	}
	if !contains(dom.Events, hostileEvent) || !contains(dom.Conns, hostileConn) {
		t.Errorf("hostile event or connection name not shown as text: %q, %q", dom.Events, dom.Conns)
	}
	// http's two, the hostile one, and the two that the proxy's monitor
	// (tcp) declares (proxy.Dists).
	if !slices.Equal(dom.Dists, []string{"response_time", "connect_time", hostileEvent, "response_time", "connect_time"}) || dom.P50s != 5 {
		t.Errorf("latency rows %q and %d p50 lines, want response_time, connect_time, the hostile name as text, then the proxy's response_time and connect_time, and 5", dom.Dists, dom.P50s)
	}
	if dom.Pwned != 0 || dom.Images != 0 || dom.Scripts != 1 || dom.Handler != 0 {
		t.Errorf("hostile names became markup: %+v", dom)
	}

	// The header says what the page watches.
	var about []string
	eval("read the header", `[...document.querySelectorAll("dl.about > div")].map(d => d.querySelector("dt").textContent + " " + d.querySelector("dd").textContent)`, &about)
	if len(about) != 4 || about[0] != "listen 127.0.0.1:60626" || about[1] != "upstream [2001:db8::8a2e:370:7334]:8080" ||
		about[2] != "version (devel)" || !strings.HasPrefix(about[3], "uptime ") {
		t.Errorf("header %q", about)
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

	// Sort by a total, the highest first: the exact totals in the
	// tooltips go down.
	step("click requests Total", 5*time.Second, chromedp.Click(chromedp.CSS(httpConns+` th a[data-sort="total:requests"]`)))
	poll("sorted by total requests", `(() => {
		const th = document.querySelector('`+httpConns+` th a[data-sort="total:requests"]').parentElement;
		if (th.getAttribute("aria-sort") !== "descending" || !location.search.includes("sort=total%3Arequests")) return false;
		const tots = [...document.querySelectorAll('`+httpConns+` tbody tr')].map(tr => Number(tr.querySelector("td.tot").title.replaceAll(",", "")));
		return tots.length > 1 && tots.every((v, i) => Number.isInteger(v) && (i === 0 || tots[i-1] >= v));
	})()`, 5*time.Second)

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

	// A chart's readout shows the sample under the pointer (its age and
	// value), and keeps showing it, with its new value, across refreshes.
	const chart = `section.card[data-protocol="http"] figure.chart[data-event="0"]`
	poll("a chart with 4 samples", `!!document.querySelector('`+chart+` g.hits rect[data-off="3"]')`, 10*time.Second)
	var pt struct{ X, Y float64 }
	eval("find a chart sample", `(() => {
		document.querySelector('`+chart+`').scrollIntoView({block: "center"});
		const b = document.querySelector('`+chart+` g.hits rect[data-off="3"]').getBoundingClientRect();
		return {x: b.x + b.width / 2, y: b.y + b.height / 2};
	})()`, &pt)
	step("point at the chart", 5*time.Second, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, pt.X, pt.Y))
	hovered := `(() => {
		const out = document.querySelector('` + chart + ` output.readout').textContent;
		const hit = document.querySelector('` + chart + ` g.hits rect[data-off="3"]');
		const cur = document.querySelector('` + chart + ` g.cursor');
		return /^3 s ago: [0-9.]+[kMG]?\/s$/.test(out) && out === hit.dataset.label &&
			cur.getAttribute("visibility") === "visible" && cur.querySelector("line").getAttribute("x1") === hit.dataset.x;
	})()`
	poll("the readout shows the sample", hovered, 3*time.Second)
	var updated3 string
	eval("read the update time", `document.getElementById("updated").textContent`, &updated3)
	poll("a refresh", `document.getElementById("updated").textContent !== `+q(updated3), 5*time.Second)
	var kept bool
	eval("the readout after a refresh", hovered, &kept)
	if !kept {
		t.Errorf("the chart readout did not survive a refresh")
	}
	step("leave the chart", 5*time.Second, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1))
	poll("the readout shows the newest sample", `document.querySelector('`+chart+` output.readout').textContent.startsWith("now: ")`, 3*time.Second)

	// A narrow window (420 px): no text wraps inside a word, nothing
	// scrolls sideways (neither the page nor a box inside it), and the
	// connection table is a card per connection.
	step("narrow window", 5*time.Second, chromedp.EmulateViewport(420, 900))
	var updated4 string
	eval("read the update time", `document.getElementById("updated").textContent`, &updated4)
	poll("a refresh", `document.getElementById("updated").textContent !== `+q(updated4), 5*time.Second)
	var narrow struct {
		Tokens    int      `json:"tokens"`
		Split     []string `json:"split"`
		Scrollers []string `json:"scrollers"`
		PageWidth int      `json:"pageWidth"`
		ViewWidth int      `json:"viewWidth"`
		RowShow   string   `json:"rowShow"`
		Names     int      `json:"names"`
		Overflow  []string `json:"overflow"`
	}
	eval("check the narrow layout", `(() => {
		// Every run of non-space characters in a rendered text node must
		// lie on one line: its client rects (one per line box) share a top.
		const range = document.createRange(), split = [];
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		let tokens = 0;
		for (let n; (n = walk.nextNode()); ) {
			const re = /\S+/g;
			for (let m; (m = re.exec(n.nodeValue)); ) {
				range.setStart(n, m.index);
				range.setEnd(n, m.index + m[0].length);
				const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
				if (rects.length === 0) continue; // not rendered
				tokens++;
				const tops = rects.map(r => r.top);
				if (Math.max(...tops) - Math.min(...tops) > rects[0].height / 2) split.push(m[0]);
			}
		}
		const scrollers = [...document.querySelectorAll("body *")].filter(el => {
			const ox = getComputedStyle(el).overflowX;
			return (ox === "auto" || ox === "scroll") && el.scrollWidth > el.clientWidth + 1;
		}).map(el => el.tagName.toLowerCase() + "." + el.className);
		return {
			tokens, split, scrollers,
			pageWidth: document.documentElement.scrollWidth,
			viewWidth: window.innerWidth,
			rowShow: getComputedStyle(document.querySelector("table.conn-table tbody tr")).display,
			names: document.querySelectorAll("table.conn-table td.name").length,
			// The boxes that stick out of the window (and whose parent does not).
			overflow: [...document.querySelectorAll("body *")].filter(el =>
				el.getBoundingClientRect().right > innerWidth + 1 && el.parentElement.getBoundingClientRect().right <= innerWidth + 1
			).slice(0, 5).map(el => el.tagName.toLowerCase() + "." + (typeof el.className === "string" ? el.className : "") + ": " + el.textContent.slice(0, 60)),
		};
	})()`, &narrow)
	if narrow.ViewWidth != 420 || narrow.Tokens < 200 || narrow.Names < 12 {
		t.Errorf("narrow pass checked too little: %+v", narrow)
	}
	if len(narrow.Split) > 0 {
		t.Errorf("at 420 px, words wrap inside: %q", narrow.Split)
	}
	if len(narrow.Scrollers) > 0 || narrow.PageWidth > narrow.ViewWidth {
		t.Errorf("at 420 px, sideways scrolling: boxes %q, page %d px wide in a %d px window (sticking out: %q)", narrow.Scrollers, narrow.PageWidth, narrow.ViewWidth, narrow.Overflow)
	}
	if narrow.RowShow != "grid" {
		t.Errorf("at 420 px, a connection row displays as %q, not as a card (grid)", narrow.RowShow)
	}
	fits(420)
	shot(bctx, "page-narrow.png")
	step("wide window again", 5*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	}))
	poll("the wide layout", `window.innerWidth === 1280 && getComputedStyle(document.querySelector('section.card[data-protocol="redis"] table.conn-table tbody tr')).display === "table-row"`, 3*time.Second)
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
	if err != nil || static.Cards != 4 || static.Rate == "" || static.Conns < 12 || static.Status != "snapshot" {
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
