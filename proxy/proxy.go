package proxy

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// DefaultDialTimeout bounds a dial to the upstream when Config.DialTimeout
// is 0.
const DefaultDialTimeout = 5 * time.Second

// ErrClosed is returned by Serve after Shutdown or Close.
var ErrClosed = errors.New("proxy: closed")

// Config configures a Proxy made by New.
type Config struct {
	// Upstream is the "host:port" every connection is forwarded to.
	Upstream string
	// Monitor counts the traffic; it must have the events of Events (it
	// may have more). If it also has the distributions of Dists (as
	// NewMonitor makes it), the proxy records response and connect times
	// into them; otherwise it reads no clock to time anything. A nil
	// Monitor counts nothing, with otherwise the same forwarding code.
	Monitor *monitor.Monitor
	// Clock is what the proxy times requests and dials with (its
	// Elapsed): nil means ring.Default(). Pass a ring.ManualClock's Clock
	// in tests (and give it to the Monitor too, with monitor.WithClock).
	Clock *ring.Clock
	// DialTimeout bounds each dial to Upstream; 0 means
	// DefaultDialTimeout.
	DialTimeout time.Duration
	// IdleTimeout, when not 0, closes a connection that has read no byte
	// from either side for that long (counted as idle_closed): between
	// IdleTimeout and IdleTimeout + min(max(IdleTimeout/5, 2ms), 2s) after its last
	// byte (later if the sweeper runs late, never sooner). 0 means no
	// idle timeout.
	IdleTimeout time.Duration
	// ErrorLog, when not nil, logs failed dials and accept errors. They
	// are counted either way. The lines carry no prefix of their own (give
	// the logger one). Failed dials are logged at most once a second: a
	// line says how many more failed since the last one, as in
	// "dial tcp 127.0.0.1:1: connect: connection refused (and 41 more in
	// the last 1s)".
	ErrorLog *log.Logger
	// Clients, when not nil, counts the connections and requests of each
	// client address (its ClientEvents; requests only with a Monitor,
	// which parses them); make it with NewClients. Its size bounds the
	// memory it takes. Read it for the top talkers
	// (Table.Top) or a client's rates.
	Clients *keyed.Table[netip.Addr]
	// MaxConnRate, when above 0, closes at once each connection from an
	// address whose connections per second over the last second, this one
	// included, are above it (by Clients' Rate), and counts it as
	// rejected, as HAProxy's "tcp-request connection reject if {
	// sc_conn_rate(0) gt N }" does. It needs Clients. 0 means no limit;
	// a limit must be at least 1 (a connection's own address has a rate of
	// at least 1 with it).
	MaxConnRate float64
}

// Proxy forwards TCP connections to an upstream. Make it with New, run it
// with Serve, stop it with Shutdown or Close.
type Proxy struct {
	upstream string
	mon      *monitor.Monitor
	dialer   net.Dialer
	errorLog *log.Logger
	dialLog  *logLimiter // failed dials to errorLog; nil without it

	ev    bindings     // the events on mon; nil without it
	dists distBindings // the distributions on mon; nil without them
	timer *ring.Clock  // times them

	clients     *keyed.Table[netip.Addr] // nil without Config.Clients
	maxConnRate float64

	// The idle timeout: the sweeper sweeps every tick, storing elapsed()
	// in clock; reads store clock in their session's active.
	idle, tick  time.Duration
	elapsed     func() time.Duration // since New; a variable for tests
	clock       atomic.Int64         // elapsed() at the last sweep
	sweeperOnce sync.Once
	sweepMu     sync.Mutex
	sweeps      []int64 // the times of the last sweeps, oldest first; under sweepMu

	ctx    context.Context // cancelled by Close: aborts pending dials
	cancel context.CancelFunc

	mu        sync.Mutex
	closing   bool
	listeners map[net.Listener]struct{}
	sessions  map[*session]struct{}
	drained   chan struct{} // closed once closing and no session is left
	drainOnce sync.Once
}

