package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/hitrate/hitrate/httpcount"
	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
	"github.com/hitrate/hitrate/proxy"
)

const demoText = `demo runs, in one process and on loopback only: an HTTP/1.1 upstream
(/echo, /slow, /big, /error) that counts its own traffic as "http-server"
(package httpcount) and whose latency changes on a 60 s cycle (fast, then
slow, then bimodal), the hitrate proxy in front of it counting the "http"
protocol, and a load generator whose rates change over time
(sine waves and bursts, connections opening and closing, a few resets).
Two synthetic protocols, "dns" and "smtp", are counted in-process beside
it. It serves the stats page, /json and /metrics on -stats (on a free
port if that address is busy) and prints the rates once a second.

Ctrl-C stops it, or -duration.
`

// The bounds of the demo's load: -rate (the pacer makes up to 4 times
// as many tokens a second, at its peaks) and -clients (a goroutine and a
// connection each).
const (
	maxDemoRate    = 100_000
	maxDemoClients = 1_000
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", "[flags]", demoText, stderr)
	stats := fs.String("stats", "127.0.0.1:8080", "serve the stats page on `addr` (host:port); a free port if it is busy")
	duration := fs.Duration("duration", 0, "stop after this long (0: run until Ctrl-C)")
	rate := fs.Float64("rate", 150, "mean HTTP requests per second through the proxy (it varies around it), at most "+fmt.Sprint(maxDemoRate))
	workers := fs.Int("clients", 16, "HTTP clients, each with at most one connection (1 to "+fmt.Sprint(maxDemoClients)+")")
	idleTimeout := fs.Duration("idle-timeout", defaultIdleTimeout, "the proxy closes a connection with no byte either way for this long (0: never)")
	statsIdleTimeout := fs.Duration("stats-idle-timeout", defaultStatsIdleTimeout, "close a stats page connection idle for this long (0: never)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case *duration < 0:
		return usageError(fs, "-duration must be >= 0")
	case !(*rate > 0 && *rate <= maxDemoRate):
		return usageError(fs, "-rate must be > 0 and at most %d", maxDemoRate)
	case *workers < 1 || *workers > maxDemoClients:
		return usageError(fs, "-clients must be from 1 to %d", maxDemoClients)
	case *idleTimeout < 0:
		return usageError(fs, "-idle-timeout must be >= 0")
	case *statsIdleTimeout < 0:
		return usageError(fs, "-stats-idle-timeout must be >= 0")
	}
	if err := checkListenAddr(*stats); err != nil {
		return usageError(fs, "-stats: %v", err)
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "hitrate demo: "+format+"\n", a...)
		return exitFail
	}
	start := time.Now()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}

	// The monitors, and the stats page first: its URL is the first thing
	// the demo prints.
	httpMon, err := proxy.NewMonitor("http")
	if err != nil {
		return fail("%v", err)
	}
	defer httpMon.Close()
	// The upstream's own view of the same traffic (package httpcount).
	upMon, err := httpcount.NewMonitor("http-server") // with httpcount.ResponseTime
	if err != nil {
		return fail("%v", err)
	}
	defer upMon.Close()
	dnsMon, err := monitor.New("dns", []string{"queries", "nxdomain", "servfail", "timeouts"})
	if err != nil {
		return fail("%v", err)
	}
	defer dnsMon.Close()
	smtpMon, err := monitor.New("smtp", []string{"messages", "bytes", "rejected", "tls_handshakes"},
		monitor.WithUnit(monitor.Bytes, "bytes"))
	if err != nil {
		return fail("%v", err)
	}
	defer smtpMon.Close()
	group, err := monitor.NewGroup(httpMon, upMon, dnsMon, smtpMon)
	if err != nil {
		return fail("%v", err)
	}
	// The upstream's and the proxy's listeners, for the page to name.
	uln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail("upstream: %v", err)
	}
	defer uln.Close() // Serve closes it too; this is for an early return
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail("proxy: %v", err)
	}
	defer pln.Close()
	sln, fellBack, err := listenFallback(*stats, true)
	if err != nil {
		return fail("-stats: %v", err)
	}
	clients, err := proxy.NewClients(defaultMaxClients)
	if err != nil {
		return fail("%v", err)
	}
	opts := append(pageInfo(pln.Addr().String(), uln.Addr().String(), start), web.WithClients(clients, "requests"))
	ss := serveStats(sln, group, *statsIdleTimeout, opts...)
	defer ss.shutdown(2 * time.Second)
	fmt.Fprintf(stdout, "hitrate demo: stats page at %s\n", ss.URL())
	if fellBack {
		fmt.Fprintf(stdout, "hitrate demo: (%s is busy: serving on a free port instead)\n", *stats)
	}

	// The upstream, counted as http-server, and the proxy.
	began := time.Now()
	delay := func() time.Duration { return upstreamDelay(time.Since(began).Seconds(), rand.Float64()) }
	srv, err := startDemoServers(uln, pln, upMon, httpMon, clients, delay, *idleTimeout)
	if err != nil {
		return fail("%v", err)
	}
	defer srv.stop(2 * time.Second)
	stop := "Ctrl-C stops it"
	if *duration > 0 {
		stop = fmt.Sprintf("stopping in %v, or Ctrl-C", *duration)
	}
	fmt.Fprintf(stdout, "hitrate demo: upstream http://%s, proxy http://%s; %s\n", uln.Addr(), pln.Addr(), stop)

	// The load, until ctx is done.
	var wg sync.WaitGroup
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer func() {
		stopLoad()
		wg.Wait()
	}()
	runHTTPLoad(loadCtx, &wg, pln.Addr().String(), *rate, *workers)
	runDNS(loadCtx, &wg, dnsMon)
	runSMTP(loadCtx, &wg, smtpMon)

	tab := newTable(stdout, start, clients)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout, "hitrate demo: stopping")
			return exitOK // the deferred calls stop everything, in order
		case now := <-tick.C:
			tab.draw(group.Snapshot(monitor.Query{}), now)
		}
	}
}

