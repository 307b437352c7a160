package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hitrate/hitrate/monitor"
)

// The demo's load: HTTP requests through the proxy at a changing rate,
// and two synthetic protocols counted in-process.

// wave is a rate multiplier in [1-a, 1+a]: a sine of the given period in
// seconds.
func wave(t, period, phase, a float64) float64 {
	return 1 + a*math.Sin(2*math.Pi*t/period+phase)
}

// burst is factor for the last length seconds of every period, 1 before.
func burst(t, period, length, factor float64) float64 {
	if math.Mod(t, period) >= period-length {
		return factor
	}
	return 1
}

// chance rounds x up or down at random, keeping its expectation: the
// number of events in a tick whose expected number is x.
func chance(x float64) uint64 {
	if x <= 0 {
		return 0
	}
	n := math.Floor(x)
	if rand.Float64() < x-n {
		n++
	}
	return uint64(n)
}

// bigBody backs the /big responses.
var bigBody = []byte(strings.Repeat("hitrate demo payload, ", 1<<20/22+1))[:1<<20]

// upstreamDelay is the latency the demo's upstream adds to a request at t
// seconds since it started, so that the response times on the page move:
// a 60 s cycle of 25 s fast (1 to 4 ms), 15 s slow (40 to 80 ms: the
// upstream is struggling), and 20 s bimodal (9 requests in 10 at about
// 2 ms, 1 in 10 at about 150 ms: a cache that misses). u is a uniform
// draw in [0, 1).
func upstreamDelay(t, u float64) time.Duration {
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	switch p := math.Mod(t, 60); {
	case p < 25:
		return ms(1 + 3*u)
	case p < 40:
		return ms(40 + 40*u)
	case u < 0.9:
		return ms(1.5 + u) // 1.5 to 2.4 ms
	default:
		return ms(120 + 600*(u-0.9)) // 120 to 180 ms
	}
}

// delayed serves next after waiting delay(), or not at all if the
// request is cancelled first.
func delayed(next http.Handler, delay func() time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(delay())
		defer t.Stop()
		select {
		case <-t.C:
			next.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	})
}

// upstreamHandler is the demo's upstream: /echo, /slow, /big, /error,
// each after delay() if delay is not nil.
func upstreamHandler(delay func() time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if r.Method == http.MethodPost {
			io.Copy(w, r.Body)
			return
		}
		fmt.Fprintf(w, "hello from the upstream: %s\n", r.URL.RawQuery)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		t := time.NewTimer(time.Duration(min(max(ms, 0), 10000)) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
			io.WriteString(w, "sorry for the wait\n")
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("size"))
		n = min(max(n, 0), len(bigBody))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(bigBody[:n])
	})
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "the upstream failed, on purpose", http.StatusInternalServerError)
	})
	if delay != nil {
		return delayed(mux, delay)
	}
	return mux
}

// httpRate is the target HTTP requests per second at t seconds: base on a
// 30 s sine wave, with a 3 s burst every 20 s.
func httpRate(base, t float64) float64 {
	return base * wave(t, 30, 0, 0.6) * burst(t, 20, 3, 2.5)
}

// runHTTPLoad sends requests through the proxy at addr at httpRate until
// ctx is done, from workers clients that each keep a connection alive and
// drop it now and then, or when idle.
func runHTTPLoad(ctx context.Context, wg *sync.WaitGroup, addr string, base float64, workers int) {
	tokens := make(chan struct{}, 256)
	wg.Add(1)
	go func() { // the pacer
		defer wg.Done()
		const tick = 10 * time.Millisecond
		t := time.NewTicker(tick)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				for range chance(httpRate(base, now.Sub(start).Seconds()) * tick.Seconds()) {
					select {
					case tokens <- struct{}{}:
					default: // every worker is busy: drop it
					}
				}
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			idle := time.NewTimer(time.Second)
			defer idle.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-idle.C:
					tr.CloseIdleConnections() // idle for a second: hang up
				case <-tokens:
					oneRequest(ctx, client, addr, rand.Float64())
					if rand.Float64() < 0.03 {
						tr.CloseIdleConnections()
					}
				}
				idle.Reset(time.Second)
			}
		}()
	}
}

// oneRequest sends one request of the demo's mix through the proxy: the
// draw p, in [0, 1), chooses which (an abortRequest from 0.99).
func oneRequest(ctx context.Context, client *http.Client, addr string, p float64) {
	base := "http://" + addr
	var req *http.Request
	switch {
	case p < 0.55:
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, base+"/echo?id="+strconv.Itoa(rand.IntN(1000)), nil)
	case p < 0.70:
		body := bytes.NewReader(bigBody[:1+rand.IntN(16<<10)])
		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, base+"/echo", body)
	case p < 0.80:
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, base+"/slow?ms="+strconv.Itoa(50+rand.IntN(250)), nil)
	case p < 0.87:
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, base+"/big?size="+strconv.Itoa(64<<10+rand.IntN(448<<10)), nil)
	case p < 0.94:
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, base+"/error", nil)
	case p < 0.99:
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, base+"/missing", nil)
	default:
		abortRequest(addr)
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// abortRequest starts a request and resets the connection in the middle
// of its body: an error for the proxy to count.
func abortRequest(addr string) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return
	}
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: demo\r\nContent-Length: 1000\r\n\r\nonly part of it")
	c.(*net.TCPConn).SetLinger(0) // close with a reset
	c.Close()
}

