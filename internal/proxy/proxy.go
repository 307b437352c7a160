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
//
// Requests are found by parsing the client's stream as it is forwarded:
// the bytes go to the upstream as soon as they are read, and the parser
// reads them after, so parsing never delays forwarding. A stream whose
// first line is not an HTTP/1.x request line, or that stops parsing as
// HTTP/1.x (or switches protocol, with CONNECT or Upgrade), is forwarded
// uncounted from there on. A connection counts at most one error: the
// first one ends it, and the errors its closing causes on the other side
// are not counted again.
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
)

// DefaultDialTimeout bounds a dial to the upstream when Config.DialTimeout
// is 0.
const DefaultDialTimeout = 5 * time.Second

// ErrClosed is returned by Serve after Shutdown or Close.
var ErrClosed = errors.New("proxy: closed")

// Events returns the names of the events a monitored Proxy counts, in the
// order NewMonitor declares them.
func Events() []string {
	return []string{EventRequests, EventBytesIn, EventBytesOut, EventErrors}
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
	// ErrorLog, when not nil, logs failed dials and accept errors. They
	// are counted either way.
	ErrorLog *log.Logger
}

// Proxy forwards TCP connections to an upstream. Make it with New, run it
// with Serve, stop it with Shutdown or Close.
type Proxy struct {
	upstream string
	mon      *monitor.Monitor
	dialer   net.Dialer
	errorLog *log.Logger

	evRequests, evIn, evOut, evErrors monitor.Event

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
	p := &Proxy{
		upstream:  cfg.Upstream,
		mon:       cfg.Monitor,
		dialer:    net.Dialer{Timeout: cfg.DialTimeout},
		errorLog:  cfg.ErrorLog,
		listeners: make(map[net.Listener]struct{}),
		sessions:  make(map[*session]struct{}),
		drained:   make(chan struct{}),
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
			p.logf("proxy: accept: %v; retrying in %v", err, backoff)
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
	return nil
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
	mc     monitor.Conn // the zero Conn without a Monitor

	mu     sync.Mutex
	up     net.Conn
	killed bool

	// ended is set by the first error, which is counted, and by kill:
	// the errors that closing the connections causes are not counted.
	ended atomic.Bool
}

func (s *session) run() {
	p := s.p
	defer p.remove(s)
	s.mc = p.mon.Open(s.client.RemoteAddr().String())
	defer s.mc.Close()

	up, err := p.dialer.DialContext(p.ctx, "tcp", p.upstream)
	if err != nil {
		if p.ctx.Err() != nil {
			s.kill() // Close aborted the dial: not an error
			return
		}
		if s.fail() {
			p.logf("proxy: %v", err)
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

	done := make(chan struct{})
	go func() {
		defer close(done)
		s.pipe(up, s.client, p.evOut, false)
	}()
	s.pipe(s.client, up, p.evIn, p.mon != nil)
	<-done
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

func (s *session) closeAll() {
	s.client.Close()
	s.mu.Lock()
	up := s.up
	s.mu.Unlock()
	if up != nil {
		up.Close()
	}
}

// pipe forwards src to dst, counting the bytes as ev, and counting HTTP
// requests if parse is set, until src ends. At a clean end it closes the
// write side of dst; on an error, the whole session.
func (s *session) pipe(src, dst net.Conn, ev monitor.Event, parse bool) {
	t := tee{src: src, dst: dst, mc: s.mc, ev: ev}
	if parse {
		t.countRequests(s.p.evRequests)
	} else {
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
