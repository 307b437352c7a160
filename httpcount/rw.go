package httpcount

//go:generate go run gen.go

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hitrate/hitrate/monitor"
)

// rw is the state of one request: the ResponseWriter a Handler passes to
// the next handler (as one of the types of writers.go, which adds the
// optional interfaces of the original). rws are pooled by the Handler:
// what may outlive the handler (its request body) is not in one.
type rw struct {
	w      http.ResponseWriter
	h      *Handler
	c      counter
	status int  // the final status written, 0, or hijacked
	h2     bool // the request is HTTP/2 or later: 101 is informational
	// expect is the body of an HTTP/1.1 request that awaits "Expect:
	// 100-continue", or nil: see final.
	expect *body
}

// final is called before the first final status goes to the server's
// ResponseWriter (WriteHeader, or the implicit 200 of Write, Flush or
// ReadFrom). If the request awaits "Expect: 100-continue" and its body
// has not been read to its end, net/http sends no "100 Continue" any
// more, so the client sends no body; net/http, which sees a body of its
// own type no longer, would wait to read it to keep the connection. The
// header "Connection: close" has it close the connection after the
// response instead, as it does when it sees its own body.
func (w *rw) final() {
	if w.expect != nil && !w.expect.eof.Load() {
		w.w.Header().Set("Connection", "close")
	}
}

// implicitOK notes the 200 that net/http sends when a body is written or
// flushed before any final status.
func (w *rw) implicitOK() {
	if w.status == 0 {
		w.status = http.StatusOK
		w.final()
	}
}

// hijacked is the status of a request whose connection was hijacked
// before a status was written: net/http sends none after, so writes do
// not change it (they fail).
const hijacked = -1

// counter counts on a connection if the request came on a counted one,
// and on the protocol otherwise.
type counter struct {
	m      *monitor.Monitor
	c      monitor.Conn
	onConn bool
}

func (c *counter) add(ev monitor.Event, n uint64) {
	if c.onConn {
		c.c.Add(ev, n)
	} else {
		c.m.Add(ev, n)
	}
}

func (c *counter) record(d monitor.Dist, v time.Duration) {
	if c.onConn {
		c.c.Record(d, v)
	} else {
		c.m.Record(d, v)
	}
}

// Header returns the original's header map.
func (w *rw) Header() http.Header { return w.w.Header() }

// WriteHeader notes the first final status (1xx are informational and may
// precede it, but for 101 in HTTP/1, as net/http sends them) and writes
// it.
func (w *rw) WriteHeader(code int) {
	if w.status == 0 && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols && !w.h2) {
		w.status = code
		if code != http.StatusSwitchingProtocols {
			w.final() // not on an upgrade, which has its own Connection header
		}
	}
	w.w.WriteHeader(code)
}

// Write writes the body, with an implicit 200 if no status was written,
// and counts the bytes written.
func (w *rw) Write(b []byte) (int, error) {
	w.implicitOK()
	n, err := w.w.Write(b)
	if n > 0 {
		w.c.add(w.h.respBytes, uint64(n))
	}
	return n, err
}

// WriteString is Write for a string, with the original's WriteString
// where it has one (both of net/http's ResponseWriters do).
func (w *rw) WriteString(s string) (int, error) {
	w.implicitOK()
	n, err := io.WriteString(w.w, s)
	if n > 0 {
		w.c.add(w.h.respBytes, uint64(n))
	}
	return n, err
}

// Unwrap returns the original ResponseWriter, for
// http.ResponseController. What is written to it directly is not counted.
func (w *rw) Unwrap() http.ResponseWriter { return w.w }

func (w *rw) flush() {
	w.implicitOK()
	w.w.(http.Flusher).Flush()
}

// flushError is Flush with the original's error, where it has
// FlushError (net/http's ResponseWriters do), for
// http.ResponseController.Flush, which prefers FlushError to Flush.
func (w *rw) flushError() error {
	if fe, ok := w.w.(interface{ FlushError() error }); ok {
		w.implicitOK()
		return fe.FlushError()
	}
	w.flush()
	return nil
}

func (w *rw) hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := w.w.(http.Hijacker).Hijack()
	if err == nil && w.status == 0 {
		w.status = hijacked
	}
	return c, brw, err
}

func (w *rw) readFrom(src io.Reader) (int64, error) {
	w.implicitOK()
	n, err := w.w.(io.ReaderFrom).ReadFrom(src)
	if n > 0 {
		w.c.add(w.h.respBytes, uint64(n))
	}
	return n, err
}

func (w *rw) push(target string, opts *http.PushOptions) error {
	return w.w.(http.Pusher).Push(target, opts)
}

//lint:ignore SA1019 a wrapper keeps the interfaces of the original, deprecated or not
func (w *rw) closeNotify() <-chan bool { return w.w.(http.CloseNotifier).CloseNotify() }

// body counts the bytes read from the request body. It is allocated
// per request, not pooled with the rw: the body may be read after the
// handler returns (an httputil.ReverseProxy's Transport reads it in a
// goroutine of its own, golang.org/issue/46866), and must then still
// read this request's body and count on this request's counter.
type body struct {
	rc  io.ReadCloser
	c   counter
	ev  monitor.Event
	eof atomic.Bool // a Read returned io.EOF
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.c.add(b.ev, uint64(n))
	}
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

// expectsContinue reports whether net/http's server gives r's handler a
// body that sends "100 Continue" when first read: an HTTP/1.1 request
// with a body and "Expect: 100-continue".
func expectsContinue(r *http.Request) bool {
	if r.ProtoMajor != 1 || r.ProtoMinor < 1 || r.ContentLength == 0 {
		return false
	}
	for _, v := range r.Header["Expect"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(tok), "100-continue") {
				return true
			}
		}
	}
	return false
}

func (b *body) Close() error { return b.rc.Close() }