// demoServers is the demo's upstream, an http.Server counted on its own
// monitor by httpcount, and the proxy in front of it, counted on another.
type demoServers struct {
	upstream       *http.Server
	proxy          *proxy.Proxy
	upDone, pxDone chan struct{}
}

// serverTime is the distribution of the demo upstream's own response
// times, on its http-server monitor (httpcount.NewMonitor declares it):
// the handler's time, which the proxy's response_time adds the network
// and the proxy to.
const serverTime = httpcount.ResponseTime

// startDemoServers serves the demo's upstream on uln, counted on upMon
// (made by httpcount.NewMonitor: the handler's times go to its
// distribution serverTime), each request after delay() if delay is not
// nil, and the proxy to it on pln, counted on httpMon (made by
// proxy.NewMonitor), with its clients table (nil for none), until stop.
func startDemoServers(uln, pln net.Listener, upMon, httpMon *monitor.Monitor, clients *keyed.Table[netip.Addr], delay func() time.Duration, idle time.Duration) (*demoServers, error) {
	upstream := &http.Server{Handler: upstreamHandler(delay), ReadHeaderTimeout: 10 * time.Second}
	cln, err := httpcount.Instrument(upstream, uln, upMon)
	if err != nil {
		return nil, err
	}
	px, err := proxy.New(proxy.Config{Upstream: uln.Addr().String(), Monitor: httpMon, Clients: clients, IdleTimeout: idle})
	if err != nil {
		return nil, err
	}
	d := &demoServers{upstream: upstream, proxy: px, upDone: make(chan struct{}), pxDone: make(chan struct{})}
	go func() {
		defer close(d.upDone)
		upstream.Serve(cln)
	}()
	go func() {
		defer close(d.pxDone)
		px.Serve(pln)
	}()
	return d, nil
}

// stop shuts the proxy down, then the upstream, giving each up to
// timeout for the connections open to end by themselves.
func (d *demoServers) stop(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	d.proxy.Shutdown(ctx)
	cancel()
	<-d.pxDone
	ctx, cancel = context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if d.upstream.Shutdown(ctx) != nil {
		d.upstream.Close()
	}
	<-d.upDone
}
