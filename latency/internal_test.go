package latency

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/hitrate/hitrate/ring"
)

// TestMemory checks the documented size: at most 256 KiB for a Histogram
// with two stripes (two cores), everything included.
func TestMemory(t *testing.T) {
	const limit = 256 << 10
	if s := unsafe.Sizeof(slot{}); s != 4624 {
		t.Fatalf("a slot is %d bytes, want 4624", s)
	}
	size := unsafe.Sizeof(Histogram{}) + 2*unsafe.Sizeof(stripe{})
	t.Logf("Histogram %d B + 2 stripes of %d B = %d B (%.1f KiB)", unsafe.Sizeof(Histogram{}), unsafe.Sizeof(stripe{}), size, float64(size)/1024)
	if size > limit {
		t.Fatalf("%d bytes with two stripes, over %d", size, limit)
	}
	if size != 250048 {
		t.Fatalf("%d bytes: update the package documentation", size)
	}
}

// bucketOf finds the bucket of v by the documented edges (BucketBounds),
// by binary search: independent of index.
func bucketOf(v uint64) int {
	return sort.Search(NumBuckets, func(i int) bool {
		_, hi := BucketBounds(i)
		return float64(v) < hi
	})
}

// writeMode is a way writers reach a Histogram: all on the base stripe
// (base), each on its P's stripe (striped), more Ps than stripes, some
// sharing the base one (overflowP), or as New makes it (stripes 0).
type writeMode struct {
	name    string
	stripes int
	striped bool
}

var writeModes = []writeMode{{"base", 2, false}, {"striped", 2, true}, {"overflowP", 1, true}}

// make returns a Histogram on clock in mode m.
func (m writeMode) make(clock *ring.Clock) *Histogram {
	if m.stripes == 0 {
		return New(clock)
	}
	h := newN(clock, m.stripes)
	if m.striped {
		h.striped.Store(1)
	}
	return h
}

// TestConcurrentTotals runs writers on one Histogram while the clock
// rotates, GOMAXPROCS changes, and readers and the sampler read: the totals
// (count, every bucket, sum) must equal what was recorded, exactly, in
// every mode (base, striped, more Ps than stripes).
func TestConcurrentTotals(t *testing.T) {
	for _, mode := range append(writeModes, writeMode{"new", 0, false}) {
		t.Run(mode.name, func(t *testing.T) {
			old := runtime.GOMAXPROCS(0)
			defer runtime.GOMAXPROCS(old)
			clock := ring.NewManualClock()
			h := mode.make(clock.Clock)
			const writers, per = 6, 20000
			var want [NumBuckets]uint64
			var wantSum uint64
			vals := make([][]time.Duration, writers)
			for w := range vals {
				r := rand.New(rand.NewPCG(uint64(w), 9))
				vals[w] = make([]time.Duration, per)
				for k := range vals[w] {
					v := time.Duration(r.Uint64N(uint64(2 * time.Second)))
					vals[w][k] = v
					want[bucketOf(uint64(v))]++
					wantSum += uint64(v)
				}
			}
			var stop atomic.Bool
			var bg sync.WaitGroup
			bg.Go(func() { // the rotator, and a stalled one at times
				for i := 0; !stop.Load(); i++ {
					if i%5 == 0 {
						clock.Stall(ring.Tick)
					} else {
						clock.Advance(ring.Tick)
					}
					runtime.Gosched()
				}
			})
			bg.Go(func() { // GOMAXPROCS changes
				for i := 0; !stop.Load(); i++ {
					runtime.GOMAXPROCS(1 + i%4)
					time.Sleep(time.Millisecond)
				}
			})
			bg.Go(func() { // readers and the sampler
				var s Snapshot
				var last float64
				for !stop.Load() {
					h.Read(Second, &s)
					h.Read(Total, &s)
					if s.Count < last {
						t.Errorf("total went down: %v after %v", s.Count, last)
					}
					last = s.Count
					h.Sample()
				}
			})
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for _, v := range vals[w] {
						h.Record(v)
					}
				})
			}
			wg.Wait()
			stop.Store(true)
			bg.Wait()
			var s Snapshot
			h.Read(Total, &s)
			if s.Count != writers*per {
				t.Fatalf("count %v, want %d", s.Count, writers*per)
			}
			for i := range want {
				if uint64(s.Bucket(i)) != want[i] {
					t.Fatalf("bucket %d: %v, want %d", i, s.Bucket(i), want[i])
				}
			}
			if got := uint64(s.Sum*1e9 + 0.5); got != wantSum {
				t.Fatalf("sum %d ns, want %d", got, wantSum)
			}
			// The history adds up to the totals too, once sampled.
			h.Sample()
			var sampled uint64
			for _, in := range h.hist.blk {
				sampled += in.count
			}
			if h.hist.nblk < blocks && sampled != writers*per {
				t.Fatalf("history holds %d values, want %d", sampled, writers*per)
			}
			t.Logf("striped=%v missed from windows: %d", h.Striped(), h.Missed())
		})
	}
}

