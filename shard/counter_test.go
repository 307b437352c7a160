package shard_test

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/hitrate/hitrate/ring.defaultRotator"))
}

// hammer runs writers on c while a rotator, readers, Resets and (if
// flip is set) GOMAXPROCS changes run beside them, and checks that every
// increment is accounted for exactly.
func hammer(t *testing.T, c *shard.Counter, manual *ring.ManualClock, flip bool) {
	t.Helper()
	const writers, perWriter = 16, 20000
	var removed atomic.Uint64
	stop := make(chan struct{})
	var bg sync.WaitGroup
	background := func(f func()) {
		bg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					f()
				}
			}
		})
	}
	if manual != nil {
		background(func() { manual.Advance(time.Millisecond) })
	}
	background(func() {
		_ = c.Total()
		_ = c.RateWith(ring.Interpolated)
		if rand.IntN(32) == 0 {
			removed.Add(c.Reset())
		}
	})
	if flip {
		old := runtime.GOMAXPROCS(0)
		defer runtime.GOMAXPROCS(old)
		sizes := []int{1, 2 * c.Shards(), 3, c.Shards() + 5, 1, 4 * c.Shards()}
		i := 0
		background(func() {
			runtime.GOMAXPROCS(sizes[i%len(sizes)])
			i++
			runtime.Gosched()
		})
	}
	var wg sync.WaitGroup
	var want atomic.Uint64
	for w := range writers {
		wg.Go(func() {
			var mine uint64
			for i := range perWriter {
				n := uint64((i+w)%4 + 1)
				c.Add(n)
				mine += n
			}
			want.Add(mine)
		})
	}
	wg.Wait()
	close(stop)
	bg.Wait()
	if got := removed.Load() + c.Total(); got != want.Load() {
		t.Fatalf("counted %d (Reset removed %d), want %d", got, removed.Load(), want.Load())
	}
}

func TestConcurrentExact(t *testing.T) {
	manual := ring.NewManualClock()
	hammer(t, shard.New(manual.Clock), manual, false)

	clock := ring.NewClock()
	defer clock.Stop()
	hammer(t, shard.New(clock), nil, false)
}

// TestGOMAXPROCSChanges moves GOMAXPROCS up past the shard count and back
// down while writers run.
func TestGOMAXPROCSChanges(t *testing.T) {
	manual := ring.NewManualClock()
	hammer(t, shard.New(manual.Clock), manual, true)
}

// TestRate checks that the shards' windows sum to the ring semantics.
func TestRate(t *testing.T) {
	clock := ring.NewManualClock()
	c := shard.New(clock.Clock)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Inc()
			}
		})
	}
	wg.Wait()
	s := c.Slots()
	if s[ring.N] != 800 || s.Sum() != 800 {
		t.Fatalf("slots %v, want 800 in the current one", s)
	}
	for range ring.N {
		clock.Advance(ring.Tick)
	}
	if got := c.Rate(); got != 400 {
		t.Fatalf("with the events in the oldest slot, seed rate %v, want 400", got)
	}
	clock.Advance(ring.Tick / 4)
	if got := c.RateWith(ring.Interpolated); got != 600 {
		t.Fatalf("interpolated rate %v, want 600", got)
	}
	clock.Advance(ring.Tick)
	if c.Rate() != 0 || c.Total() != 800 {
		t.Fatalf("after the window passed: rate %v total %d", c.Rate(), c.Total())
	}
}

func TestResetExactSequential(t *testing.T) {
	clock := ring.NewManualClock()
	c := shard.New(clock.Clock)
	c.Add(10)
	if got := c.Reset(); got != 10 {
		t.Fatalf("Reset returned %d, want 10", got)
	}
	if got := c.Reset(); got != 0 {
		t.Fatalf("second Reset returned %d, want 0", got)
	}
	c.Add(5)
	if c.Total() != 5 || c.Rate() != 5 {
		t.Fatalf("total %d rate %v, want 5 and 5", c.Total(), c.Rate())
	}
}

func TestZeroAllocs(t *testing.T) {
	clock := ring.NewManualClock()
	c := shard.New(clock.Clock)
	for name, f := range map[string]func(){
		"Inc":      c.Inc,
		"Add":      func() { c.Add(7) },
		"Total":    func() { _ = c.Total() },
		"Rate":     func() { _ = c.Rate() },
		"RateWith": func() { _ = c.RateWith(ring.Interpolated) },
	} {
		if a := testing.AllocsPerRun(1000, f); a != 0 {
			t.Errorf("%s: %v allocs per run, want 0", name, a)
		}
	}
}
