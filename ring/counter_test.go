package ring_test

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitrate/hitrate/ring"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/hitrate/hitrate/ring.defaultRotator"))
}

// model is the seed algorithm of the 2002 post, kept as literally as Go
// allows: a list L of N+1 counts, the last one current.
type model struct{ L [ring.Size]uint64 }

func (m *model) inc(n uint64) { m.L[ring.N] += n }

func (m *model) tick() {
	copy(m.L[:], m.L[1:])
	m.L[ring.N] = 0
}

func (m *model) rate() float64 {
	var s uint64
	for _, v := range m.L[1:] {
		s += v
	}
	return 0.5*float64(m.L[0]) + float64(s)
}

// TestSeedMatchesModel drives a Counter and the model with the same
// scripted traces: adds, ticks, and stalls of the rotator that catch up
// several ticks at once. Slot by slot, they must agree.
func TestSeedMatchesModel(t *testing.T) {
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 7))
		clock := ring.NewManualClock()
		c := ring.NewCounter(clock.Clock)
		var m model
		var total uint64
		for step := range 400 {
			switch op := rng.IntN(10); {
			case op < 6:
				n := rng.Uint64N(1000)
				c.Add(n)
				m.inc(n)
				total += n
			case op < 9:
				clock.Advance(ring.Tick)
				m.tick()
			default: // the rotator stalls for k ticks, writes go on, then it catches up
				k := 1 + rng.IntN(15)
				clock.Stall(time.Duration(k) * ring.Tick)
				n := rng.Uint64N(1000)
				c.Add(n)
				m.inc(n)
				total += n
				clock.Rotate()
				for range k {
					m.tick()
				}
			}
			if got := c.Slots(); got != ring.Slots(m.L) {
				t.Fatalf("seed %d step %d: slots %v, model %v", seed, step, got, m.L)
			}
			if got, want := c.Rate(), m.rate(); got != want {
				t.Fatalf("seed %d step %d: rate %v, model %v", seed, step, got, want)
			}
			if c.Total() != total {
				t.Fatalf("seed %d step %d: total %d, want %d", seed, step, c.Total(), total)
			}
		}
	}
}

// steady feeds c at rate events per second in steps of 1 ms for d and
// returns the time of the last event.
func steady(clock *ring.ManualClock, c *ring.Counter, rate int, d time.Duration) {
	per := uint64(rate / 1000)
	for range int(d / time.Millisecond) {
		clock.Advance(time.Millisecond)
		c.Add(per)
	}
}

func TestSeedBoundsAtSteadyRate(t *testing.T) {
	clock := ring.NewManualClock()
	c := ring.NewCounter(clock.Clock)
	const rate = 10000
	steady(clock, c, rate, 2*time.Second)
	for range 300 {
		steady(clock, c, rate, time.Millisecond)
		got := c.Rate()
		if got < 0.95*rate-10 || got > 1.05*rate+10 {
			t.Fatalf("seed rate %v outside [0.95, 1.05] x %d", got, rate)
		}
	}
}

// TestInterpolatedWithinOnePercent compares the interpolated estimate with
// the exact number of events in the last second, at several steady rates
// and at every millisecond of several slots.
func TestInterpolatedWithinOnePercent(t *testing.T) {
	for _, rate := range []int{1000, 10000, 250000} {
		clock := ring.NewManualClock()
		c := ring.NewCounter(clock.Clock)
		steady(clock, c, rate, 1500*time.Millisecond)
		for range 350 {
			steady(clock, c, rate, time.Millisecond)
			exact := float64(rate) // every 1 ms step of the last second holds rate/1000
			got := c.RateWith(ring.Interpolated)
			if math.Abs(got-exact) > 0.01*exact {
				t.Fatalf("rate %d: interpolated %v, exact %v", rate, got, exact)
			}
		}
	}
}

// TestRateReturnsToZero checks both estimators read zero at most 1.1 s
// after the last event, wherever in its slot that event fell.
func TestRateReturnsToZero(t *testing.T) {
	for _, offset := range []time.Duration{0, time.Millisecond, 50 * time.Millisecond, 99 * time.Millisecond} {
		for _, e := range []ring.Estimator{ring.Seed, ring.Interpolated} {
			clock := ring.NewManualClock()
			c := ring.NewCounter(clock.Clock)
			clock.Advance(offset)
			c.Add(1000)
			var zeroAt time.Duration = -1
			for d := time.Duration(0); d <= 2*time.Second; d += time.Millisecond {
				if c.RateWith(e) == 0 {
					zeroAt = d
					break
				}
				clock.Advance(time.Millisecond)
			}
			if zeroAt < 0 || zeroAt > 1100*time.Millisecond {
				t.Errorf("%v, event at +%v: rate zero after %v, want <= 1.1s", e, offset, zeroAt)
			}
			if zeroAt < 900*time.Millisecond {
				t.Errorf("%v, event at +%v: rate zero after only %v", e, offset, zeroAt)
			}
		}
	}
}