// runDNS drives the synthetic "dns" monitor until ctx is done: a few
// resolver connections that come and go, with queries on a 17 s wave and
// bursts, some answered NXDOMAIN or SERVFAIL, and timeouts during a
// periodic outage.
func runDNS(ctx context.Context, wg *sync.WaitGroup, m *monitor.Monitor) {
	var (
		evQueries  = m.MustEvent("queries")
		evNX       = m.MustEvent("nxdomain")
		evServfail = m.MustEvent("servfail")
		evTimeouts = m.MustEvent("timeouts")
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var conns []monitor.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		const tick = 50 * time.Millisecond
		t := time.NewTicker(tick)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				s := now.Sub(start).Seconds()
				want := int(6 + 4*math.Sin(2*math.Pi*s/40))
				if len(conns) > 0 && rand.Float64() < 0.03 { // a resolver goes away
					i := rand.IntN(len(conns))
					conns[i].Close()
					conns = append(conns[:i], conns[i+1:]...)
				}
				for len(conns) > want {
					conns[len(conns)-1].Close()
					conns = conns[:len(conns)-1]
				}
				for len(conns) < want {
					conns = append(conns, m.Open(fmt.Sprintf("10.0.%d.%d:%d", rand.IntN(4), 1+rand.IntN(254), 1024+rand.IntN(60000))))
				}
				timeoutP := 0.001
				if math.Mod(s, 45) >= 38 {
					timeoutP = 0.05 // an upstream resolver is down
				}
				rate := 2000 * wave(s, 17, 1, 0.5) * burst(s, 30, 3, 3)
				for i, c := range conns {
					// Resolvers are uneven: the first ones are busier.
					share := rate * tick.Seconds() * 2 * float64(len(conns)-i) / float64(len(conns)*(len(conns)+1))
					n := chance(share)
					if n == 0 {
						continue
					}
					c.Add(evQueries, n)
					c.Add(evNX, chance(float64(n)*0.06))
					c.Add(evServfail, chance(float64(n)*0.004))
					c.Add(evTimeouts, chance(float64(n)*timeoutP))
				}
			}
		}
	}()
}

// runSMTP drives the synthetic "smtp" monitor until ctx is done: sessions
// arrive on a 23 s wave with a spam wave every 25 s, each lasts a few
// seconds and sends a few messages, some rejected.
func runSMTP(ctx context.Context, wg *sync.WaitGroup, m *monitor.Monitor) {
	var (
		evMessages = m.MustEvent("messages")
		evBytes    = m.MustEvent("bytes")
		evRejected = m.MustEvent("rejected")
		evTLS      = m.MustEvent("tls_handshakes")
	)
	type session struct {
		c       monitor.Conn
		end     time.Time
		perSec  float64
		spammer bool
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		var sessions []session
		defer func() {
			for _, s := range sessions {
				s.c.Close()
			}
		}()
		const tick = 100 * time.Millisecond
		t := time.NewTicker(tick)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				s := now.Sub(start).Seconds()
				spam := burst(s, 25, 4, 5)
				for range chance(4 * wave(s, 23, 2, 0.7) * spam * tick.Seconds()) {
					c := m.Open(fmt.Sprintf("198.51.100.%d:%d", 1+rand.IntN(254), 1024+rand.IntN(60000)))
					if rand.Float64() < 0.7 {
						c.Log(evTLS)
					}
					sessions = append(sessions, session{
						c:       c,
						end:     now.Add(time.Duration(500+rand.IntN(4500)) * time.Millisecond),
						perSec:  0.5 + 2.5*rand.Float64(),
						spammer: spam > 1 && rand.Float64() < 0.7,
					})
				}
				kept := sessions[:0]
				for _, ss := range sessions {
					for range chance(ss.perSec * tick.Seconds()) {
						ss.c.Log(evMessages)
						ss.c.Add(evBytes, uint64(2<<10+rand.IntN(200<<10)))
						if ss.spammer && rand.Float64() < 0.6 || rand.Float64() < 0.05 {
							ss.c.Log(evRejected)
						}
					}
					if now.After(ss.end) {
						ss.c.Close()
						continue
					}
					kept = append(kept, ss)
				}
				sessions = kept
			}
		}
	}()
}
