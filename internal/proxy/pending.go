package proxy

import (
	"runtime"
	"sync/atomic"
	"time"
)

// reqKind is what a response's framing needs to know of its request.
type reqKind uint8

const (
	reqOther   reqKind = iota
	reqHead            // a HEAD: the response has no body
	reqConnect         // a CONNECT: a 2xx response starts a tunnel
)

// pendingCap bounds the requests a pending queue holds: the requests a
// client has pipelined ahead of the responses.
const pendingCap = 64

// pendingWait bounds how long pop waits for the request parser to push
// the request of a response. A variable for tests.
var pendingWait = 100 * time.Millisecond

// pending carries the kinds of a session's requests, in order, from its
// request parser (push, close) to its response parser (pop), so that each
// final response is paired with its request. It is a single-producer,
// single-consumer ring: no lock, no allocation. A nil *pending is an
// empty, closed queue.
type pending struct {
	head  atomic.Uint32 // requests pushed
	tail  atomic.Uint32 // requests popped
	done  atomic.Bool   // closed: no more pushes
	kinds [pendingCap]reqKind
}

// push appends a request's kind. When the queue is full (a client more
// than pendingCap requests ahead), it closes the queue instead: the
// responses after the queued ones can no longer be paired.
func (q *pending) push(k reqKind) {
	if q == nil || q.done.Load() {
		return
	}
	h := q.head.Load()
	if h-q.tail.Load() == pendingCap {
		q.close()
		return
	}
	q.kinds[h%pendingCap] = k
	q.head.Store(h + 1) // publishes kinds[h]
}

// close tells pop that no more requests will be pushed.
func (q *pending) close() {
	if q != nil {
		q.done.Store(true)
	}
}

// pop returns the kind of the oldest request not yet paired. The request
// parser runs in another goroutine and parses a request after forwarding
// it, so a response can be parsed before its request: when the queue is
// empty and open, pop waits for a push, yielding, then sleeping, for up to
// pendingWait. It returns false when the queue is empty and closed, or
// stays empty that long (the response then cannot be paired).
func (q *pending) pop() (reqKind, bool) {
	if q == nil {
		return reqOther, false
	}
	var deadline time.Time
	for i := 0; ; i++ {
		t := q.tail.Load()
		if q.head.Load() != t {
			k := q.kinds[t%pendingCap]
			q.tail.Store(t + 1) // frees kinds[t] for push
			return k, true
		}
		if q.done.Load() {
			if q.head.Load() != t {
				continue // pushed just before closing
			}
			return reqOther, false
		}
		switch {
		case i < 100:
			runtime.Gosched()
		case i == 100:
			deadline = time.Now().Add(pendingWait)
		case time.Now().After(deadline):
			return reqOther, false
		default:
			time.Sleep(50 * time.Microsecond)
		}
	}
}