// TestStalledRotatorNeverShowsStaleCounts stalls the rotator for a whole
// turn of the ring and more: the slot that the epoch lands on again still
// holds old counts, which must read as zero.
func TestStalledRotatorNeverShowsStaleCounts(t *testing.T) {
	for _, stall := range []int{1, 5, ring.Size, ring.Size + 1, 2 * ring.Size, 1000} {
		clock := ring.NewManualClock()
		c := ring.NewCounter(clock.Clock)
		c.Add(7)
		clock.Stall(time.Duration(stall) * ring.Tick)
		var want ring.Slots
		if stall <= ring.N {
			want[ring.N-stall] = 7
		}
		// Readers follow the elapsed time, before and after the catch-up.
		if s := c.Slots(); s != want {
			t.Errorf("stall %d ticks, before catch-up: slots %v, want %v", stall, s, want)
		}
		clock.Rotate()
		if s := c.Slots(); s != want {
			t.Errorf("stall %d ticks: slots %v, want %v", stall, s, want)
		}
		if c.Total() != 7 {
			t.Errorf("stall %d: total %d", stall, c.Total())
		}
	}
}

// TestWindowSaturates: a slot's window saturates (a stopped clock, huge
// adds), the total never does.
func TestWindowSaturates(t *testing.T) {
	var w ring.Window
	const big = 1 << 40
	var want uint64
	for range 100 {
		w.Add(ring.Size, big)
		w.Add(ring.Size, 5)
		want += big + 5
	}
	w.Add(ring.Size, math.MaxUint32)
	want += math.MaxUint32
	var s ring.Slots
	total := w.SumInto(ring.Size, &s)
	if total != want || w.Total() != want {
		t.Fatalf("total %d (Total %d), want %d", total, w.Total(), want)
	}
	if s[ring.N] < 1<<34 || s[ring.N] >= 1<<35 {
		t.Fatalf("slot %d, want saturation in [2^34, 2^35)", s[ring.N])
	}
}

// TestWindowExactUnderWriters has many goroutines add to one Window while
// the epoch moves on (less than a second in all): every event must be in
// the total and in the window, the rate included (the old single-writer
// window dropped some).
func TestWindowExactUnderWriters(t *testing.T) {
	clock := ring.NewManualClock()
	c := ring.NewCounter(clock.Clock)
	const writers, per = 8, 20000
	var ticks sync.WaitGroup
	stop := make(chan struct{})
	ticks.Go(func() {
		for range ring.N - 1 {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				clock.Advance(ring.Tick)
			}
		}
	})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range per {
				c.Add(uint64(1 + (i+w)%3))
			}
		})
	}
	wg.Wait()
	close(stop)
	ticks.Wait()
	var want uint64
	for w := range writers {
		for i := range per {
			want += uint64(1 + (i+w)%3)
		}
	}
	s := c.Slots()
	if c.Total() != want || s.Sum() != want {
		t.Fatalf("total %d, window %d, want %d", c.Total(), s.Sum(), want)
	}
	if s[0] != 0 {
		t.Fatalf("oldest slot %d: the writes spanned more than %d ticks", s[0], ring.N)
	}
	if got := c.Rate(); got != float64(want) {
		t.Fatalf("rate %v, want %d", got, want)
	}
}

func TestReset(t *testing.T) {
	clock := ring.NewManualClock()
	c := ring.NewCounter(clock.Clock)
	c.Add(42)
	if got := c.Reset(); got != 42 {
		t.Fatalf("Reset returned %d, want 42", got)
	}
	if c.Total() != 0 || c.Rate() != 0 {
		t.Fatalf("after Reset: total %d rate %v", c.Total(), c.Rate())
	}
	c.Inc()
	if c.Total() != 1 || c.Rate() != 1 {
		t.Fatalf("after Reset and Inc: total %d rate %v", c.Total(), c.Rate())
	}
}

