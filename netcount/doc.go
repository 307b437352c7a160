// Package netcount counts a server's connections on a monitor.Monitor: wrap
// its net.Listener with NewListener, and every connection it accepts is
// opened on the monitor, named by its remote address, its bytes are counted
// as they are read and written, its read and write errors are counted, and
// it is closed on the monitor when it is closed.
//
//	m, err := monitor.New("tcp", netcount.Events(), netcount.Units())
//	...
//	ln, err := netcount.NewListener(raw, m)
//
// # What is counted where
//
// A Conn counts the bytes that pass through it, at the layer it wraps:
//
//   - BytesIn: bytes returned by Read (WriteTo reads with Read).
//   - BytesOut: bytes accepted by Write (ReadFrom writes with Write, or
//     sends a file with the wrapped connection's ReadFrom), the n those
//     calls return, including on error.
//   - ReadErrors: a Read that failed, with an error other than
//     io.EOF (the peer's orderly end), a timeout (os.ErrDeadlineExceeded or
//     a net.Error whose Timeout is true: servers such as net/http set
//     deadlines to interrupt their own reads), or net.ErrClosed (a read on
//     a connection closed locally, which is how a server stops its own
//     reads). A reset by the peer is a read error.
//   - WriteErrors: a Write (or a ReadFrom of a file) that failed, with any error other
//     than net.ErrClosed, timeouts included: a write that times out is a
//     response that was not delivered. A reset by the peer or a broken
//     pipe is a write error.
//
// Bytes are counted as they pass, io.Copy's included (a proxy's copy
// lasts as long as its connection, and its rates would be nothing until
// then), but for a file that ReadFrom sends with sendfile, counted when
// it is sent. So a Conn does not splice: io.Copy between two Conns, or
// between a Conn and a *net.TCPConn, copies through a buffer.
//
// Wrap the raw listener, under TLS (tls.NewListener(ln, config), or
// http.Server.ServeTLS, or httptest.Server.StartTLS with the counting
// listener as its Listener), and the bytes are wire bytes: TLS records,
// handshake included. Wrap the listener that tls.NewListener returns, and
// the bytes are plaintext; but then net/http does not see a *tls.Conn and
// serves neither TLS state nor HTTP/2, so for an http.Server wrap the raw
// listener.
//
// # Closing
//
// A connection is closed on the monitor exactly once, by the first call of
// Conn.Close, whoever makes it (the server, a handler that hijacked the
// connection, a tls.Conn over it) and however often it is called. A
// connection that is never closed stays open on the monitor, as it stays
// open in the kernel.
//
// # Cost
//
// Read and Write count with one monitor.Conn.Add each (an error adds one
// Log), and allocate nothing. Accept allocates the Conn, its name (the
// remote address's String, a few allocations for a *net.TCPAddr) and the
// monitor's registry entry.
package netcount
