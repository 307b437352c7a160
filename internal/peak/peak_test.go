package peak_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hitrate/hitrate/internal/peak"
	uatomic "go.uber.org/atomic"
)

func TestRaise(t *testing.T) {
	var i atomic.Int64
	if got := peak.Raise(&i, 5); got != 5 || i.Load() != 5 {
		t.Errorf("Raise(0 -> 5) = %d, value %d", got, i.Load())
	}
	if got := peak.Raise(&i, 3); got != 5 || i.Load() != 5 {
		t.Errorf("Raise(5, 3) = %d, value %d; want 5, never lowered", got, i.Load())
	}
	if got := peak.Raise(&i, -7); got != 5 {
		t.Errorf("Raise(5, -7) = %d", got)
	}
	var f uatomic.Float64
	if got := peak.Raise(&f, 2.5); got != 2.5 || peak.Raise(&f, 1) != 2.5 {
		t.Errorf("float Raise = %v, value %v", got, f.Load())
	}
}

// Concurrent raises end with the highest value given.
func TestRaiseConcurrent(t *testing.T) {
	var v atomic.Uint64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range uint64(1000) {
				peak.Raise(&v, i*8+uint64(g))
			}
		}()
	}
	wg.Wait()
	if got, want := v.Load(), uint64(999*8+7); got != want {
		t.Errorf("after concurrent raises: %d, want %d", got, want)
	}
}