// New returns a Proxy configured by cfg. It fails if cfg.Upstream is not
// a "host:port" whose port is a number from 1 to 65535 or a service name
// (the host is not looked up), cfg.Monitor lacks one of the events of Events, a timeout
// is negative, cfg.MaxConnRate is negative, not finite, above 0 and
// below 1, or above 0 without cfg.Clients, or cfg.Clients was not made by
// NewClients.
func New(cfg Config) (*Proxy, error) {
	if err := checkUpstream(cfg.Upstream); err != nil {
		return nil, fmt.Errorf("proxy: upstream %q: %w", cfg.Upstream, err)
	}
	if cfg.DialTimeout < 0 {
		return nil, fmt.Errorf("proxy: negative dial timeout %v", cfg.DialTimeout)
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.IdleTimeout < 0 {
		return nil, fmt.Errorf("proxy: negative idle timeout %v", cfg.IdleTimeout)
	}
	if !(cfg.MaxConnRate >= 0) || math.IsInf(cfg.MaxConnRate, 1) {
		return nil, fmt.Errorf("proxy: max connection rate %v is not a finite number >= 0", cfg.MaxConnRate)
	}
	if cfg.MaxConnRate > 0 && cfg.MaxConnRate < 1 {
		// The connection itself counts 1 per second over the last second.
		return nil, fmt.Errorf("proxy: max connection rate %v is below 1: every connection would be rejected", cfg.MaxConnRate)
	}
	if cfg.MaxConnRate > 0 && cfg.Clients == nil {
		return nil, errors.New("proxy: a max connection rate needs a clients table (Config.Clients)")
	}
	if cfg.Clients != nil {
		if err := checkClients(cfg.Clients); err != nil {
			return nil, err
		}
	}
	p := &Proxy{
		upstream:    cfg.Upstream,
		mon:         cfg.Monitor,
		dialer:      net.Dialer{Timeout: cfg.DialTimeout},
		errorLog:    cfg.ErrorLog,
		listeners:   make(map[net.Listener]struct{}),
		sessions:    make(map[*session]struct{}),
		drained:     make(chan struct{}),
		idle:        cfg.IdleTimeout,
		clients:     cfg.Clients,
		maxConnRate: cfg.MaxConnRate,
		tick:        min(max(cfg.IdleTimeout/10, time.Millisecond), time.Second),
	}
	start := time.Now()
	p.elapsed = func() time.Duration { return time.Since(start) }
	if cfg.ErrorLog != nil {
		p.dialLog = newLogLimiter(time.Second, func(line string) { cfg.ErrorLog.Print(line) })
	}
	if p.mon != nil {
		ev, err := bind(p.mon)
		if err != nil {
			return nil, err
		}
		p.ev = ev
		p.dists = bindDists(p.mon)
	}
	p.timer = cfg.Clock
	if p.timer == nil {
		p.timer = ring.Default()
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// Upstream returns the address the proxy forwards to.
func (p *Proxy) Upstream() string { return p.upstream }

// Serve accepts connections on ln and forwards each to the upstream in
// its own goroutines, until ln fails or the proxy is shut down; it closes
// ln before returning. After Shutdown or Close it returns ErrClosed. An
// Accept error that says it is temporary (out of file descriptors, a
// connection aborted before it was accepted) is logged and retried after
// a pause of 5 ms, doubled up to 1 s, as net/http does; any other ends
// Serve, which returns it. Serve may be called on several listeners at
// once.
func (p *Proxy) Serve(ln net.Listener) error {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		ln.Close()
		return ErrClosed
	}
	p.listeners[ln] = struct{}{}
	p.mu.Unlock()
	if p.idle > 0 {
		p.sweeperOnce.Do(func() {
			p.sweep() // starts the clock
			go p.sweeper()
		})
	}
	defer func() {
		p.mu.Lock()
		delete(p.listeners, ln)
		p.mu.Unlock()
		ln.Close()
	}()

	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			p.mu.Lock()
			closing := p.closing
			p.mu.Unlock()
			if closing {
				return ErrClosed
			}
			if !temporary(err) {
				return err // net.ErrClosed, or a listener that failed for good
			}
			// Out of file descriptors, a connection aborted before it
			// was accepted...: wait a little and go on, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			p.logf("accept: %v; retrying in %v", err, backoff)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-p.ctx.Done():
				t.Stop()
			}
			continue
		}
		backoff = 0
		addr := clientAddr(c)
		if !p.admit(addr) {
			c.Close()
			continue
		}
		s := &session{p: p, client: c, addr: addr}
		s.active.Store(p.clock.Load())
		p.mu.Lock()
		if p.closing {
			p.mu.Unlock()
			c.Close()
			return ErrClosed
		}
		p.sessions[s] = struct{}{}
		p.mu.Unlock()
		go s.run()
	}
}

