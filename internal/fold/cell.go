package fold

import (
	"runtime"
	"sync/atomic"
)

const (
	// N is the number of slots in one second, and Size the number of slots
	// in a ring: the N slots of the last second and the current one.
	N    = 10
	Size = N + 1

	// TagBits and CountBits split a slot word: the tag in the high bits,
	// the count in the low ones. See the package documentation.
	TagBits   = 28
	CountBits = 64 - TagBits
	// FastMax bounds the n of the fast paths: larger n take the
	// compare-and-swap path.
	FastMax = 1 << 16
	// Half is the count at which a slot is folded although its tag is
	// current, and Cap the count it keeps.
	Half = 1 << (CountBits - 1)
	Cap  = Half / 2

	tagMask   = 1<<TagBits - 1
	countMask = 1<<CountBits - 1
)

// Tag returns the tag of epoch.
func Tag(epoch uint64) uint64 { return epoch & tagMask }

// Ok reports whether v, a slot word after an add, is tagged with epoch
// and holds less than Half: the fast paths' one test.
func Ok(v, epoch uint64) bool {
	return v>>(CountBits-1) == (epoch&tagMask)<<1
}

// Cell is Size slot words and the retired total: 96 bytes. The zero Cell
// is empty. A Cell is used with a Guard, which several Cells may share.
type Cell struct {
	slot    [Size]atomic.Uint64
	retired atomic.Uint64
}

// Guard marks the folds in flight on the Cells that share it, so that
// readers can tell a consistent read from a torn one. Its word holds the
// number of folds in flight in the low guardBits bits and the number of
// folds ended above them. The zero Guard is ready to use.
type Guard struct {
	w atomic.Uint64
}

const (
	guardBits = 20
	guardMask = 1<<guardBits - 1
)

func (g *Guard) begin() { g.w.Add(1) }
func (g *Guard) end()   { g.w.Add(1<<guardBits - 1) }

// Add adds n to the slot of epoch with one atomic add: exact under any
// number of concurrent writers. It never blocks and never allocates.
// Callers whose own fast path must be inlined use Fast, Ok and Slow.
func (c *Cell) Add(g *Guard, epoch, n uint64) {
	var v uint64
	if n < FastMax {
		v = c.Fast(epoch%Size, n)
		if Ok(v, epoch) {
			return
		}
	}
	c.Slow(g, epoch, n, v)
}

// Fast adds n, which must be below FastMax, to the slot word of epoch,
// whose index is slot (epoch % Size), with one atomic add and returns the
// word after it. Unless Ok(v, epoch), the caller must finish with
// Slow(g, epoch, n, v).
func (c *Cell) Fast(slot, n uint64) uint64 {
	return c.slot[slot].Add(n)
}

// Slot returns the slot word of index slot (an epoch % Size), for an
// owner's inlined AddOwned.
func (c *Cell) Slot(slot uint64) *atomic.Uint64 {
	return &c.slot[slot]
}

// Word returns the slot word of epoch, as an atomic load.
func (c *Cell) Word(epoch uint64) uint64 {
	return c.slot[epoch%Size].Load()
}

// AddOwned adds n to the slot of epoch with a load and a StoreOwned. It is
// exact only while one goroutine at a time writes c (readers are free).
func (c *Cell) AddOwned(g *Guard, epoch, n uint64) {
	p := &c.slot[epoch%Size]
	v := p.Load() + n
	if n < FastMax && Ok(v, epoch) {
		StoreOwned(p, v)
		return
	}
	c.Slow(g, epoch, n, 0)
}

// newer reports whether tag a names a later epoch than tag b.
func newer(a, b uint64) bool {
	d := (a - b) & tagMask
	return d != 0 && d < 1<<(TagBits-1)
}

// Slow is the slow path of an add of n to the slot of epoch. If v is not
// zero, Fast already put n into the slot word and returned v; otherwise n
// is counted nowhere yet. Slow folds a stale slot into
// retired, or a slot that reached Half down to Cap, and makes sure that n
// is counted exactly once, in the slot of epoch unless a newer epoch took
// the slot over. It is lock-free: it retries only when another writer
// changed the slot word.
func (c *Cell) Slow(g *Guard, epoch, n, v uint64) {
	g.begin()
	p := &c.slot[epoch%Size]
	tagE := epoch & tagMask
	mine := v != 0 // our n sits in the slot word...
	tOld := (v - n) >> CountBits
	owe := false // ...or was moved into retired by another writer's fold
	for {
		cur := p.Load()
		vt, cnt := cur>>CountBits, cur&countMask
		if mine && vt != tOld {
			// The slot was folded (or reset) since our add: our n went
			// with its count.
			mine, owe = false, true
		}
		counted := mine || owe
		if vt != tagE && newer(vt, tagE) {
			// A later epoch owns the slot: ours is older than the
			// window. Count n in retired if it is counted nowhere.
			if !counted {
				c.retired.Add(n)
			}
			break
		}
		var want uint64 // the count the slot should hold
		switch {
		case vt != tagE:
			want = n // a fresh slot, with our n in it
		case mine:
			want = cnt
		default:
			want = cnt + n
			if want < cnt {
				want = Half // wrapped: saturate below
			}
		}
		if want >= Half {
			want = Cap
		}
		if vt == tagE && want == cnt {
			// Current and below Half, or saturated: nothing to fold.
			if !counted {
				c.retired.Add(n)
			}
			break
		}
		if p.CompareAndSwap(cur, tagE<<CountBits|want) {
			// The slots changed by want-cnt; the total must change by n
			// if n was counted nowhere, else not at all.
			var d uint64
			if !counted {
				d = n
			}
			if r := d - (want - cnt); r != 0 {
				c.retired.Add(r)
			}
			break
		}
	}
	g.end()
}

