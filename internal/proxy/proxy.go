// Package proxy is a TCP proxy that counts its traffic with a
// monitor.Monitor: the demo, the overhead measurement and the "hitrate
// proxy" command all run it.
//
// A Proxy forwards every accepted connection to one upstream address,
// bytes both ways, half-close aware: when one side ends its stream, the
// proxy closes the write side of the other and keeps forwarding the
// opposite direction until it ends too.
//
// With a Monitor (see NewMonitor for the events it needs), each client
// connection is opened on the Monitor under its remote address and
// counts:
//
//	bytes_in   bytes read from the client (forwarded to the upstream)
//	bytes_out  bytes read from the upstream (forwarded to the client)
//	requests   HTTP/1.x requests the client sent
//	errors     failed dials, resets and other read or write errors
//	responses_1xx ... responses_5xx
//	           HTTP/1.x responses the upstream sent, by status class
//	           (interim 1xx responses count too), as HAProxy's hrsp_1xx
//	           ... hrsp_5xx
//
// Requests are found by parsing the client's stream as it is forwarded:
// the bytes go to the upstream as soon as they are read, and the parser
// reads them after, so parsing never delays forwarding. A stream whose
// first line is not an HTTP/1.x request line, or that stops parsing as
// HTTP/1.x (or switches protocol, with CONNECT or Upgrade), is forwarded
// uncounted from there on.
//
// Responses are found the same way in the upstream's stream, each final
// response paired with its request, in order (pipelining included), to
// know whether it has a body (not after a HEAD). A stream that is not
// HTTP/1.x responses, a protocol switch (101, a 2xx to a CONNECT), a body
// delimited by the end of the stream, or a response that cannot be paired
// with a request (more than 64 pipelined requests ahead, or a response
// that its request parser has not seen within 100 ms) stops the counting
// of responses on the connection: the rest is forwarded uncounted, never
// miscounted.
//
// A connection counts at most one error: the first one ends it, and the
// errors its closing causes on the other side are not counted again.
//
// With Config.IdleTimeout, a connection that moves no byte either way for
// that long is closed (both sides), and counted as idle_closed, not as an
// error: an abandoned keep-alive connection is the ordinary fate of a
// client that went away, and the proxy reclaiming it is policy, not a
// fault. One goroutine per Proxy sweeps the connections every tenth of
// the timeout (at most every second); forwarding only notes, per read,
// the sweeper's last tick, so there is no timer or deadline per read.
//
// Without a Monitor the proxy runs the same forwarding loop and counts
// nothing (nor parses anything), which is the baseline that "hitrate
// overhead" measures the monitoring against.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hitrate/hitrate/monitor"
)

// The names of the events a monitored Proxy counts.
const (
	EventRequests = "requests"  // HTTP/1.x requests from clients
	EventBytesIn  = "bytes_in"  // bytes read from clients
	EventBytesOut = "bytes_out" // bytes read from the upstream
	EventErrors   = "errors"    // failed dials, resets, read and write errors

	EventResponses1xx = "responses_1xx" // HTTP/1.x responses from the upstream with a 1xx status
	EventResponses2xx = "responses_2xx" // ... 2xx
	EventResponses3xx = "responses_3xx" // ... 3xx
	EventResponses4xx = "responses_4xx" // ... 4xx
	EventResponses5xx = "responses_5xx" // ... 5xx

	EventIdleClosed = "idle_closed" // connections closed by Config.IdleTimeout
)

// DefaultDialTimeout bounds a dial to the upstream when Config.DialTimeout
// is 0.
const DefaultDialTimeout = 5 * time.Second

// ErrClosed is returned by Serve after Shutdown or Close.
var ErrClosed = errors.New("proxy: closed")

// Events returns the names of the events a monitored Proxy counts, in the
// order NewMonitor declares them.
func Events() []string {
	return []string{EventRequests, EventBytesIn, EventBytesOut, EventErrors,
		EventResponses1xx, EventResponses2xx, EventResponses3xx, EventResponses4xx, EventResponses5xx,
		EventIdleClosed}
}

