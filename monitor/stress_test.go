package monitor_test

import (
	"flag"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
)

var (
	stressFor  = flag.Duration("hitrate.stress", 1500*time.Millisecond, "how long TestStress runs (try 5m)")
	stressSeed = flag.Uint64("hitrate.seed", 0, "TestStress's seed (0: a new one, printed)")
)

// stressed is one counter under TestStress: how to add, read and Reset it.
type stressed struct {
	name  string
	add   func(n uint64)
	total func() uint64
	reset func() uint64 // nil: no Reset
	rate  func() float64

	started, done atomic.Uint64 // added before and after each add
	removed       atomic.Uint64
}

// TestStress is the adversarial run that found issue 16's two defects,
// kept: writers with mixed add sizes (1, up to 2^16, 2^16 and more, over
// 2^35 in one tick), a ManualClock moved by random ticks, stalls and
// rotations, jumps to and across the epoch whose tag is 0 and across 2^28
// ticks, GOMAXPROCS changes, racing Resets, and readers that assert every
// promise: a total never goes down between Resets, never exceeds what was
// added, each Reset returns between 0 and what was added since the previous
// one, and at the end the Resets' returns plus the total are exactly what
// was added. It covers ring.Counter, shard.Counter, and a Monitor's
// protocol totals and connection totals. It prints its seed; rerun a
// failure with -hitrate.seed, and run longer with -hitrate.stress=5m:
//
//	go test -race -run TestStress ./monitor -args -hitrate.stress=5m [-hitrate.seed=N]
func TestStress(t *testing.T) {
	seed := *stressSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -hitrate.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	mc := ring.NewManualClock()
	// Start a few ticks before the tag wraps to 0 (epoch 2^28), so that
	// the run crosses it early.
	mc.Advance(time.Duration(1<<28-ring.Size-rng.IntN(30)) * ring.Tick)

	rc := ring.NewCounter(mc.Clock)
	sc := shard.New(mc.Clock)
	m, err := monitor.New("stress", []string{"a", "b"}, monitor.WithClock(mc.Clock), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ea, eb := m.MustEvent("a"), m.MustEvent("b")

	counters := []*stressed{
		{name: "ring.Counter", add: rc.Add, total: rc.Total, reset: rc.Reset, rate: rc.Rate},
		{name: "shard.Counter", add: sc.Add, total: sc.Total, reset: sc.Reset, rate: sc.Rate},
		{name: "Monitor.Add", add: func(n uint64) { m.Add(ea, n) }, total: func() uint64 { return m.Total(ea) }, rate: func() float64 { return m.Rate(ea) }},
	}
	// Connection events: each writer logs b on a connection of its own
	// and on a shared one; the protocol total of b must be the sum.
	shared := m.Open("shared")
	var sharedAdded atomic.Uint64

	var stop atomic.Bool
	var bg, writers sync.WaitGroup
	fail := func(format string, args ...any) {
		if !stop.Swap(true) {
			t.Errorf("seed %d: "+format, append([]any{seed}, args...)...)
		}
	}

	// The clock: random ticks, stalls (the rotator late) and jumps.
	bg.Go(func() {
		r := rand.New(rand.NewPCG(seed, 2))
		for !stop.Load() {
			switch k := r.IntN(100); {
			case k < 60:
				mc.Advance(time.Duration(r.IntN(3)) * ring.Tick)
			case k < 80:
				mc.Stall(time.Duration(r.IntN(25)) * ring.Tick) // up to 2.5 s late
			case k < 90:
				mc.Rotate()
			case k < 95:
				// To a few ticks before the next tag 0.
				e := mc.Epoch()
				next := (e>>28 + 1) << 28
				mc.Advance(time.Duration(next-e-uint64(r.IntN(12))) * ring.Tick)
			default:
				mc.Advance(time.Duration(1<<28+r.IntN(5)) * ring.Tick) // a whole turn of the tags
			}
			runtime.Gosched()
		}
	})
	// GOMAXPROCS changes.
	bg.Go(func() {
		r := rand.New(rand.NewPCG(seed, 3))
		old := runtime.GOMAXPROCS(0)
		defer runtime.GOMAXPROCS(old)
		for !stop.Load() {
			runtime.GOMAXPROCS(1 + r.IntN(2*runtime.NumCPU()+2))
			time.Sleep(time.Millisecond)
		}
	})
	// Readers: a total never above what was started, a rate never negative.
	for i := range 2 {
		bg.Go(func() {
			last := make([]uint64, len(counters))
			for k := 0; !stop.Load(); k++ {
				j := (k + i) % len(counters)
				c := counters[j]
				tot := c.total()
				if s := c.started.Load(); tot > s {
					fail("%s: Total %d above the %d added", c.name, tot, s)
				}
				// Without Resets, a total never goes down (with them, the
				// Reset goroutine checks it between its own Resets).
				if c.reset == nil && tot < last[j] {
					fail("%s: Total went down: %d after %d", c.name, tot, last[j])
				}
				last[j] = tot
				if r := c.rate(); r < 0 || r != r {
					fail("%s: Rate %v", c.name, r)
				}
			}
		})
	}
	// Resets, each checked against the adds that surround it.
	for _, c := range counters {
		if c.reset == nil {
			continue
		}
		bg.Go(func() {
			var prevDone, last uint64
			for !stop.Load() {
				d0 := c.done.Load()
				r := c.reset()
				s1 := c.started.Load()
				if int64(r) < 0 || r > s1-prevDone {
					fail("%s: Reset returned %d (int64 %d); added since the previous Reset at most %d", c.name, r, int64(r), s1-prevDone)
				}
				c.removed.Add(r)
				prevDone = d0
				// Between this goroutine's Resets, a total never goes down.
				last = 0
				for range 20 {
					tot := c.total()
					if tot < last {
						fail("%s: Total went down between Resets: %d after %d", c.name, tot, last)
					}
					last = tot
				}
				runtime.Gosched()
			}
		})
	}
	// Writers.
	for w := range 4 {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(seed, 10+uint64(w)))
			own := m.Open("writer")
			defer own.Close()
			var ownAdded uint64
			for !stop.Load() {
				n := uint64(1)
				switch k := r.IntN(1000); {
				case k < 700:
				case k < 950:
					n = 1 + r.Uint64N(1<<16-1)
				case k < 995:
					n = 1<<16 + r.Uint64N(1<<20)
				default:
					n = 1<<35 + r.Uint64N(1<<36) // over a slot's Half in one add
				}
				for _, c := range counters {
					c.started.Add(n)
					c.add(n)
					c.done.Add(n)
				}
				own.Add(eb, n)
				ownAdded += n
				shared.Add(eb, n)
				sharedAdded.Add(n)
				if got := own.Total(eb); got != ownAdded {
					fail("writer %d: connection total %d, want %d", w, got, ownAdded)
				}
			}
		})
	}
	time.Sleep(*stressFor)
	stop.Store(true)
	writers.Wait()
	bg.Wait()
	if t.Failed() {
		return
	}
	for _, c := range counters {
		if got, want := c.removed.Load()+c.total(), c.started.Load(); got != want {
			t.Errorf("seed %d: %s: Resets %d + Total %d = %d, want %d", seed, c.name, c.removed.Load(), c.total(), got, want)
		}
	}
	if got, want := shared.Total(eb), sharedAdded.Load(); got != want {
		t.Errorf("seed %d: shared connection: total %d, want %d", seed, got, want)
	}
	if got, want := m.Total(eb), 2*sharedAdded.Load(); got != want {
		t.Errorf("seed %d: protocol total of b %d, want %d", seed, got, want)
	}
	shared.Close()
}
