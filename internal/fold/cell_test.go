package fold

import (
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

func TestCellSize(t *testing.T) {
	if s := unsafe.Sizeof(Cell{}); s != 96 {
		t.Fatalf("Cell is %d bytes, want 96", s)
	}
}

// window returns the window of epoch and the total of c.
func window(c *Cell, g *Guard, epoch uint64) ([Size]uint64, uint64) {
	var s [Size]uint64
	t := c.SumInto(g, epoch, &s)
	return s, t
}

func TestFoldStaleSlot(t *testing.T) {
	var c Cell
	var g Guard
	const e = 100
	c.Add(&g, e, 5)
	c.AddOwned(&g, e+1, 7)
	c.Add(&g, e+Size, 3) // same slot as e, a turn later: folds the 5
	s, total := window(&c, &g, e+Size)
	if total != 15 || s[N] != 3 || s[N-Size+1] != 7 || c.retired.Load() != 5 {
		t.Fatalf("window %v total %d retired %d", s, total, c.retired.Load())
	}
	// Late writers of epoch e find the slot taken by e+Size: the atomic
	// add stays in the newer slot, the owned one counts in the total only.
	c.Add(&g, e, 2)
	c.AddOwned(&g, e, 4)
	s, total = window(&c, &g, e+Size)
	if total != 21 || s[N] != 5 {
		t.Fatalf("late writer: window %v total %d", s, total)
	}
}

// TestFoldOwe replays the race of two writers that both add into a stale
// slot word: the first to fold moves the other's n into retired, and the
// other must move it back into the window, so that both count once, in
// the window as in the total.
func TestFoldOwe(t *testing.T) {
	var c Cell
	var g Guard
	const e = 100
	c.Add(&g, e, 10)
	p := &c.slot[(e+Size)%Size]
	va := p.Add(1) // writer A's add, stale tag
	vb := p.Add(2) // writer B's add, stale tag
	if current(va, e+Size) || current(vb, e+Size) {
		t.Fatal("the adds should see a stale tag")
	}
	c.Slow(&g, e+Size, 2, vb) // B folds first: keeps its 2, retires 10+1
	c.Slow(&g, e+Size, 1, va) // A finds its 1 retired: moves it back
	s, total := window(&c, &g, e+Size)
	if total != 13 || s[N] != 3 || c.retired.Load() != 10 {
		t.Fatalf("window %v total %d retired %d, want 13, slot 3, retired 10", s, total, c.retired.Load())
	}
}

func TestFoldAtHalf(t *testing.T) {
	var c Cell
	var g Guard
	const e = 100
	c.Add(&g, e, Half-1)
	c.Add(&g, e, 1) // reaches Half: folded down to Cap
	s, total := window(&c, &g, e)
	if total != Half || s[N] != Cap {
		t.Fatalf("window %d total %d, want %d and %d", s[N], total, uint64(Cap), uint64(Half))
	}
	c.Add(&g, e, math.MaxUint64-Half) // n over any count: CAS path, saturated window
	if _, total = window(&c, &g, e); total != math.MaxUint64 {
		t.Fatalf("total %d, want %d", total, uint64(math.MaxUint64))
	}
}

// reset is a Reset of c through b at epoch, as ring.Window and
// shard.Counter do it.
func reset(c *Cell, g *Guard, b *Baseline, epoch uint64) uint64 {
	b.Lock()
	var s [Size]uint64
	t := c.Load(g, epoch, &s)
	return b.Move(epoch, &s, t)
}

// since reads c's total and window of epoch since the last Reset on b.
func since(c *Cell, g *Guard, b *Baseline, epoch uint64) ([Size]uint64, uint64) {
	for {
		var s [Size]uint64
		q := b.Begin()
		t := b.Since(q, epoch, &s, c.Load(g, epoch, &s))
		if b.Valid(q) {
			return s, t
		}
	}
}

func TestBaselineReset(t *testing.T) {
	var c Cell
	var g Guard
	var b Baseline
	c.Add(&g, 100, 5)
	c.Add(&g, 100+Size, 6)
	if r := reset(&c, &g, &b, 100+Size); r != 11 {
		t.Fatalf("Reset %d, want 11", r)
	}
	c.Add(&g, 100+Size, 1)
	if s, total := since(&c, &g, &b, 100+Size); total != 1 || s != [Size]uint64{N: 1} {
		t.Fatalf("after Reset: window %v total %d", s, total)
	}
	// The next epoch's window still holds the Reset's slot but not what it
	// removed; two seconds later the baseline overlaps nothing.
	c.Add(&g, 101+Size, 2)
	if s, total := since(&c, &g, &b, 101+Size); total != 3 || s[N] != 2 || s[N-1] != 1 {
		t.Fatalf("next epoch: window %v total %d", s, total)
	}
	if r := reset(&c, &g, &b, 200); r != 3 {
		t.Fatalf("second Reset %d, want 3", r)
	}
	if r := reset(&c, &g, &b, 200); r != 0 {
		t.Fatalf("third Reset %d, want 0", r)
	}
}

// TestConcurrentFolds runs shared writers through many turns of the ring,
// with readers that check that the total never goes down, and Resets:
// every event must be counted once.
func TestConcurrentFolds(t *testing.T) {
	var c Cell
	var g Guard
	var b Baseline
	var epoch atomic.Uint64
	epoch.Store(Size)
	const writers, per = 8, 30000
	stop := make(chan struct{})
	var removed atomic.Uint64
	var bg sync.WaitGroup
	bg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				epoch.Add(1)
			}
		}
	})
	bg.Go(func() {
		var last uint64
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%200 == 199 {
				r := reset(&c, &g, &b, epoch.Load())
				if int64(r) < 0 {
					t.Errorf("Reset returned %d (int64 %d)", r, int64(r))
					return
				}
				removed.Add(r)
				last = 0
				continue
			}
			// Between Resets (this goroutine's own), totals never go down.
			if _, tot := since(&c, &g, &b, epoch.Load()); tot < last {
				t.Errorf("total went down: %d after %d", tot, last)
				return
			} else {
				last = tot
			}
		}
	})
	var wg sync.WaitGroup
	var want atomic.Uint64
	for w := range writers {
		wg.Go(func() {
			var mine uint64
			for i := range per {
				n := uint64(1 + (i+w)%5)
				if i%1000 == 0 {
					n = FastMax + 1 // the CAS path
				}
				c.Add(&g, epoch.Load(), n)
				mine += n
			}
			want.Add(mine)
		})
	}
	wg.Wait()
	close(stop)
	bg.Wait()
	if _, tot := since(&c, &g, &b, epoch.Load()); removed.Load()+tot != want.Load() {
		t.Fatalf("counted %d, want %d", removed.Load()+tot, want.Load())
	}
	if got := c.Total(&g); got != want.Load() {
		t.Fatalf("counted %d, want %d", got, want.Load())
	}
}

