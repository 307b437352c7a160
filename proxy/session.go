package proxy

import (
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/proxy/http1"
)

// session is one client connection and its upstream connection.
type session struct {
	p      *Proxy
	client net.Conn
	addr   netip.Addr   // the client's address, for Proxy.clients
	mc     monitor.Conn // the zero Conn without a Monitor; set under mu
	reqs   http1.Queue  // pairs responses with requests

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

	// The sweeper's note of the first sweep after active's value: after
	// is the time of the first sweep after noted, valid when swept is
	// set. The sweeper finds it while that sweep is still among those it
	// keeps, and keeps it for as long as active stays at noted. Under the
	// proxy's sweepMu.
	swept        bool
	noted, after int64

	// finished is set as the session closes its monitor connection: from
	// then on Proxy.Active does not count it.
	finished atomic.Bool
}

func (s *session) run() {
	p := s.p
	defer p.remove(s)
	var name string // a connection without a remote address has no name
	if a := s.client.RemoteAddr(); a != nil {
		name = a.String()
	}
	mc := p.mon.Open(name)
	s.mu.Lock() // for expire, in the sweeper's goroutine
	s.mc = mc
	s.mu.Unlock()
	defer func() {
		s.finished.Store(true) // before the monitor counts it closed: see Active
		mc.Close()
	}()

	var dialStart time.Duration
	if p.dists != nil {
		dialStart = p.timer.Elapsed()
	}
	up, err := p.dialer.DialContext(p.ctx, "tcp", p.upstream)
	if err == nil && p.dists != nil {
		mc.Record(p.dists.of(ConnectTime), p.timer.Elapsed()-dialStart)
	}
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
		s.pipe(up, s.client, BytesOut, resps)
	}()
	s.pipe(s.client, up, BytesIn, reqs)
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
	s.count(Errors)
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
	s.count(IdleClosed)
	s.mu.Unlock()
	s.closeAll()
}

// count counts ev on the session's connection; without a Monitor it does
// nothing.
func (s *session) count(ev Event) {
	if s.p.ev != nil {
		s.mc.Log(s.p.ev.of(ev))
	}
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
func (s *session) pipe(src, dst net.Conn, ev Event, parse int) {
	t := tee{src: src, dst: dst, mc: s.mc, q: &s.reqs}
	if s.p.ev != nil {
		t.ev, t.events = s.p.ev.of(ev), s.p.ev
	}
	if s.p.dists != nil {
		t.timer, t.rt = s.p.timer, s.p.dists.of(ResponseTime)
	}
	if parse == parseRequests && s.p.clients != nil {
		t.clients, t.addr = s.p.clients, s.addr
	}
	if s.p.idle > 0 {
		t.clock, t.active = &s.p.clock, &s.active
	}
	switch parse {
	case parseRequests:
		t.countRequests()
	case parseResponses:
		t.countResponses()
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