// Shutdown stops the proxy gracefully: it closes the listeners, so that
// no new connection is accepted, and waits for the open connections to
// end by themselves. If ctx ends first, it closes them (as Close does)
// and returns ctx's error; otherwise it returns nil.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.stopAccepting()
	select {
	case <-p.drained: // already: a ctx that is done too does not count
		p.flushLog()
		return nil
	default:
	}
	select {
	case <-p.drained:
		p.flushLog()
		return nil
	case <-ctx.Done():
		p.Close()
		return ctx.Err()
	}
}

// Close stops the proxy at once: it closes the listeners and every open
// connection, aborts pending dials, and waits for the connections'
// goroutines to return. Closing connections this way counts no error.
func (p *Proxy) Close() error {
	p.stopAccepting()
	p.cancel()
	p.mu.Lock()
	ss := make([]*session, 0, len(p.sessions))
	for s := range p.sessions {
		ss = append(ss, s)
	}
	p.mu.Unlock()
	for _, s := range ss {
		s.kill()
	}
	<-p.drained
	p.flushLog()
	return nil
}

// flushLog logs the failed dials held back by the rate limit.
func (p *Proxy) flushLog() {
	if p.dialLog != nil {
		p.dialLog.flush()
	}
}

// stopAccepting marks the proxy closing and closes its listeners.
func (p *Proxy) stopAccepting() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closing = true
	for ln := range p.listeners {
		ln.Close()
	}
	p.checkDrained()
}

// remove forgets a session that has ended.
func (p *Proxy) remove(s *session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.sessions, s)
	p.checkDrained()
}

// checkDrained closes p.drained once the proxy is closing and no session
// is left. p.mu must be held.
func (p *Proxy) checkDrained() {
	if p.closing && len(p.sessions) == 0 {
		p.drainOnce.Do(func() { close(p.drained) })
	}
}

// Active returns the number of client connections being served: accepted,
// and not yet closed on the monitor. (A connection's goroutine leaves the
// proxy a moment after closing it on the monitor, so that Active never
// counts a connection that the monitor's snapshot no longer shows open;
// Shutdown waits for the goroutines.)
func (p *Proxy) Active() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for s := range p.sessions {
		if !s.finished.Load() {
			n++
		}
	}
	return n
}

func (p *Proxy) logf(format string, args ...any) {
	if p.errorLog != nil {
		p.errorLog.Printf(format, args...)
	}
}

// temporary reports whether an Accept error says that it is temporary
// (the Temporary method of the net package's errors, which net/http
// retries too).
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// checkUpstream returns an error if addr is not a host:port whose port is
// a number from 1 to 65535 or a service name: every dial to it would fail.
func checkUpstream(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	n, err := net.LookupPort("tcp", port)
	if err != nil {
		return err
	}
	if n == 0 {
		return errors.New("port 0: there is no port 0 to connect to")
	}
	return nil
}
