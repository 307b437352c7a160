package web_test

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
)

func TestPageInfo(t *testing.T) {
	src := &hndSource{snap: hndSnapshot()}
	start := hndSnapshot().Time.Add(-(2*time.Hour + 7*time.Minute))
	long := strings.Repeat("é", web.MaxInfoLen)
	opts := []web.Option{
		web.WithInfo("listen", "127.0.0.1:8080"),
		web.WithInfo("upstream", `<b>"x"</b>`),
		web.WithInfo("", "dropped"),
		web.WithInfo("long", long),
		web.WithInfo("bad", "a\xffb"),
		nil,
		web.WithStart(start),
	}
	for range web.MaxInfos {
		opts = append(opts, web.WithInfo("extra", "x"))
	}
	page := hndGet(t, web.NewHandler(src, opts...), "GET", "/").Body.String()
	for _, want := range []string{
		`<dt>listen</dt><dd>127.0.0.1:8080</dd>`,
		`<dt>upstream</dt><dd>&lt;b&gt;&#34;x&#34;&lt;/b&gt;</dd>`,
		`<dt>bad</dt><dd>a` + "\uFFFD" + `b</dd>`,
		`<dt>uptime</dt><dd>2h07m</dd>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "dropped") || strings.Contains(page, "<b>") {
		t.Errorf("page holds a dropped or unescaped fact")
	}
	_, cut, _ := strings.Cut(page, "<dt>long</dt><dd>")
	cut, _, _ = strings.Cut(cut, "</dd>")
	if len(cut) > web.MaxInfoLen || !strings.HasSuffix(cut, "…") || !strings.HasPrefix(cut, "éé") {
		t.Errorf("long value: %d bytes, %.20q…", len(cut), cut)
	}
	// MaxInfos facts, the uptime beside them.
	if n := strings.Count(page, "<dt>"); n != web.MaxInfos+1+3*2 { // + uptime + the two cards' conn-stats
		t.Errorf("%d facts and stats", n)
	}
	if plain := hndGet(t, web.NewHandler(src), "GET", "/").Body.String(); strings.Contains(plain, `class="about"`) {
		t.Errorf("page without options shows a header of facts")
	}
}

func TestPageSortLinks(t *testing.T) {
	h := web.NewHandler(&hndSource{snap: hndSnapshot()})
	page := html.UnescapeString(hndGet(t, h, "GET", "/?sort=total:bytes").Body.String())
	for _, want := range []string{
		// By rate, the bare name; by total, "total:"; the current one
		// reverses.
		`aria-sort="none"><a href="?desc=1&sort=requests" data-sort="requests">requests`,
		`aria-sort="none"><a href="?desc=1&sort=total%3Arequests" data-sort="total:requests"><span class="lbl">requests </span>Total</a>`,
		`aria-sort="ascending"><a href="?desc=1&sort=total%3Abytes" data-sort="total:bytes">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// "rate:bytes" is the same sort as "bytes".
	page = html.UnescapeString(hndGet(t, h, "GET", "/?sort=rate:bytes&desc").Body.String())
	if want := `aria-sort="descending"><a href="?sort=bytes" data-sort="bytes">`; !strings.Contains(page, want) {
		t.Errorf("page lacks %q", want)
	}
}

func TestPageRateDetails(t *testing.T) {
	snap := monitor.Snapshot{Protocols: []monitor.Protocol{{
		Name: "p",
		Events: []monitor.EventStats{
			{Name: "few", Rate: 12, RateLow: 6.2, RateHigh: 21, Averages: avgs(11.5, 7.2, 11.5, 7.2), History: []float64{3, 12}},
			{Name: "many", Rate: 10000, RateLow: 9804, RateHigh: 10196, Averages: avgs(9990, 10.01, 9000, 59.98)},
			{Name: "none", Rate: 0, RateLow: 0, RateHigh: 3.69},
		},
	}}}
	page := hndGet(t, web.NewHandler(&hndSource{snap: snap}), "GET", "/").Body.String()
	row := func(name string) string {
		_, r, _ := strings.Cut(page, `<th scope="row" class="name">`+name+`</th>`)
		r, _, _ = strings.Cut(r, "</tr>")
		return r
	}
	for _, c := range []struct{ event, want string }{
		{"few", `title="12.00/s, 95% interval 6.20/s to 21.00/s">12 <span class="pm">±7.4</span></td>`},
		{"few", `title="11.50/s over the last 7.2 s">11.5 <span class="over">over 7 s</span></td>`},
		{"many", `title="10,000.00/s, 95% interval 9,804.00/s to 10,196.00/s">10k</td>`},
		{"many", `title="9,990.00/s over the last 10.0 s">9.99k</td>`},
		{"many", `title="9,000.00/s over the last 60.0 s">9k</td>`},
		{"none", `title="0.00/s, 95% interval 0.00/s to 3.69/s">0</td>`},
		{"none", `title="no sample yet">–</td>`},
	} {
		if r := row(c.event); !strings.Contains(r, c.want) {
			t.Errorf("%s: row lacks %q:\n%s", c.event, c.want, r)
		}
	}
	// A chart per event with samples, its readout and a band per sample.
	for _, want := range []string{
		`<figure class="chart" data-event="0">`,
		`<output class="readout" data-now="now: 12/s">now: 12/s</output>`,
		`data-off="1" data-x="305.5" data-y="89.6" data-label="1 s ago: 3/s"><title>1 s ago: 3/s</title></rect>`,
		`<figure class="chart" data-event="2">`,
		`<p class="nodata">No samples yet.</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// avgs returns the averages over 10 s and 60 s: rate r10 over s10
// seconds, and r60 over s60.
func avgs(r10, s10, r60, s60 float64) []monitor.Average {
	return []monitor.Average{{Window: 10 * time.Second, Rate: r10, Span: s10}, {Window: time.Minute, Rate: r60, Span: s60}}
}

// TestPageChartUnits checks that a chart says what its rate counts: bytes
// per second for a byte event, events per second for the others.
func TestPageChartUnits(t *testing.T) {
	page := hndGet(t, web.NewHandler(&hndSource{snap: hndSnapshot()}), "GET", "/").Body.String()
	for _, want := range []string{
		`aria-label="requests: events per second over the last minute"`,
		`aria-label="bytes: bytes per second over the last minute"`,
		`bytes per second for byte counts`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `aria-label="bytes: events per second`) {
		t.Errorf("the bytes chart says events per second")
	}
}
