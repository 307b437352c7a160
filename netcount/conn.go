package netcount

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"

	"github.com/hitrate/hitrate/monitor"
)

// Conn is a connection counted on a monitor, as a Listener returns it. It
// is a net.Conn whose Read, Write, ReadFrom and WriteTo count, whose Close
// closes it on the monitor, and which keeps the wrapped connection's
// features: deadlines (embedded), and File, CloseRead, CloseWrite, and
// ReadFrom from a file (with *net.TCPConn, sendfile) where the wrapped
// connection has them; NetConn returns it for the rest (SetNoDelay,
// SetKeepAlive...). It does not splice: see ReadFrom.
//
// A Conn may be used by several goroutines at once, as a net.Conn may.
type Conn struct {
	net.Conn
	ev     *events
	mc     monitor.Conn
	closed sync.Once // closes mc; a second Close waits for the first
}

// Read reads from the connection and counts the bytes read as BytesIn, and
// a failure as ReadErrors.
func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mc.Add(c.ev.in, uint64(n))
	}
	if err != nil && readError(err) {
		c.mc.Log(c.ev.rerr)
	}
	return n, err
}

// Write writes to the connection and counts the bytes written as BytesOut,
// and a failure as WriteErrors.
func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 {
		c.mc.Add(c.ev.out, uint64(n))
	}
	if err != nil && writeError(err) {
		c.mc.Log(c.ev.werr)
	}
	return n, err
}

// readError reports whether err, returned by a read, counts as a
// ReadErrors.
func readError(err error) bool {
	if err == io.EOF || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	ne, ok := err.(net.Error)
	return !ok || !ne.Timeout()
}

// writeError reports whether err, returned by a write, counts as a
// WriteErrors.
func writeError(err error) bool {
	return !errors.Is(err, net.ErrClosed)
}

// Close closes the connection, and, the first time it is called, closes it
// on the monitor. It returns the wrapped connection's error. Every Close
// returns once the connection is closed on the monitor, also when another
// goroutine's Close does it (as net/http's Shutdown and the connection's
// own goroutine both close it): after any Close, the monitor no longer
// counts the connection open.
func (c *Conn) Close() error {
	err := c.Conn.Close()
	c.closed.Do(c.mc.Close)
	return err
}

// ReadFrom writes what it reads from r to the connection, and counts the
// bytes written as BytesOut, and a failure as WriteErrors, as it goes: it
// implements io.ReaderFrom, which net/http uses to serve files and
// io.Copy prefers. From a file (an *os.File, or an *io.LimitedReader of
// one, as net/http passes it) it uses the wrapped connection's ReadFrom
// if it has one (a *net.TCPConn sends it with sendfile) and counts when
// that returns. From anything else it copies through Write, so that a
// proxy's io.Copy, which runs as long as the connection, counts as the
// bytes pass, not when the connection ends: a *net.TCPConn source is not
// spliced (copy to NetConn for that, uncounted).
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	rf, ok := c.Conn.(io.ReaderFrom)
	if !ok || !isFile(r) {
		return io.Copy(writerOnly{c}, r)
	}
	n, err := rf.ReadFrom(r)
	if n > 0 {
		c.mc.Add(c.ev.out, uint64(n))
	}
	if err != nil && writeError(err) {
		c.mc.Log(c.ev.werr)
	}
	return n, err
}

// isFile reports whether r is a file, or an *io.LimitedReader of one:
// what sendfile sends. As the standard library's sendfile does, it takes
// for a file any syscall.Conn (an *os.File, and the wrapper of one that
// os.File.WriteTo passes to ReadFrom when io.Copy(conn, file) calls it)
// that is no network connection.
func isFile(r io.Reader) bool {
	if lr, ok := r.(*io.LimitedReader); ok {
		r = lr.R
	}
	_, file := r.(syscall.Conn)
	_, conn := r.(net.Conn)
	return file && !conn
}

// WriteTo writes what it reads from the connection to w, and counts the
// bytes read as BytesIn, and a failure to read as ReadErrors, as it goes:
// it copies through Read (io.Copy prefers WriteTo; without it, a proxy's
// io.Copy would count when the connection ends). It does not splice.
func (c *Conn) WriteTo(w io.Writer) (int64, error) {
	return io.Copy(w, readerOnly{c})
}

// writerOnly hides every method of a Writer but Write, so that io.Copy
// does not call ReadFrom again.
type writerOnly struct{ io.Writer }

// readerOnly hides every method of a Reader but Read.
type readerOnly struct{ io.Reader }

// ErrUnsupported is returned by File, CloseRead and
// CloseWrite when the wrapped connection does not have the method.
var ErrUnsupported = errors.New("netcount: the wrapped connection does not support this")

// CloseWrite shuts down the writing side of the connection (a half-close)
// where the wrapped connection supports it, as *net.TCPConn, *net.UnixConn
// and *tls.Conn do; otherwise it returns ErrUnsupported. It does not close
// the connection on the monitor: Close does.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return ErrUnsupported
}

// CloseRead shuts down the reading side of the connection where the
// wrapped connection supports it; otherwise it returns ErrUnsupported.
func (c *Conn) CloseRead() error {
	if cr, ok := c.Conn.(interface{ CloseRead() error }); ok {
		return cr.CloseRead()
	}
	return ErrUnsupported
}

// File returns a copy of the connection's file, where the wrapped
// connection has one (*net.TCPConn, *net.UnixConn...); otherwise it
// returns ErrUnsupported. Bytes read or written through the file are not
// counted.
func (c *Conn) File() (*os.File, error) {
	if f, ok := c.Conn.(interface{ File() (*os.File, error) }); ok {
		return f.File()
	}
	return nil, ErrUnsupported
}

// NetConn returns the wrapped connection, as tls.Conn.NetConn does. Bytes
// read or written through it are not counted, and closing it does not
// close the connection on the monitor.
//
// A Conn has no SyscallConn method, on purpose: os.File.WriteTo (what
// io.Copy(conn, file) calls first) sends a file with sendfile straight to
// the socket of any destination that has one, around the Conn's count.
// Without it, io.Copy(conn, file) comes to Conn.ReadFrom, which sends the
// file with the same sendfile, counted. Reach the raw connection through
// NetConn when you need it.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// Monitor returns the monitor the connection is counted on.
func (c *Conn) Monitor() *monitor.Monitor { return c.ev.m }

// Counter returns the connection's handle on the monitor, to count other
// events of the monitor on the connection, such as the requests it
// carried. It is stale after Close.
func (c *Conn) Counter() monitor.Conn { return c.mc }

// Find returns the *Conn that c is or wraps, looking through connections
// that have a NetConn method (*tls.Conn, and any wrapper that follows its
// convention), or nil if there is none. It is how net/http middleware
// finds the connection that carried a request (in http.Server.ConnContext,
// where a TLS server's connection is a *tls.Conn).
func Find(c net.Conn) *Conn {
	for range 8 {
		switch v := c.(type) {
		case *Conn:
			return v
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}