// TestStripesUnderContention: writers on several cores make a Histogram
// stripe.
func TestStripesUnderContention(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs")
	}
	old := runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))
	defer runtime.GOMAXPROCS(old)
	clock := ring.NewManualClock()
	h := newN(clock.Clock, 2)
	// On a loaded machine the two writers may seldom run at once: they
	// write until the Histogram stripes, or for at most 20 s.
	deadline := time.Now().Add(20 * time.Second)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for k := 0; !h.Striped(); k++ {
				h.Record(time.Duration(k))
				if k%(1<<16) == 0 && time.Now().After(deadline) {
					return
				}
			}
		})
	}
	wg.Wait()
	if !h.Striped() {
		t.Fatal("two writers on two cores did not make the Histogram stripe")
	}
	one := newN(clock.Clock, 2)
	for k := range 1 << 16 {
		one.Record(time.Duration(k))
	}
	if one.Striped() {
		t.Fatal("one writer made the Histogram stripe")
	}
}

// TestSaturate: a bucket of a slot that reaches 2^31 within one Tick moves
// 2^30 into the totals.
func TestSaturate(t *testing.T) {
	for _, striped := range []bool{false, true} {
		clock := ring.NewManualClock()
		h := newN(clock.Clock, runtime.GOMAXPROCS(0))
		if striped {
			h.striped.Store(1)
		}
		h.Record(time.Millisecond)
		i := index(uint64(time.Millisecond))
		for st := range h.cells {
			s := &h.cells[st].slots[clock.Epoch()%ring.Size]
			if s.b[i].Load() > 0 {
				s.b[i].Store(countHalf - 1)
			}
		}
		s := &h.base.slots[clock.Epoch()%ring.Size]
		if s.b[i].Load() > 0 {
			s.b[i].Store(countHalf - 1)
		}
		for range sampleEvery {
			h.Record(time.Millisecond)
		}
		snap := h.Snapshot(Total)
		if want := float64(countHalf - 1 + sampleEvery); snap.Count != want {
			t.Fatalf("striped=%v: total %v, want %v", striped, snap.Count, want)
		}
		sec := h.Snapshot(Second)
		if sec.Count >= countHalf || sec.Count < countCap {
			t.Fatalf("striped=%v: window %v not saturated in [2^30, 2^31)", striped, sec.Count)
		}
	}
}

func TestNilAndZero(t *testing.T) {
	var h *Histogram
	h.Record(time.Second)
	h.Sample()
	if s := h.Snapshot(Second); s.Count != 0 || h.Missed() != 0 || h.Striped() {
		t.Fatal("nil histogram reads values")
	}
	var z Histogram
	z.Record(time.Second)
	z.Sample()
	if s := z.Snapshot(Total); s.Count != 0 {
		t.Fatal("zero histogram reads values")
	}
}

// TestConcurrentWindow: writers on every mode record while the clock
// moves through nine Ticks, so that every value stays in the Second window
// at full weight: the window must hold exactly what was recorded, less the
// values Missed counts, bucket by bucket.
func TestConcurrentWindow(t *testing.T) {
	for _, mode := range writeModes {
		t.Run(mode.name, func(t *testing.T) {
			old := runtime.GOMAXPROCS(4)
			defer runtime.GOMAXPROCS(old)
			clock := ring.NewManualClock()
			h := mode.make(clock.Clock)
			const writers, per = 4, 20000
			var wg sync.WaitGroup
			var done atomic.Int32
			for w := range writers {
				wg.Go(func() {
					for k := range per {
						h.Record(time.Duration(1000 + (w*per+k)%5000*1000))
					}
					done.Add(1)
				})
			}
			var s, tot Snapshot
			for tick := 0; done.Load() < writers; tick++ {
				if tick < ring.N-1 {
					clock.Advance(ring.Tick)
				}
				h.Read(Second, &s)
				h.Read(Total, &tot)
				if s.Count > tot.Count {
					t.Fatalf("window %v above the total %v read after it", s.Count, tot.Count)
				}
				runtime.Gosched()
			}
			wg.Wait()
			h.Read(Second, &s)
			h.Read(Total, &tot)
			if tot.Count != writers*per {
				t.Fatalf("total %v, want %d", tot.Count, writers*per)
			}
			if s.Count+float64(h.Missed()) != tot.Count {
				t.Fatalf("window %v + missed %d != total %v", s.Count, h.Missed(), tot.Count)
			}
			if h.Missed() == 0 {
				for i := range NumBuckets {
					if s.Bucket(i) != tot.Bucket(i) {
						t.Fatalf("bucket %d: window %v, total %v", i, s.Bucket(i), tot.Bucket(i))
					}
				}
			}
			t.Logf("missed %d of %d", h.Missed(), writers*per)
		})
	}
}

