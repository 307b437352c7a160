package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/monitor"
)

// TestPrometheusLatency runs the hitrate proxy in front of an upstream
// with a known delay distribution (9 requests in 10 answered after 2 ms,
// 1 in 10 after 35 ms) and a real Prometheus scraping it, and compares
// the 0.99 quantile of the proxy's response_time as Prometheus computes it
// from the classic histogram, histogram_quantile(0.99,
// rate(hitrate_latency_seconds_bucket[30s])), with hitrate's own p99 of
// every value (the 60 s window of /json, which holds the whole run).
//
// The tolerance is the bucket: Prometheus knows only the cumulative counts
// at the bounds of latency.ExportBounds and interpolates linearly inside
// the bucket that holds the rank, so its answer lies anywhere in that
// bucket. Both must fall in the same bucket (lo, hi] of ExportBounds, the
// one that holds hitrate's p99 (within 1% of the exact one); if hitrate's
// p99 is within 1% of a bound, the bucket on either side of it will do.
// With these delays the p99 is a 35 ms request, in the bucket (25 ms,
// 50 ms]. And hitrate_latency_seconds_count must equal the requests sent,
// exactly, as must hitrate's own count.
func TestPrometheusLatency(t *testing.T) {
	promBin := prometheusPath()
	if promBin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no prometheus binary found (install Debian's prometheus package or set HITRATE_PROMETHEUS), and CI=true")
		}
		t.Skip("no prometheus binary found: install the prometheus package or set HITRATE_PROMETHEUS")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()

	// GET /d/i waits 35 ms if i is a multiple of 10, else 2 ms.
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/d/"))
		d := 2 * time.Millisecond
		if i%10 == 0 {
			d = 35 * time.Millisecond
		}
		time.Sleep(d)
		io.WriteString(w, "ok\n")
	}))
	defer upstream.Close()
	listenAddr, statsAddr := startHitrateProxy(ctx, t, dir, upstream.Listener.Addr().String())
	prom := startPrometheus(ctx, t, promBin, dir, statsAddr)
	const sel = `{job="hitrate",protocol="http",distribution="response_time"}`

	// A scrape before any traffic, so that rate() starts from 0.
	if _, err := prom.sampleAfter(ctx, time.Now()); err != nil {
		t.Fatalf("no scrape of the proxy before the traffic: %v\n%s", err, prom.proc.output())
	}
	before, err := prom.samples(ctx, "hitrate_latency_seconds_count"+sel, time.Now(), time.Minute)
	if err != nil || len(before) == 0 || before[len(before)-1].value != 0 {
		t.Fatalf("before the traffic: %v, %v; want a last sample of 0", before, err)
	}

	const n, workers = 400, 4
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: workers}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				res, err := client.Get(fmt.Sprintf("http://%s/d/%d", listenAddr, i))
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// hitrate's own numbers: the 60 s window holds every value once the
	// sampler has closed the second of the last one.
	var own monitor.DistStats
	err = poll(ctx, 10*time.Second, func() (bool, error) {
		res, err := http.Get("http://" + statsAddr + "/json")
		if err != nil {
			return false, err
		}
		defer res.Body.Close()
		var s monitor.Snapshot
		if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
			return false, err
		}
		for _, p := range s.Protocols {
			for _, d := range p.Dists {
				if p.Name == "http" && d.Name == "response_time" {
					own = d
				}
			}
		}
		return own.Total.Count == n && own.Minute.Count == n, nil
	})
	if err != nil {
		t.Fatalf("hitrate's response_time: %+v: %v", own, err)
	}

	// Prometheus, at the first scrape after the traffic.
	last, err := prom.sampleAfter(ctx, time.Now().Add(100*time.Millisecond))
	if err != nil {
		t.Fatalf("waiting for a scrape: %v\n%s", err, prom.proc.output())
	}
	counts, err := prom.samples(ctx, "hitrate_latency_seconds_count"+sel, last.at, time.Minute)
	if err != nil || len(counts) == 0 || counts[len(counts)-1].value != n {
		t.Errorf("hitrate_latency_seconds_count: %v, %v; want a last sample of %d", counts, err, n)
	}
	q := "histogram_quantile(0.99, rate(hitrate_latency_seconds_bucket" + sel + "[30s]))"
	promP99, err := prom.instant(ctx, q, last.at)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}

	p99 := own.Minute.P99
	lo, hi := bucketOf(p99)
	prom99 := time.Duration(promP99 * 1e9)
	if !(prom99 >= lo && prom99 <= hi) {
		t.Errorf("p99: Prometheus %v, hitrate %v: not in the same bucket (%v, %v] of ExportBounds", prom99, p99, lo, hi)
	}
	if p99 <= 25*time.Millisecond || p99 > 50*time.Millisecond {
		t.Errorf("hitrate's p99 %v: want one of the 35 ms requests (the machine may be too loaded)", p99)
	}
	t.Logf("p99: hitrate %v (p50 %v, max %v, %v values), Prometheus %v (%s), bucket (%v, %v]",
		p99, own.Minute.P50, own.Minute.Max, own.Minute.Count, prom99, q, lo, hi)
}

// bucketOf returns the bucket (lo, hi] of latency.ExportBounds that holds
// v, widened to the next bucket on the side of a bound v is within 1% of.
func bucketOf(v time.Duration) (lo, hi time.Duration) {
	b := latency.ExportBounds
	hi = time.Duration(1<<63 - 1)
	for i, x := range b {
		if v <= x {
			hi = x
			if i > 0 {
				lo = b[i-1]
			}
			break
		}
	}
	near := func(x time.Duration) bool {
		return x > 0 && float64(v) > 0.99*float64(x) && float64(v) < 1.01*float64(x)
	}
	for i, x := range b {
		if !near(x) {
			continue
		}
		if x == lo && i > 0 {
			lo = b[i-1]
		}
		if x == hi && i+1 < len(b) {
			hi = b[i+1]
		}
	}
	return lo, hi
}
