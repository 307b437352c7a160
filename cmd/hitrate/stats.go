package main

import (
	"context"
	"errors"
	"net"
	"net/http"
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
// shutdown, closing keep-alive connections idle for idle (0: never).
func serveStats(ln net.Listener, src monitor.Source, idle time.Duration) *statsServer {
	s := &statsServer{
		ln: ln,
		srv: &http.Server{
			Handler:           web.NewHandler(src),
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