// TestCarryConcurrent: writers in every mode add values of about 1 h to
// slots whose sum words start 2 s below sumHalf: the words are carried
// below sumHalf again, and the 128-bit total sum (the totals and every
// slot, carries included) equals what was recorded, exactly.
func TestCarryConcurrent(t *testing.T) {
	for _, mode := range writeModes {
		t.Run(mode.name, func(t *testing.T) {
			old := runtime.GOMAXPROCS(4)
			defer runtime.GOMAXPROCS(old)
			clock := ring.NewManualClock()
			h := mode.make(clock.Clock)
			var want [2]uint64 // low, high
			add := func(x uint64) {
				var c uint64
				want[0], c = bits.Add64(want[0], x, 0)
				want[1] += c
			}
			stripes := []*stripe{&h.base}
			for c := range h.cells {
				stripes = append(stripes, &h.cells[c])
			}
			e := clock.Epoch()
			for _, st := range stripes {
				s := &st.slots[e%ring.Size]
				s.tag.Store(e)
				s.sum.Store(sumHalf - 2e9)
				add(sumHalf - 2e9)
			}
			const writers, per = 4, 3000
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for k := range per {
						h.Record(time.Hour - time.Duration(w*per+k))
					}
				})
				for k := range per {
					add(uint64(time.Hour - time.Duration(w*per+k)))
				}
			}
			wg.Wait()
			got := [2]uint64{h.sumLo.Load(), h.sumHi.Load()}
			var carries uint64
			for _, st := range stripes {
				sums(st, &got)
				s := &st.slots[e%ring.Size]
				if x := s.sum.Load(); x >= sumHalf {
					t.Errorf("a slot's sum word holds %d, past 2^63", x)
				}
				carries += s.carries.Load()
			}
			if got != want || carries == 0 {
				t.Fatalf("sum %v, want %v; %d carries", got, want, carries)
			}
		})
	}
}

// TestHistorySaturates: a bucket that takes more than 2^32-1 values in one
// Sample interval (here 3 x 2^32 + 5 values of 1 ms, folded into the
// totals as cleared slots would be) counts 2^32-1 in that interval and
// moves the rest to the next ones; a block of ten intervals stops at
// 2^32-1. Every window's mean stays that of its values, 1 ms, and the
// totals keep every value.
func TestHistorySaturates(t *testing.T) {
	const n = 3<<32 + 5
	clock := ring.NewManualClock()
	h := New(clock.Clock)
	h.Record(time.Millisecond)
	i := index(uint64(time.Millisecond))
	h.begin()
	h.retired[i].Add(n)
	h.addSum(n * uint64(time.Millisecond))
	h.end()
	var got uint64
	for k := range 5 {
		clock.Advance(time.Second)
		h.Sample()
		s := h.Snapshot(LastInterval)
		got += uint64(s.Count)
		if s.Count > math.MaxUint32 || k < 3 && s.Count != math.MaxUint32 {
			t.Fatalf("interval %d: count %v", k, s.Count)
		}
		for _, w := range []Window{LastInterval, TenSeconds, Minute} {
			s := h.Snapshot(w)
			if e := math.Abs(float64(s.Mean-time.Millisecond)) / 1e6; s.Count > 0 && e > 0.0097 {
				t.Fatalf("%v after %d Samples: count %v, mean %v, want 1ms", w, k+1, s.Count, s.Mean)
			}
		}
	}
	if got != n+1 {
		t.Fatalf("the intervals hold %d values, want %d", got, n+1)
	}
	if s := h.Snapshot(Minute); s.Count != math.MaxUint32 {
		t.Fatalf("60s: count %v, want 2^32-1", s.Count)
	}
	if s := h.Snapshot(Total); s.Count != n+1 || s.Mean != time.Millisecond {
		t.Fatalf("total: count %v, mean %v", s.Count, s.Mean)
	}
}