// TestOwnedWriterAndReaders: one owner writes with AddOwned through many
// turns of the ring while readers check that the total never goes down.
func TestOwnedWriterAndReaders(t *testing.T) {
	var c Cell
	var g Guard
	stop := make(chan struct{})
	var bg sync.WaitGroup
	for range 2 {
		bg.Go(func() {
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				tot := c.Total(&g)
				if tot < last {
					t.Errorf("total went down: %d after %d", tot, last)
					return
				}
				last = tot
			}
		})
	}
	var want uint64
	for i := range 200000 {
		n := uint64(1 + i%7)
		c.AddOwned(&g, Size+uint64(i/100), n)
		want += n
	}
	close(stop)
	bg.Wait()
	if got := c.Total(&g); got != want {
		t.Fatalf("total %d, want %d", got, want)
	}
}

// TestReadWindowEveryOffset writes a known count into each of the Size
// epochs ending at e, for every e%Size (so every split of the ring into
// SumInto's two runs), plus a stale slot, and checks where each lands.
func TestReadWindowEveryOffset(t *testing.T) {
	for e := uint64(Size + N); e < Size+N+2*Size; e++ {
		var c Cell
		var g Guard
		c.Add(&g, e-N-1, 1000) // stale by the read: total only
		for k := range uint64(Size) {
			c.Add(&g, e-N+k, 1+k)
		}
		var add, got [Size]uint64
		add[0] = 7
		tot := c.SumInto(&g, e, &add)
		tot2 := c.Load(&g, e, &got)
		add[0] -= 7
		for k := range got {
			if got[k] != uint64(1+k) || add[k] != got[k] {
				t.Fatalf("e%%Size=%d: Load %v, SumInto onto [7 0 ...] %v", e%Size, got, add)
			}
		}
		if want := uint64(1000 + Size*(Size+1)/2); tot != want || tot2 != want || c.Total(&g) != want {
			t.Fatalf("e%%Size=%d: totals %d %d %d, want %d", e%Size, tot, tot2, c.Total(&g), want)
		}
	}
}

// TestTrySumIntoSeesFolds: a read during a fold in flight is not ok; one
// between folds is. (TestReadersDuringFolds has reads across folds.)
func TestTrySumIntoSeesFolds(t *testing.T) {
	var c Cell
	var g Guard
	c.Add(&g, Size, 5)
	var s [Size]uint64
	if tot, ok := c.TrySumInto(&g, Size, &s); !ok || tot != 5 || s[N] != 5 {
		t.Fatalf("between folds: %d %v %v", tot, ok, s)
	}
	g.begin()
	if _, ok := c.TrySumInto(&g, Size, &s); ok {
		t.Fatal("read during a fold in flight is ok")
	}
	g.end()
	if _, ok := c.TrySumInto(&g, Size, &s); !ok {
		t.Fatal("read after the fold ended is not ok")
	}
}

