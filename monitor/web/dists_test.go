package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
	"github.com/hitrate/hitrate/ring"
)

// TestHandlerDistributions serves a monitor with latency distributions
// (one with a name to escape) and checks them in /json, on the page and
// in /metrics.
func TestHandlerDistributions(t *testing.T) {
	clock := ring.NewManualClock()
	m, err := monitor.New("proxy", []string{"requests"}, monitor.WithClock(clock.Clock), monitor.WithManualSampling(),
		monitor.WithDistributions("response_time", `<b>"q"</b>`))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	rt := m.MustDist("response_time")
	c := m.Open("10.0.0.1:1")
	defer c.Close()
	h := web.NewHandler(m)

	page := hndGet(t, h, "GET", "/").Body.String()
	if !strings.Contains(page, `<table class="dists">`) || !strings.Contains(page, "No samples yet.") {
		t.Errorf("page before any sample lacks the distributions or says it has samples:\n%s", page)
	}

	// Three seconds: 100 values a second, 98 of 2 ms and two of 250 ms.
	// The last second's window holds 105: the oldest of its 11 slots
	// (10 values) counts one half.
	clock.Advance(ring.Tick)
	for s := range 3 {
		for tick := range ring.N {
			for k := range 10 {
				v := 2 * time.Millisecond
				if (tick == 5 || tick == 6) && k == 0 {
					v = 250 * time.Millisecond
				}
				c.Record(rt, v)
			}
			if s < 2 || tick < ring.N-1 {
				clock.Advance(ring.Tick)
			}
		}
		m.Sample()
	}

	rec := hndGet(t, h, "GET", "/json?conns")
	js := rec.Body.String()
	for _, key := range []string{
		`"distributions":[{"name":"response_time","1s":{"span_ns":1000000000,"count":105,"rate":105,`,
		`"max_ns":250000000`, `"10s":{"span_ns":3000000000,"count":300,`, `"history":[{"count":100,`,
		`"name":"\u003cb\u003e\"q\"\u003c/b\u003e"`,
		`"distributions":[{"name":"response_time","count":105,"mean_ns":`, `"total":300}`,
	} {
		if !strings.Contains(js, key) {
			t.Errorf("/json lacks %s:\n%s", key, js)
		}
	}
	var snap monitor.Snapshot
	if err := json.Unmarshal(rec.Body.Bytes(), &snap); err != nil {
		t.Fatal(err)
	}
	if d := snap.Protocols[0].Dists[0]; d.Total.Count != 300 || len(d.History) != 3 || d.History[2].P99 < 245*time.Millisecond {
		t.Errorf("decoded %+v", d)
	}

	page = hndGet(t, h, "GET", "/").Body.String()
	for _, want := range []string{
		`<th scope="row" class="name">response_time <span class="dist-rate"`,
		`<td class="num" data-label="1 s" title="last 1 s: 105 values, mean 6.72ms, p90 2ms, p99.9 250ms (quantiles within 1%)">` +
			`<span>2ms</span><span class="p99">250ms</span><span class="max">250ms</span>`,
		`title="105.00/s over the last second">105/s</span>`,
		`&lt;b&gt;&#34;q&#34;&lt;/b&gt;`,
		`<td class="num none" data-label="60 s" title="no values in the last 60 s">`,
		`aria-label="response_time: p50 and p99 latency per second over the last minute"`,
		`<polyline class="line p50" points="`,
		`data-label="now: p50 2ms, p99 250ms"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, `<b>"q"</b>`) {
		t.Error("page holds the raw name")
	}

	// The connection's own mean and count, sortable; the name escaped.
	page = hndGet(t, h, "GET", "/?conns&sort=mean:response_time&desc").Body.String()
	for _, want := range []string{
		`aria-sort="descending"><a href="?conns=&amp;sort=mean%3Aresponse_time" data-sort="mean:response_time">response_time<span class="unit"> mean</span></a>`,
		`aria-sort="none"><a href="?conns=&amp;desc=1&amp;sort=count%3Aresponse_time" data-sort="count:response_time"><span class="lbl">response_time </span>Total</a>`,
		`data-sort="mean:&lt;b&gt;&#34;q&#34;&lt;/b&gt;">&lt;b&gt;&#34;q&#34;&lt;/b&gt;<span class="unit"> mean</span>`,
		`title="mean of 105 values in the last second: 6.72ms"><span class="lbl">response_time mean </span><span class="v">6.72ms</span></td>`,
		`<td class="num tot" title="300">300</td>`,
		`title="no values in the last second; 0 in all"><span class="lbl">&lt;b&gt;&#34;q&#34;&lt;/b&gt; mean </span><span class="v">–</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("connections lack %s", want)
		}
	}

	metrics := hndGet(t, h, "GET", "/metrics").Body.String()
	for _, want := range []string{
		"# TYPE hitrate_latency_seconds histogram\n",
		`hitrate_latency_seconds_bucket{protocol="proxy",distribution="response_time",le="0.0025"} 294` + "\n",
		`hitrate_latency_seconds_bucket{protocol="proxy",distribution="response_time",le="+Inf"} 300` + "\n",
		`hitrate_latency_seconds_count{protocol="proxy",distribution="response_time"} 300` + "\n",
		`hitrate_latency_seconds_count{protocol="proxy",distribution="<b>\"q\"</b>"} 0` + "\n",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
	}
}
