package owned

import (
	"sync/atomic"
	"testing"
)

// TestStores: an owned store is what the word's atomic loads then read,
// with the neighbouring words untouched.
func TestStores(t *testing.T) {
	var w [3]atomic.Uint64
	var h [3]atomic.Uint32
	Store64(&w[1], 1<<63|5)
	Store32(&h[1], 1<<31|7)
	if w[0].Load() != 0 || w[1].Load() != 1<<63|5 || w[2].Load() != 0 {
		t.Errorf("Store64: %d %d %d", w[0].Load(), w[1].Load(), w[2].Load())
	}
	if h[0].Load() != 0 || h[1].Load() != 1<<31|7 || h[2].Load() != 0 {
		t.Errorf("Store32: %d %d %d", h[0].Load(), h[1].Load(), h[2].Load())
	}
}

// TestPin: a pinned goroutine's P id is below GOMAXPROCS's count of Ps.
func TestPin(t *testing.T) {
	id := Pin()
	Unpin()
	if id < 0 {
		t.Fatalf("Pin returned %d", id)
	}
}
