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
// the stream, a response that cannot be paired), they return
// ErrNotHTTP: the caller forwards the rest uncounted, never miscounted.
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