// NewMonitor returns a Monitor named protocol with the events of Events,
// ready for Config.Monitor: bytes_in and bytes_out have the unit
// monitor.Bytes (so opts must not give them one), the others count events.
func NewMonitor(protocol string, opts ...monitor.Option) (*monitor.Monitor, error) {
	opts = append([]monitor.Option{monitor.WithUnit(monitor.Bytes, EventBytesIn, EventBytesOut)}, opts...)
	return monitor.New(protocol, Events(), opts...)
}

// Config configures a Proxy made by New.
type Config struct {
	// Upstream is the "host:port" every connection is forwarded to.
	Upstream string
	// Monitor counts the traffic; it must have the events of Events (it
	// may have more). A nil Monitor counts nothing, with otherwise the
	// same forwarding code.
	Monitor *monitor.Monitor
	// DialTimeout bounds each dial to Upstream; 0 means
	// DefaultDialTimeout.
	DialTimeout time.Duration
	// IdleTimeout, when not 0, closes a connection that has read no byte
	// from either side for that long (counted as idle_closed): between
	// IdleTimeout and IdleTimeout + min(IdleTimeout/5, 2s) after its last
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
}

// Proxy forwards TCP connections to an upstream. Make it with New, run it
// with Serve, stop it with Shutdown or Close.
type Proxy struct {
	upstream string
	mon      *monitor.Monitor
	dialer   net.Dialer
	errorLog *log.Logger
	dialLog  *logLimiter // failed dials to errorLog; nil without it

	evRequests, evIn, evOut, evErrors monitor.Event
	evResponses                       [5]monitor.Event // by status class: 1xx ... 5xx
	evIdle                            monitor.Event

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
// a "host:port" or cfg.Monitor lacks one of the events of Events.
func New(cfg Config) (*Proxy, error) {
	if _, _, err := net.SplitHostPort(cfg.Upstream); err != nil {
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
	p := &Proxy{
		upstream:  cfg.Upstream,
		mon:       cfg.Monitor,
		dialer:    net.Dialer{Timeout: cfg.DialTimeout},
		errorLog:  cfg.ErrorLog,
		listeners: make(map[net.Listener]struct{}),
		sessions:  make(map[*session]struct{}),
		drained:   make(chan struct{}),
		idle:      cfg.IdleTimeout,
		tick:      min(max(cfg.IdleTimeout/10, time.Millisecond), time.Second),
	}
	start := time.Now()
	p.elapsed = func() time.Duration { return time.Since(start) }
	if cfg.ErrorLog != nil {
		p.dialLog = newLogLimiter(time.Second, func(line string) { cfg.ErrorLog.Print(line) })
	}
	if p.mon != nil {
		for _, e := range []struct {
			ev   *monitor.Event
			name string
		}{
			{&p.evRequests, EventRequests},
			{&p.evIn, EventBytesIn},
			{&p.evOut, EventBytesOut},
			{&p.evErrors, EventErrors},
			{&p.evResponses[0], EventResponses1xx},
			{&p.evResponses[1], EventResponses2xx},
			{&p.evResponses[2], EventResponses3xx},
			{&p.evResponses[3], EventResponses4xx},
			{&p.evResponses[4], EventResponses5xx},
			{&p.evIdle, EventIdleClosed},
		} {
			ev, err := p.mon.Event(e.name)
			if err != nil {
				return nil, fmt.Errorf("proxy: %w", err)
			}
			*e.ev = ev
		}
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// Upstream returns the address the proxy forwards to.
func (p *Proxy) Upstream() string { return p.upstream }

// Serve accepts connections on ln and forwards each to the upstream in
// its own goroutines, until ln fails or the proxy is shut down; it closes
// ln before returning. After Shutdown or Close it returns ErrClosed.
// Serve may be called on several listeners at once.
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
			if errors.Is(err, net.ErrClosed) {
				return err
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
		s := &session{p: p, client: c}
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

// sweeper closes the idle sessions every tick, until the proxy is closed
// and drained.
func (p *Proxy) sweeper() {
	t := time.NewTicker(p.tick)
	defer t.Stop()
	for {
		select {
		case <-p.drained:
			return
		case <-t.C:
			p.sweep()
		}
	}
}

// maxSweeps is how many sweep times the sweeper keeps: enough to span
// the timeout and two ticks (12 ticks), with room for irregular ticks.
const maxSweeps = 16

// sweep advances the clock and closes the sessions with no byte read
// since the timeout.
//
// A read notes the clock, the time of the last sweep: it happened after
// that sweep and before the next one (which it would otherwise have seen).
// So a session is closed once the timeout has passed since the sweep that
// followed the clock its last read noted: never before the timeout, even
// when sweeps come late, and with sweeps a tick apart, at most two ticks
// after it. It takes the sweep's time from the sweeps kept; for a
// session idle longer than they span, the oldest kept, which is later:
// the close can only come later, not sooner. It costs a pass over the
// open sessions per tick.
func (p *Proxy) sweep() {
	p.sweepMu.Lock()
	defer p.sweepMu.Unlock()
	now := int64(p.elapsed())
	p.clock.Store(now)
	if n := len(p.sweeps); n == 0 || p.sweeps[n-1] != now {
		if n == maxSweeps {
			copy(p.sweeps, p.sweeps[1:])
			p.sweeps = p.sweeps[:n-1]
		}
		p.sweeps = append(p.sweeps, now)
	}
	var idle []*session
	p.mu.Lock()
	for s := range p.sessions {
		if now-p.sweepAfter(s.active.Load()) >= int64(p.idle) {
			idle = append(idle, s)
		}
	}
	p.mu.Unlock()
	for _, s := range idle {
		s.expire()
	}
}

// sweepAfter returns the time of the first sweep kept after t, or
// math.MaxInt64 if there is none. p.sweepMu must be held.
func (p *Proxy) sweepAfter(t int64) int64 {
	for _, s := range p.sweeps {
		if s > t {
			return s
		}
	}
	return math.MaxInt64
}

// Active returns the number of client connections being served.
func (p *Proxy) Active() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sessions)
}

func (p *Proxy) logf(format string, args ...any) {
	if p.errorLog != nil {
		p.errorLog.Printf(format, args...)
	}
}

// session is one client connection and its upstream connection.
type session struct {
	p      *Proxy
	client net.Conn
	mc     monitor.Conn // the zero Conn without a Monitor; set under mu
	reqs   pending      // pairs responses with requests

	mu     sync.Mutex
	up     net.Conn
	killed bool

	// ended is set by the first error, which is counted, by kill and
	// expire, and at the end: the errors that closing the connections
	// causes are not counted.
	ended atomic.Bool

	// active is the proxy's clock at the last read of a byte (or at the
	// accept), for the idle timeout.
	active atomic.Int64
}

func (s *session) run() {
	p := s.p
	defer p.remove(s)
	mc := p.mon.Open(s.client.RemoteAddr().String())
	s.mu.Lock() // for expire, in the sweeper's goroutine
	s.mc = mc
	s.mu.Unlock()
	defer mc.Close()

	up, err := p.dialer.DialContext(p.ctx, "tcp", p.upstream)
	if err != nil {
		if p.ctx.Err() != nil {
			s.kill() // Close aborted the dial: not an error
			return
		}
		if s.fail() && p.dialLog != nil {
			p.dialLog.print(err.Error())
		}
		return
	}
	s.mu.Lock()
	if s.killed {
		s.mu.Unlock()
		up.Close()
		return
	}
	s.up = up
	s.mu.Unlock()

	reqs, resps := parseNone, parseNone
	if p.mon != nil {
		reqs, resps = parseRequests, parseResponses
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.pipe(up, s.client, p.evOut, resps)
	}()
	s.pipe(s.client, up, p.evIn, reqs)
	<-done
	s.ended.Store(true)
	s.client.Close()
	up.Close()
}

// fail counts an error and closes both connections, unless the session
// has already ended; it reports whether it did.
func (s *session) fail() bool {
	if !s.ended.CompareAndSwap(false, true) {
		return false
	}
	s.mc.Log(s.p.evErrors)
	s.closeAll()
	return true
}

// kill closes both connections without counting an error.
func (s *session) kill() {
	s.ended.Store(true)
	s.mu.Lock()
	s.killed = true
	s.mu.Unlock()
	s.closeAll()
}

// expire closes both connections of an idle session, counting it as
// idle_closed unless it has already ended.
func (s *session) expire() {
	if !s.ended.CompareAndSwap(false, true) {
		return
	}
	s.mu.Lock()
	s.killed = true
	s.mc.Log(s.p.evIdle)
	s.mu.Unlock()
	s.closeAll()
}

func (s *session) closeAll() {
	s.client.Close()
	s.mu.Lock()
	up := s.up
	s.mu.Unlock()
	if up != nil {
		up.Close()
	}
}

// What pipe parses.
const (
	parseNone = iota
	parseRequests
	parseResponses
)

// pipe forwards src to dst, counting the bytes as ev, and counting HTTP
// requests or responses as parse says, until src ends. At a clean end it
// closes the write side of dst; on an error, the whole session.
func (s *session) pipe(src, dst net.Conn, ev monitor.Event, parse int) {
	t := tee{src: src, dst: dst, mc: s.mc, ev: ev, q: &s.reqs}
	if s.p.idle > 0 {
		t.clock, t.active = &s.p.clock, &s.active
	}
	switch parse {
	case parseRequests:
		t.countRequests(s.p.evRequests)
	case parseResponses:
		t.countResponses(&s.p.evResponses)
	default:
		t.drain()
	}
	if t.err == io.EOF {
		closeWrite(dst)
		return
	}
	s.fail()
}

// closeWrite half-closes c, or closes it if it cannot be half-closed.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	c.Close()
}

// bufSize is the size of the forwarding buffers, one per direction.
const bufSize = 32 << 10

var bufPool = sync.Pool{New: func() any { return new([bufSize]byte) }}

// tee is one direction of a session: each Read reads from src, counts the
// bytes and writes them to dst before returning them, so whatever reads a
// tee (a parser) reads what is already forwarded.
type tee struct {
	src io.Reader
	dst io.Writer
	mc  monitor.Conn
	ev  monitor.Event
	q   *pending // the session's requests, for the response parser; may be nil
	// With an idle timeout, each read that returns bytes raises active to
	// clock (if it changed: the two directions share active).
	clock, active *atomic.Int64
	// err is the first read or write error, io.EOF at a clean end of src.
	// Once it is set, Read returns it without reading.
	err error
}

// Read implements io.Reader.
func (t *tee) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.src.Read(p)
	if n > 0 {
		if t.active != nil {
			// Raise active to the clock; never lower it (the other
			// direction may have stored a newer clock meanwhile).
			now := t.clock.Load()
			for old := t.active.Load(); old < now && !t.active.CompareAndSwap(old, now); old = t.active.Load() {
			}
		}
		t.mc.Add(t.ev, uint64(n))
		if _, werr := t.dst.Write(p[:n]); werr != nil {
			t.err = werr
			return n, werr
		}
	}
	if err != nil {
		t.err = err
	}
	return n, err
}

// drain forwards until src ends or an error, left in t.err.
func (t *tee) drain() {
	buf := bufPool.Get().(*[bufSize]byte)
	defer bufPool.Put(buf)
	for t.err == nil {
		t.Read(buf[:])
	}
}
