package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
)

// statsServer serves web.NewHandler over a Source.
type statsServer struct {
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
}

// listenFallback listens on addr; if addr is busy and fallback is set, it
// listens on a free port of the same host instead and reports so.
func listenFallback(addr string, fallback bool) (ln net.Listener, fellBack bool, err error) {
	ln, err = net.Listen("tcp", addr)
	if err == nil || !fallback || !errors.Is(err, syscall.EADDRINUSE) {
		return ln, false, err
	}
	host, _, serr := net.SplitHostPort(addr)
	if serr != nil {
		return nil, false, err
	}
	ln, err2 := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err2 != nil {
		return nil, false, err
	}
	return ln, true, nil
}

// Defaults of the idle timeouts: of the stats server's keep-alive
// connections (-stats-idle-timeout) and of the proxy's connections
// (-idle-timeout).
const (
	defaultStatsIdleTimeout = 2 * time.Minute
	defaultIdleTimeout      = 5 * time.Minute
)

// serveStats serves src's stats page, JSON and metrics on ln until
// shutdown, closing keep-alive connections idle for idle (0: never);
// opts say on the page what it watches (see pageInfo).
func serveStats(ln net.Listener, src monitor.Source, idle time.Duration, opts ...web.Option) *statsServer {
	s := &statsServer{
		ln: ln,
		srv: &http.Server{
			Handler:           web.NewHandler(src, opts...),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       idle,
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s
}

// pageInfo returns the options that put in the stats page's header the
// proxy's listen and upstream addresses, hitrate's version and the uptime
// since start.
func pageInfo(listen, upstream string, start time.Time) []web.Option {
	return []web.Option{
		web.WithInfo("listen", listen),
		web.WithInfo("upstream", upstream),
		web.WithInfo("version", version()),
		web.WithStart(start),
	}
}

// version returns the main module's version from the build information:
// a module version such as v1.2.0 for "go install ...@v1.2.0", a
// pseudo-version for a build in a checkout, or "(devel)" for go run.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// URL returns the page's URL.
func (s *statsServer) URL() string { return "http://" + s.ln.Addr().String() + "/" }

// shutdown stops the server, waiting up to d for the requests in flight.
func (s *statsServer) shutdown(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		s.srv.Close()
	}
	<-s.done
}
