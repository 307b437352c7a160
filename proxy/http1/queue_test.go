package http1

import (
	"testing"
	"time"
)

func TestQueue(t *testing.T) {
	var q Queue
	// Full: the push past the capacity closes the queue; the queued
	// kinds still come out, in order.
	for i := range QueueCap + 1 {
		q.Push(Kind(i % 3))
	}
	for i := range QueueCap {
		if k, ok := q.pop(); !ok || k != Kind(i%3) {
			t.Fatalf("pop %d = %v, %v; want %v, true", i, k, ok, Kind(i%3))
		}
	}
	if _, ok := q.pop(); ok {
		t.Fatal("pop on a closed, empty queue succeeded")
	}
	q.Push(Head)
	if _, ok := q.pop(); ok {
		t.Fatal("push after close was queued")
	}

	// A nil queue is empty and closed.
	var nq *Queue
	nq.Push(Head)
	nq.Close()
	if _, ok := nq.pop(); ok {
		t.Fatal("pop on a nil queue succeeded")
	}
}

// pop waits for a push that comes later, and gives up after queueWait
// on an open, empty queue.
func TestQueueWait(t *testing.T) {
	old := queueWait
	defer func() { queueWait = old }()

	// A wait long enough for the pushing goroutine to run on a loaded
	// machine: with 20 ms, pop sometimes gave up first under -race.
	queueWait = time.Minute
	var q Queue
	pushed := make(chan struct{})
	go func() {
		defer close(pushed)
		time.Sleep(5 * time.Millisecond) // pop starts first, most of the time
		q.Push(Head)
	}()
	if k, ok := q.pop(); !ok || k != Head {
		t.Errorf("pop = %v, %v; want the HEAD pushed later", k, ok)
	}
	<-pushed

	queueWait = 20 * time.Millisecond
	start := time.Now()
	if _, ok := q.pop(); ok {
		t.Error("pop on an empty queue succeeded")
	}
	if d := time.Since(start); d < queueWait {
		t.Errorf("pop gave up after %v, before queueWait (%v)", d, queueWait)
	}

	// Closing ends a wait at once.
	var q2 Queue
	go func() {
		time.Sleep(5 * time.Millisecond)
		q2.Close()
	}()
	queueWait = time.Minute
	if _, ok := q2.pop(); ok {
		t.Error("pop on a closed, empty queue succeeded")
	}
}