// TestReadersDuringFolds: writers fold slots through many turns of the
// ring while readers read windows: every read's total never goes down
// and its window never holds more than the total.
func TestReadersDuringFolds(t *testing.T) {
	var c Cell
	var g Guard
	var epoch atomic.Uint64
	epoch.Store(Size)
	stop := make(chan struct{})
	var bg sync.WaitGroup
	for r := range 2 {
		bg.Go(func() {
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				var s [Size]uint64
				var tot uint64
				if r == 0 {
					tot = c.Load(&g, epoch.Load(), &s)
				} else {
					tot = c.SumInto(&g, epoch.Load(), &s)
				}
				var w uint64
				for _, v := range s {
					w += v
				}
				if tot < last || w > tot {
					t.Errorf("total %d after %d, window %d", tot, last, w)
					return
				}
				last = tot
			}
		})
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 50000 {
				if i%500 == 0 {
					epoch.Add(1)
				}
				c.Add(&g, epoch.Load(), 1)
			}
		})
	}
	wg.Wait()
	close(stop)
	bg.Wait()
	if got := c.Total(&g); got != 4*50000 {
		t.Fatalf("total %d, want %d", got, 4*50000)
	}
}

// TestEmptyWordIsNoLaterEpoch: the empty words of a new Cell stand for
// epochs that may look later than the writer's (slot 3's zero word for
// epoch 2^28, before it). Writers that race into such a word, by the
// atomic and by the owned path, must count in the window of their epoch.
func TestEmptyWordIsNoLaterEpoch(t *testing.T) {
	for _, e := range []uint64{1<<28 - 11*3, 1<<28 - Size*1000, 3<<26 + 3 - (3<<26)%Size, 1<<29 + 1<<28 - 11*4 + 6 - (1<<29+1<<28-11*4)%Size} {
		for _, n := range []uint64{1, 2, FastMax, 1 << 20} {
			for order := range 2 {
				// Writers A (adds 1) and B (adds n) both add to the
				// empty word, then fold, in either order.
				var c Cell
				var g Guard
				p := &c.slot[e%Size]
				va := p.Add(1)
				var vb uint64
				if n < FastMax {
					vb = p.Add(n)
				}
				if order == 0 {
					c.Slow(&g, e, n, vb)
					c.Slow(&g, e, 1, va)
				} else {
					c.Slow(&g, e, 1, va)
					c.Slow(&g, e, n, vb)
				}
				if s, total := window(&c, &g, e); total != n+1 || s[N] != n+1 {
					t.Errorf("epoch %d (slot %d), n %d, order %d: window %v total %d, want %d in both", e, e%Size, n, order, s, total, n+1)
				}
			}
			var d, f Cell
			var g Guard
			d.AddOwned(&g, e, n) // an owned writer
			d.AddOwned(&g, e, 7)
			f.Add(&g, e, 1) // atomic writers, one after the other
			f.Add(&g, e, n)
			if s, total := window(&d, &g, e); total != n+7 || s[N] != n+7 {
				t.Errorf("epoch %d (slot %d), owned n %d: window %v total %d, want %d in both", e, e%Size, n, s, total, n+7)
			}
			if s, total := window(&f, &g, e); total != n+1 || s[N] != n+1 {
				t.Errorf("epoch %d (slot %d), n %d: window %v total %d, want %d in both", e, e%Size, n, s, total, n+1)
			}
		}
	}
}

// TestIdleWordIsOlder: a slot word left by an epoch more than 2^27 ticks
// (half the tag space) back is older, not later: a writer folds it and
// counts in its own epoch's window. A word a few turns of the ring later
// than the writer's epoch (less than 2^27 ticks) is a later one: the
// late writer leaves it.
func TestIdleWordIsOlder(t *testing.T) {
	const e0 = 1000
	for _, turns := range []uint64{1, 1 << 20, (1<<27)/Size + 1, (1 << 28) / Size, (1<<28)/Size + 1, 3 << 26, 9 << 28 / Size} {
		for _, owned := range []bool{false, true} {
			var c Cell
			var g Guard
			c.Add(&g, e0, 4)
			e := e0 + turns*Size
			if owned {
				c.AddOwned(&g, e, 3)
			} else {
				c.Add(&g, e, 3)
			}
			c.Add(&g, e, 2)
			if s, total := window(&c, &g, e); total != 9 || s[N] != 5 {
				t.Errorf("idle %d turns, owned %v: window %v total %d, want 5 of 9", turns, owned, s, total)
			}
			if turns*Size >= 1<<27 {
				continue // later than any late writer
			}
			// A writer of e0 that comes late, by turns: it leaves e's word.
			c.Add(&g, e0, 1)
			c.AddOwned(&g, e0, 1<<20)
			if s, total := window(&c, &g, e); total != 10+1<<20 || s[N] != 6 {
				t.Errorf("late writer by %d turns: window %v total %d, want 6 of %d", turns, s, total, 10+1<<20)
			}
		}
	}
}