// TestConcurrentExact runs writers on counters, a rotator, readers and
// Resets at once; every increment must be accounted for exactly.
func TestConcurrentExact(t *testing.T) {
	clock := ring.NewClock()
	defer clock.Stop()
	manual := ring.NewManualClock()
	for _, cl := range []*ring.Clock{clock, manual.Clock} {
		const writers, perWriter = 8, 20000
		c := ring.NewCounter(cl)
		var removed atomic.Uint64
		stop := make(chan struct{})
		var bg sync.WaitGroup
		bg.Go(func() { // a rotator for the manual clock, a no-op load for the real one
			for {
				select {
				case <-stop:
					return
				default:
					manual.Advance(time.Millisecond)
				}
			}
		})
		bg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					_ = c.Total()
					_ = c.RateWith(ring.Interpolated)
					if rand.IntN(64) == 0 {
						removed.Add(c.Reset())
					}
				}
			}
		})
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for i := range perWriter {
					c.Add(uint64(i%3 + 1))
				}
			})
		}
		wg.Wait()
		close(stop)
		bg.Wait()
		var want uint64
		for i := range perWriter {
			want += uint64(i%3+1) * writers
		}
		if got := removed.Load() + c.Total(); got != want {
			t.Fatalf("counted %d, want %d", got, want)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	clock := ring.NewManualClock()
	c := ring.NewCounter(clock.Clock)
	var w ring.Window
	for name, f := range map[string]func(){
		"Counter.Inc":      c.Inc,
		"Counter.Add":      func() { c.Add(3) },
		"Window.Add":       func() { w.Add(ring.Size, 1) },
		"Window.Add(big)":  func() { w.Add(ring.Size, 1<<20) },
		"Window.Add(fold)": func() { w.Add(ring.Size+uint64(rand.IntN(100)), 1) },
		"Counter.Rate":     func() { _ = c.Rate() },
		"Counter.RateWith": func() { _ = c.RateWith(ring.Interpolated) },
	} {
		if a := testing.AllocsPerRun(1000, f); a != 0 {
			t.Errorf("%s: %v allocs per run, want 0", name, a)
		}
	}
}

func TestClockAdvancesAndStops(t *testing.T) {
	c := ring.NewClock()
	e0 := c.Epoch()
	deadline := time.Now().Add(5 * time.Second)
	for c.Epoch() == e0 {
		if time.Now().After(deadline) {
			t.Fatal("the rotator did not advance the epoch in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.Stop()
	c.Stop() // idempotent
	e := c.Epoch()
	if f := c.Frac(e); f < 0 || f > 1 {
		t.Fatalf("Frac %v outside [0, 1]", f)
	}
	d := ring.Default()
	d.Stop() // a no-op on the shared clock
	e1 := d.Epoch()
	deadline = time.Now().Add(5 * time.Second)
	for d.Epoch() == e1 {
		if time.Now().After(deadline) {
			t.Fatal("the Default clock stopped")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ring.Default() != d {
		t.Fatal("Default is not one clock")
	}
}

func TestEpochFollowsElapsedTime(t *testing.T) {
	m := ring.NewManualClock()
	e0 := m.Epoch()
	m.Advance(ring.Tick - 1)
	if m.Epoch() != e0 {
		t.Fatal("epoch moved before a whole tick")
	}
	m.Advance(1)
	if m.Epoch() != e0+1 {
		t.Fatal("epoch did not move after a whole tick")
	}
	m.Advance(37*ring.Tick + ring.Tick/2)
	if m.Epoch() != e0+38 {
		t.Fatalf("epoch %d, want %d", m.Epoch(), e0+38)
	}
	if f := m.Frac(m.Epoch()); f != 0.5 {
		t.Fatalf("Frac %v, want 0.5", f)
	}
	m.Stall(3 * ring.Tick)
	if f := m.Frac(m.Epoch()); f != 1 {
		t.Fatalf("Frac of a stalled epoch %v, want 1", f)
	}
}

func TestEstimatorString(t *testing.T) {
	if ring.Seed.String() != "seed" || ring.Interpolated.String() != "interpolated" || ring.Estimator(9).String() != "unknown" {
		t.Fatal("Estimator.String")
	}
}

// TestReadEpochFrac: one clock read gives ReadEpoch and Frac of it, on
// time and with a late rotator (the epoch and fraction of the elapsed
// time, not of the stored epoch).
func TestReadEpochFrac(t *testing.T) {
	m := ring.NewManualClock()
	e0 := m.Epoch()
	m.Advance(3*ring.Tick + ring.Tick/4)
	if e, f := m.ReadEpochFrac(); e != e0+3 || f != 0.25 || e != m.ReadEpoch() || f != m.Frac(e) {
		t.Fatalf("on time: ReadEpochFrac %d %v, want %d 0.25", e, f, e0+3)
	}
	m.Stall(2*ring.Tick + ring.Tick/2) // 5.75 ticks, rotator at 3
	if e, f := m.ReadEpochFrac(); e != e0+5 || f != 0.75 || e != m.ReadEpoch() || f != m.Frac(e) {
		t.Fatalf("stalled: ReadEpochFrac %d %v, want %d 0.75", e, f, e0+5)
	}
	if m.Epoch() != e0+3 {
		t.Fatalf("stored epoch %d, want %d", m.Epoch(), e0+3)
	}
	m.Rotate()
	if e, f := m.ReadEpochFrac(); e != e0+5 || f != 0.75 {
		t.Fatalf("caught up: ReadEpochFrac %d %v, want %d 0.75", e, f, e0+5)
	}
}
