// Package http1 follows HTTP/1.x requests and responses in a byte stream,
// without building them: it finds where each message's head ends and its
// body (Content-Length, chunked, none) ends, and reports each message to
// an Observer. The proxy package counts requests and responses with it,
// reading the streams it forwards.
//
// ScanRequests reads a client's stream, ScanResponses the server's; a
// Queue carries each request's kind from the first to the second, so
// that each final response is paired with its request (pipelining
// included) to know whether it has a body (not after a HEAD). Neither
// allocates. Where a stream stops being HTTP/1.x that they can follow
// (another protocol, a switch of protocol, a body delimited by the end of
// the stream, a response that cannot be paired, a message whose framing
// its recipient may take otherwise and after which it must close the
// connection), they return ErrNotHTTP: the caller forwards the rest
// uncounted, never miscounted.
//
// An Observer that is also a Timer times each request's response: the
// scans read its clock once per request line and once per status line,
// and the Queue carries each request's start to its response.
//
// Header lines are found 64 bytes at a time, with SSE2 on amd64 (build
// tag purego for plain Go).
package http1

import "errors"

// ErrNotHTTP stops a scan: the stream is not, or no longer, HTTP/1.x
// messages that the parser can follow.
var ErrNotHTTP = errors.New("http1: not an HTTP/1.x stream the parser can follow")

// Observer is told of each message a scan finds, once its head is
// complete, on the goroutine that scans.
type Observer interface {
	// Request is called by ScanRequests for each request.
	Request()
	// Response is called by ScanResponses for each response, interim
	// (1xx) responses included, with its status code, 100 to 599.
	Response(status int)
}

// Timer is an Observer that also times requests: ScanRequests calls Now
// once per request, when it reads the request line (the request's first
// bytes, already forwarded), and the Queue carries that start to the
// response; ScanResponses calls Now once per response, when it reads the
// status line, and ResponseTime with the time from the request's start
// to its first response: an interim (1xx) response if one comes first,
// else the final one. That is the server's response time as a proxy sees
// it (HAProxy's Tr). A response that cannot be paired with a timed
// request is not timed.
type Timer interface {
	Observer
	// Now returns the current time, in any unit from any origin, the
	// same for both scans (such as nanoseconds of a monotonic clock).
	Now() int64
	// ResponseTime is called by ScanResponses with the difference of
	// the two Now readings: the response's start minus its request's
	// (negative if the request parser read its request after the
	// response parser read the response: rare, see Queue).
	ResponseTime(d int64)
}
