package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"net"
	"strings"
	"time"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
	"github.com/hitrate/hitrate/proxy"
)

// defaultMaxClients is the default of -max-clients: some 3 MB of table.
const defaultMaxClients = 10_000

// proxyText is the help of "hitrate proxy", with the list of the events
// made from the proxy's table.
var proxyText = `proxy forwards every connection accepted on -listen to -upstream, bytes
both ways (half-close aware), and counts per protocol and per connection
the connections and these events (requests and responses when a client
speaks HTTP/1.x):

` + eventList() + `
bytes_in and bytes_out count bytes (in /metrics: hitrate_bytes_total),
the others events. It also records these latency distributions (p50,
p99 and more per 1 s, 10 s and 60 s on the stats page and in /json; in
/metrics the histogram hitrate_latency_seconds):

` + distList() + `
With -stats it serves the stats page, /json and /metrics there. With
-log-conns it logs a line (log/slog text, on stderr) per closed
connection, with its duration and final counts.

It counts each client address's connections and requests in a table of
at most -max-clients addresses (the least active are evicted when it is
full) and shows the 10 with the most requests per second on the stats
page, in /json ("clients") and with -table; /metrics has no series per
client (a cardinality trap). With -max-conn-rate N, a connection from an
address that opened more than N connections over the last second, this
one included, is closed at once and counted as rejected.

It checks that the upstream answers a dial before it starts. SIGINT or
SIGTERM stops it gracefully: it stops accepting and lets the open
connections finish, for up to -shutdown-timeout.
`

// distList returns one line per distribution of the proxy: its name and
// what it measures.
func distList() string {
	var b strings.Builder
	for _, d := range proxy.Dists() {
		fmt.Fprintf(&b, "  %s\n", d)
	}
	return b.String()
}

// eventList returns one line per event of the proxy: its name and what
// it counts.
func eventList() string {
	var b strings.Builder
	for _, ev := range proxy.Events() {
		fmt.Fprintf(&b, "  %s\n", ev)
	}
	return b.String()
}

