package proxy

import (
	"bufio"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hitrate/hitrate/internal/peak"
	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/proxy/http1"
	"github.com/hitrate/hitrate/ring"
)

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bufSize) }}

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
	ev  monitor.Event // the bytes read
	// events holds the handles of the requests and responses, which the
	// parsers count through Request and Response; nil without a Monitor.
	events bindings
	q      *http1.Queue // the session's requests, for the response parser; may be nil
	// timer, when not nil, times each request's response (see observer)
	// into rt.
	timer *ring.Clock
	rt    monitor.Dist
	// clients, when not nil, counts the requests of the client addr.
	clients *keyed.Table[netip.Addr]
	addr    netip.Addr
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
			peak.Raise(t.active, t.clock.Load())
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

// countRequests forwards the client's stream, counting the HTTP/1.x
// requests in it (http1.ScanRequests, which calls t.Request), until the stream ends or fails (t.err). When the
// stream is not HTTP/1.x, it forwards the rest uncounted.
//
// The parser reads through t, which forwards every byte before the parser
// sees it: the parser never holds bytes back. It allocates nothing: it
// finds request boundaries (the request line, the header block, and a
// Content-Length or chunked body) without building requests.
func (t *tee) countRequests() {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(t)
	err := http1.ScanRequests(br, t.observer(), t.q)
	t.q.Close()
	br.Reset(nil)
	readerPool.Put(br)
	if t.err == nil && err != nil {
		// Not HTTP: what br holds is already forwarded; forward the rest.
		t.drain()
	}
}

// countResponses forwards the upstream's stream, counting the HTTP/1.x
// responses in it by status class (http1.ScanResponses, which calls
// t.Response), until the stream ends or fails (t.err). Where it cannot follow
// the stream for sure, it forwards the rest uncounted.
//
// Like countRequests it reads through t: it never holds bytes back and
// allocates nothing. It pairs each final response with its request, in
// order, through t.q, to know whether the response has a body.
func (t *tee) countResponses() {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(t)
	err := http1.ScanResponses(br, t.observer(), t.q)
	br.Reset(nil)
	readerPool.Put(br)
	if t.err == nil && err != nil {
		t.drain()
	}
}

// Request counts a request: it makes a tee an http1.Observer.
func (t *tee) Request() {
	if t.events != nil {
		t.mc.Log(t.events.of(Requests))
	}
	if t.clients != nil {
		t.clients.Inc(t.addr, ClientRequests)
	}
}

// Response counts a response by its status class: it makes a tee an
// http1.Observer.
func (t *tee) Response(status int) {
	if t.events != nil {
		t.mc.Log(t.events.response(status))
	}
}

// observer returns t, or with a timer t as an http1.Timer.
func (t *tee) observer() http1.Observer {
	if t.timer != nil {
		return timedTee{t}
	}
	return t
}

// timedTee is a tee that times responses: an http1.Timer. Its clock is
// read once per request line and once per status line.
type timedTee struct{ *tee }

// Now returns the timer's elapsed time, in nanoseconds.
func (t timedTee) Now() int64 { return int64(t.timer.Elapsed()) }

// ResponseTime records a response time in the response_time
// distribution, on the connection.
func (t timedTee) ResponseTime(d int64) { t.mc.Record(t.rt, time.Duration(d)) }
