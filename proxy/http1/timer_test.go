package http1_test

import (
	"bufio"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/proxy/http1"
)

// timer is an http1.Timer whose clock reads a script: the i-th call of
// Now returns nows[i].
type timer struct {
	counter
	nows  []int64
	calls int
	times []int64
}

func (t *timer) Now() int64 {
	n := t.nows[t.calls]
	t.calls++
	return n
}

func (t *timer) ResponseTime(d int64) { t.times = append(t.times, d) }

// A Timer's clock is read once per request line and once per status
// line, and each request's first response is timed from its request's
// start: an interim 100 Continue times its request (the final response
// after it does not again), a HEAD's response is timed like any other,
// and a request pushed without a start (Push) is not timed.
func TestTimer(t *testing.T) {
	reqs := "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello" +
		"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	resps := "HTTP/1.1 100 Continue\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" +
		"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + // to the HEAD: no body
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" +
		"HTTP/1.1 204 No Content\r\n\r\n" // to the untimed request
	tm := &timer{nows: []int64{10, 20, 30, 100, 200, 300, 400, 500}}
	var q http1.Queue
	if err := http1.ScanRequests(bufio.NewReader(strings.NewReader(reqs)), tm, &q); err != io.EOF {
		t.Fatalf("ScanRequests = %v, want io.EOF", err)
	}
	q.Push(http1.Other) // a request without a start
	q.Close()
	if tm.calls != 3 {
		t.Errorf("ScanRequests read the clock %d times, want 3 (one per request)", tm.calls)
	}
	if err := http1.ScanResponses(bufio.NewReader(strings.NewReader(resps)), tm, &q); err != io.EOF {
		t.Fatalf("ScanResponses = %v, want io.EOF", err)
	}
	if tm.calls != 8 {
		t.Errorf("the clock was read %d times, want 8 (one per request and per response)", tm.calls)
	}
	if want := []int64{100 - 10, 300 - 20, 400 - 30}; !slices.Equal(tm.times, want) {
		t.Errorf("response times %v, want %v", tm.times, want)
	}
	if want := []int{100, 200, 200, 404, 204}; !slices.Equal(tm.responses, want) || tm.requests != 3 {
		t.Errorf("requests %d, responses %v; want 3 and %v", tm.requests, tm.responses, want)
	}
}