func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("proxy", "-listen ADDR -upstream ADDR [flags]", proxyText, stderr)
	listen := fs.String("listen", "", "accept connections on `addr` (host:port); required")
	upstream := fs.String("upstream", "", "forward connections to `addr` (host:port); required")
	stats := fs.String("stats", "", "serve the stats page, /json and /metrics on `addr` (host:port)")
	protocol := fs.String("protocol", "tcp", "the protocol `name` the traffic is counted under")
	dialTimeout := fs.Duration("dial-timeout", proxy.DefaultDialTimeout, "bound on each dial to the upstream")
	logConns := fs.Bool("log-conns", false, "log one line per closed connection, with its duration and counts, on stderr")
	shutdownTimeout := fs.Duration("shutdown-timeout", 10*time.Second, "how long open connections may take to finish on SIGINT or SIGTERM")
	idleTimeout := fs.Duration("idle-timeout", defaultIdleTimeout, "close a connection with no byte either way for this long, counted as idle_closed (0: never)")
	statsIdleTimeout := fs.Duration("stats-idle-timeout", defaultStatsIdleTimeout, "close a stats page connection idle for this long (0: never)")
	maxClients := fs.Int("max-clients", defaultMaxClients, "the most client addresses the table of clients holds (1 to "+fmt.Sprint(keyed.MaxCapacity)+")")
	maxConnRate := fs.Float64("max-conn-rate", 0, "close at once, as rejected, a connection from an address with more than `N` connections per second over the last second, N >= 1 (0: no limit)")
	showTable := fs.Bool("table", false, "print the rates and the top clients once a second on stdout")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case *listen == "":
		return usageError(fs, "-listen is required")
	case *upstream == "":
		return usageError(fs, "-upstream is required")
	case *dialTimeout <= 0:
		return usageError(fs, "-dial-timeout must be > 0")
	case *shutdownTimeout < 0:
		return usageError(fs, "-shutdown-timeout must be >= 0")
	case *idleTimeout < 0:
		return usageError(fs, "-idle-timeout must be >= 0")
	case *statsIdleTimeout < 0:
		return usageError(fs, "-stats-idle-timeout must be >= 0")
	case *maxClients < 1 || *maxClients > keyed.MaxCapacity:
		return usageError(fs, "-max-clients must be from 1 to %d", keyed.MaxCapacity)
	case !(*maxConnRate >= 0) || math.IsInf(*maxConnRate, 1):
		return usageError(fs, "-max-conn-rate must be a number >= 0")
	case *maxConnRate > 0 && *maxConnRate < 1:
		return usageError(fs, "-max-conn-rate must be 0 (no limit) or >= 1: a connection counts 1 per second for its own address, so a lower limit rejects every connection")
	}
	if err := checkListenAddr(*listen); err != nil {
		return usageError(fs, "-listen: %v", err)
	}
	if *stats != "" {
		if err := checkListenAddr(*stats); err != nil {
			return usageError(fs, "-stats: %v", err)
		}
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "hitrate proxy: "+format+"\n", a...)
		return exitFail
	}
	start := time.Now()

	var opts []monitor.Option
	if *logConns {
		opts = append(opts, proxy.LogConns(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	mon, err := proxy.NewMonitor(*protocol, opts...)
	if err != nil {
		return usageError(fs, "-protocol: %v", err)
	}
	defer mon.Close()
	logger := log.New(stderr, "hitrate proxy: ", log.LstdFlags)
	clients, err := proxy.NewClients(*maxClients)
	if err != nil {
		return usageError(fs, "-max-clients: %v", err)
	}
	p, err := proxy.New(proxy.Config{
		Upstream: *upstream, Monitor: mon, DialTimeout: *dialTimeout, IdleTimeout: *idleTimeout, ErrorLog: logger,
		Clients: clients, MaxConnRate: *maxConnRate,
	})
	if err != nil {
		return usageError(fs, "-upstream: %v", err)
	}
	d := net.Dialer{Timeout: *dialTimeout}
	c, err := d.DialContext(ctx, "tcp", *upstream) // SIGINT or SIGTERM ends it
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stdout, "hitrate proxy: stopped")
			return exitOK
		}
		return fail("upstream %s is unreachable: %v", *upstream, err)
	}
	c.Close()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail("-listen: %v", err)
	}
	var ss *statsServer
	if *stats != "" {
		sln, _, err := listenFallback(*stats, false)
		if err != nil {
			ln.Close()
			return fail("-stats: %v", err)
		}
		group, err := monitor.NewGroup(mon)
		if err != nil {
			ln.Close()
			sln.Close()
			return fail("%v", err)
		}
		opts := append(pageInfo(ln.Addr().String(), *upstream, start), web.WithClients(clients, "requests"))
		ss = serveStats(sln, group, *statsIdleTimeout, opts...)
		defer ss.shutdown(5 * time.Second)
	}
	fmt.Fprintf(stdout, "hitrate proxy: %s -> %s, protocol %q\n", ln.Addr(), *upstream, *protocol)
	if ss != nil {
		fmt.Fprintf(stdout, "hitrate proxy: stats at %s\n", ss.URL())
	}

	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()
	var tick <-chan time.Time
	var tab *table
	if *showTable {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick, tab = t.C, newTable(stdout, start, clients)
	}
wait:
	for {
		select {
		case err := <-served:
			p.Close()
			return fail("%v", err)
		case now := <-tick:
			tab.draw(mon.Snapshot(monitor.Query{}), now)
		case <-ctx.Done():
			break wait
		}
	}
	fmt.Fprintf(stdout, "hitrate proxy: stopping; %s open, waiting up to %v\n", count(p.Active(), "connection"), *shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	if err := p.Shutdown(sctx); err != nil {
		fmt.Fprintf(stdout, "hitrate proxy: closed the connections left after %v\n", *shutdownTimeout)
	}
	<-served
	fmt.Fprintln(stdout, "hitrate proxy: stopped")
	return exitOK
}
