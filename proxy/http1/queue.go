package http1

import (
	"sync/atomic"
	"time"
)

// Kind is what a response's framing needs to know of its request.
type Kind uint8

// The kinds of requests.
const (
	Other   Kind = iota // any request but HEAD and CONNECT
	Head                // a HEAD: the response has no body
	Connect             // a CONNECT: a 2xx response starts a tunnel
)

// QueueCap bounds the requests a Queue holds: the requests a client has
// pipelined ahead of the responses.
const QueueCap = 64

// queueWait bounds how long pop waits for the request parser to push the
// request of a response. A variable for tests.
var queueWait = 100 * time.Millisecond

// Queue carries the kinds of a connection's requests (and, for a Timer,
// their starts), in order, from its
// request parser (ScanRequests, or Push and Close) to its response parser
// (ScanResponses), so that each final response is paired with its
// request. It is a single-producer, single-consumer ring: no lock, no
// allocation on Push, nor on a pop that finds its request queued. A nil
// *Queue is an empty, closed queue; the zero Queue is an empty, open one.
type Queue struct {
	head  atomic.Uint32   // requests pushed
	tail  atomic.Uint32   // requests popped
	done  atomic.Bool     // closed: no more pushes
	kinds [QueueCap]Kind  // with timedBit if the request has a start
	start [QueueCap]int64 // the requests' starts (PushAt)

	// A pop that finds the queue empty and open parks on wake, made by
	// its first wait, with waiting set; push and close, seeing waiting,
	// send it a token (never blocking: a token is enough).
	waiting atomic.Bool
	wake    atomic.Pointer[chan struct{}]
}

// timedBit marks a queued Kind whose request has a start (PushAt).
const timedBit Kind = 0x80

// Push appends a request's kind. When the queue is full (a client more
// than QueueCap requests ahead), it closes the queue instead: the
// responses after the queued ones can no longer be paired.
func (q *Queue) Push(k Kind) {
	q.push(k&^timedBit, 0)
}

// PushAt appends a request's kind, as Push does, with the time its
// request started (a Timer's Now), for ScanResponses to time its
// response.
func (q *Queue) PushAt(k Kind, start int64) {
	q.push(k|timedBit, start)
}

func (q *Queue) push(k Kind, start int64) {
	if q == nil || q.done.Load() {
		return
	}
	h := q.head.Load()
	if h-q.tail.Load() == QueueCap {
		q.Close()
		return
	}
	q.kinds[h%QueueCap] = k
	q.start[h%QueueCap] = start
	q.head.Store(h + 1) // publishes kinds[h] and start[h]
	q.signal()
}

// Close tells the response parser that no more requests will be pushed:
// a response with no request queued then stops ScanResponses at once.
func (q *Queue) Close() {
	if q != nil {
		q.done.Store(true)
		q.signal()
	}
}

// signal wakes a pop parked on an empty queue. It follows the store of
// head or done: either pop's check after it sets waiting sees that store,
// or signal sees waiting (sync/atomic operations are sequentially
// consistent), so a wake-up is never lost.
func (q *Queue) signal() {
	if !q.waiting.Load() {
		return
	}
	if c := q.wake.Load(); c != nil {
		select {
		case *c <- struct{}{}:
		default: // a token is already there
		}
	}
}

// pop returns the kind of the oldest request not yet paired. The request
// parser runs in another goroutine and parses a request after forwarding
// it, so a response can be parsed before its request (rarely: the request
// parser only has to go from its write to the request's line; it happens
// when that goroutine waits for a processor): when the queue is empty and
// open, pop parks until a push or close wakes it, for up to queueWait.
// Parking, rather than yielding or sleeping, hands the processor to the
// request parser and resumes pop as soon as it pushes. pop returns false
// when the queue is empty and closed, or stays empty that long (the
// response then cannot be paired).
func (q *Queue) pop() (Kind, bool) {
	k, _, ok := q.popTimed()
	return k &^ timedBit, ok
}

// headStart returns the start of the oldest request not yet paired, if
// one is queued and has a start; it does not pop it nor wait. Only the
// consumer may call it.
func (q *Queue) headStart() (int64, bool) {
	if q == nil {
		return 0, false
	}
	t := q.tail.Load()
	if q.head.Load() == t || q.kinds[t%QueueCap]&timedBit == 0 {
		return 0, false
	}
	return q.start[t%QueueCap], true
}

// popTimed is pop, with the request's start: the Kind keeps timedBit if
// it has one.
func (q *Queue) popTimed() (Kind, int64, bool) {
	if q == nil {
		return Other, 0, false
	}
	if k, st, ok, ready := q.tryPop(); ready {
		return k, st, ok
	}
	c := q.wake.Load()
	if c == nil {
		ch := make(chan struct{}, 1)
		c = &ch
		q.wake.Store(c) // only pop stores it: a single consumer
	}
	timer := time.NewTimer(queueWait)
	defer timer.Stop()
	defer q.waiting.Store(false)
	for {
		q.waiting.Store(true)
		if k, st, ok, ready := q.tryPop(); ready {
			return k, st, ok
		}
		select {
		case <-*c: // perhaps a token left by an earlier wait: check again
		case <-timer.C:
			k, st, ok, _ := q.tryPop() // a last look
			return k, st, ok
		}
	}
}

// tryPop pops the oldest request if there is one (ready, ok), or reports
// the queue empty and closed (ready, !ok), or empty and open (!ready).
func (q *Queue) tryPop() (k Kind, start int64, ok, ready bool) {
	t := q.tail.Load()
	if q.head.Load() != t {
		k, start := q.kinds[t%QueueCap], q.start[t%QueueCap]
		q.tail.Store(t + 1) // frees kinds[t] and start[t] for push
		return k, start, true, true
	}
	if q.done.Load() {
		if q.head.Load() != t { // pushed just before closing
			k, start := q.kinds[t%QueueCap], q.start[t%QueueCap]
			q.tail.Store(t + 1)
			return k, start, true, true
		}
		return Other, 0, false, true
	}
	return Other, 0, false, false
}