// ReadInto adds to s the counts of the Size epochs ending at epoch, oldest
// first (s[0] gets epoch-N and s[N] epoch itself; slots tagged with other
// epochs count as zero), and returns the total of c. The total and the
// window are read at one instant between folds.
func (c *Cell) ReadInto(g *Guard, epoch uint64, s *[Size]uint64) (total uint64) {
	var w [Size]uint64
	t := c.Read(g, epoch, &w)
	for k := range s {
		s[k] += w[k]
	}
	return t
}

// Read is ReadInto for a reader whose s needs no adding to: it stores the
// window of epoch into s, whatever s held, and returns the total. It reads
// the slot words once, straight into s, unless a fold runs meanwhile.
func (c *Cell) Read(g *Guard, epoch uint64, s *[Size]uint64) (total uint64) {
	for try := 0; ; try++ {
		*s = [Size]uint64{}
		if t, ok := c.TryReadInto(g, epoch, s); ok {
			return t
		}
		// A fold is in flight: it is a few instructions, unless its
		// goroutine was preempted.
		if try >= 4 {
			runtime.Gosched()
		}
	}
}

// TryReadInto is one try of ReadInto, for readers that sum many Cells: it
// adds the window of epoch to s and returns the total, with ok, when no
// fold ran on g while it read (the guard word was the same, with no fold
// in flight, before and after). When !ok, what it added to s is torn: the
// caller must discard s and read again.
func (c *Cell) TryReadInto(g *Guard, epoch uint64, s *[Size]uint64) (total uint64, ok bool) {
	g0 := g.w.Load()
	if g0&guardMask != 0 {
		return 0, false
	}
	t := c.retired.Load()
	// s[k] gets epoch first+k, whose slot is (first+k)%Size: the slots
	// from first's to the last, then from the first to first's. Two runs
	// without a division or a wrap test per slot.
	first := epoch - N
	i0 := first % Size
	tag := first & tagMask
	src, dst := c.slot[i0:], s[:Size-i0]
	for k := range dst {
		x := src[k].Load()
		n := x & countMask
		t += n
		if x>>CountBits == (tag+uint64(k))&tagMask {
			dst[k] += n
		}
	}
	tag += Size - i0
	dst = s[Size-i0:]
	src = c.slot[:len(dst)]
	for k := range dst {
		x := src[k].Load()
		n := x & countMask
		t += n
		if x>>CountBits == (tag+uint64(k))&tagMask {
			dst[k] += n
		}
	}
	return t, g.w.Load() == g0
}

// Total returns the total of c, read between folds.
func (c *Cell) Total(g *Guard) uint64 {
	var v [Size]uint64
	t := c.load(g, &v)
	for _, x := range v {
		t += x & countMask
	}
	return t
}

// load copies the slot words of c into v and returns retired, all read at
// one instant between folds: the Guard is the same, with no fold in
// flight, before and after the loads. A reader retries only when a fold
// ran meanwhile.
func (c *Cell) load(g *Guard, v *[Size]uint64) uint64 {
	for try := 0; ; try++ {
		g0 := g.w.Load()
		if g0&guardMask == 0 {
			r := c.retired.Load()
			for i := range v {
				v[i] = c.slot[i].Load()
			}
			if g.w.Load() == g0 {
				return r
			}
		}
		// A fold is in flight: it is a few instructions, unless its
		// goroutine was preempted.
		if try >= 4 {
			runtime.Gosched()
		}
	}
}

// Reset empties c and returns the total it held. An Add racing with Reset
// is counted either in the returned total or after it, never lost or
// twice; a racing add may survive in the window. Reset must not run
// beside AddOwned.
func (c *Cell) Reset(g *Guard) uint64 {
	g.begin()
	var t uint64
	for i := range c.slot {
		t += c.slot[i].Swap(0) & countMask
	}
	t += c.retired.Swap(0)
	g.end()
	return t
}

// Clear empties c for reuse, for instance by a recycled connection. Unlike
// Reset it returns nothing and leaves readers and racing writers on their
// own: use it only on a Cell that nobody reads.
func (c *Cell) Clear() {
	for i := range c.slot {
		c.slot[i].Store(0)
	}
	c.retired.Store(0)
}
