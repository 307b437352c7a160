// Package httpcount is net/http middleware that counts a server's
// requests on a monitor.Monitor: requests, responses by class (1xx to 5xx,
// and other), request and response body bytes, and response times (into
// the monitor's latency distribution ResponseTime, which NewMonitor
// declares, and to WithDuration's function). With a netcount.Listener on the same monitor and
// ConnContext as the server's ConnContext, the counts go to the connection
// that carried each request, so the page lists every keep-alive or HTTP/2
// connection with its requests, bytes and rates; otherwise they go to the
// protocol alone.
//
// ListenAndServe does all three for an existing http.Server, in place of
// its ListenAndServe:
//
//	m, err := httpcount.NewMonitor("http-server")
//	if err != nil {
//		log.Fatal(err)
//	}
//	log.Fatal(httpcount.ListenAndServe(srv, m)) // was: log.Fatal(srv.ListenAndServe())
//
// and Instrument for a server that has its own listener:
//
//	ln, err = httpcount.Instrument(srv, ln, m)
//	...
//	err = srv.Serve(ln) // or srv.ServeTLS(ln, cert, key): the bytes are TLS's
//
// # What is counted
//
// Requests counts a request when the Handler starts it, and one of the
// response events when the next handler returns: the class of the first
// final status it wrote (WriteHeader with a 1xx other than 101 is
// informational and counts nothing, and so is 101 in HTTP/2, where
// net/http sends it as informational), 2xx if it wrote a body, flushed, or
// wrote nothing at all (net/http then sends a 200), ResponsesOther if it
// hijacked the connection without writing a status, and 5xx if it
// panicked (net/http then aborts the response; the panic, http.ErrAbortHandler
// included, goes on up untouched). Requests minus the sum of the response
// events is the number of requests in flight.
//
// Events go to the connection while it is open on the monitor. A request
// whose connection closes before its handler returns (net/http closes it
// on a failed write, or the client is gone) counts the rest of its events
// for the protocol only, so the protocol's totals are exact and the
// connections' closing summaries may fall short of them.
//
// RequestBytes counts what the handlers read of the request bodies, and
// ResponseBytes what they write through the ResponseWriter, both without
// HTTP framing; for a HEAD request, what the handler writes counts
// although net/http sends none of it. The listener's netcount.BytesIn and
// BytesOut count the connection's bytes: headers, framing and TLS
// included.
//
// To count what is read of a request body, the Handler replaces
// r.Body by a counting reader, as every middleware that counts request
// bytes must (otelhttp does too). net/http then no longer sees its own
// body type under r.Body, which changes two of its behaviours: an
// http.MaxBytesReader over the counted body cannot tell the server to
// close the connection after a body that was too large (the 413 is
// still sent); and a handler that writes or flushes a response before it
// has read the whole body may see net/http read up to 256 KB of the rest
// to keep the connection, as for a body it does not know. A body that
// awaits "Expect: 100-continue" is the exception: net/http sends no
// "100 Continue" once a final status is written, so the client sends no
// body; if the handler writes a final status before it has read that
// body to its end, the Handler sets "Connection: close" on the response
// (one allocation), and net/http closes the connection after it, as it
// does without the Handler, rather than wait for the body.
//
// # The ResponseWriter
//
// The ResponseWriter the next handler gets has exactly the optional
// interfaces of the server's: http.Flusher, http.Hijacker, io.ReaderFrom
// (net/http's sends files with sendfile through it, and a
// netcount.Conn counts them), http.Pusher and http.CloseNotifier, and an
// Unwrap method, so that http.ResponseController reaches the server's
// (for deadlines and full duplex). With http.Flusher it has FlushError,
// which http.ResponseController.Flush calls: it returns the server's
// error (the client is gone) as it does without the Handler. It always has WriteString (io.StringWriter),
// which passes on to the server's where it has one and to Write otherwise.
// Bytes written to the unwrapped ResponseWriter are not counted.
//
// # Cost
//
// Per request, the Handler takes its state from a sync.Pool; it allocates
// nothing for a request without a body, and one small counting reader for
// a request with one (a body may be read after the handler returns, as
// httputil.ReverseProxy's Transport does, so it is not pooled). It counts
// with three monitor.Conn.Add calls (request, response class, one per body
// write or read). ConnContext allocates one context per connection.
package httpcount
