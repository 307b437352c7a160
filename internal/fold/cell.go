package fold

import (
	"runtime"
	"sync/atomic"

	"github.com/hitrate/hitrate/internal/owned"
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

// current reports whether v, a slot word after an add, is tagged with
// epoch and holds less than Half: the fast paths' one test.
func current(v, epoch uint64) bool {
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
// Callers whose own fast path must be inlined write it as Add does:
//
//	if v, ok := c.Fast(epoch, slot, n); !ok {
//		c.Slow(g, epoch, n, v)
//	}
func (c *Cell) Add(g *Guard, epoch, n uint64) {
	if v, ok := c.Fast(epoch, epoch%Size, n); !ok {
		c.Slow(g, epoch, n, v)
	}
}

// Fast is the fast path of an add of n to the slot of epoch, whose index
// is slot (epoch % Size): for n below FastMax, one atomic add on the slot
// word, which it returns as v. It reports ok when the add is complete: the
// word was tagged with epoch and holds less than Half. Otherwise the
// caller must finish with Slow(g, epoch, n, v). Fast is small enough to
// be inlined into its callers.
func (c *Cell) Fast(epoch, slot, n uint64) (v uint64, ok bool) {
	if n >= FastMax {
		return 0, false // Slow adds it
	}
	v = c.slot[slot].Add(n)
	return v, current(v, epoch)
}

// Word returns the slot word of epoch, as an atomic load.
func (c *Cell) Word(epoch uint64) uint64 {
	return c.slot[epoch%Size].Load()
}

// AddOwned adds n to the slot of epoch with a load and an owned.Store64. It is
// exact only while one goroutine at a time writes c (readers are free).
// Callers whose own fast path must be inlined write it as AddOwned does,
// with FastOwned and SlowOwned.
func (c *Cell) AddOwned(g *Guard, epoch, n uint64) {
	if !c.FastOwned(epoch, epoch%Size, n) {
		c.SlowOwned(g, epoch, n)
	}
}

// FastOwned is the fast path of AddOwned: for n below FastMax, a load and
// an owned.Store64 of the slot word of epoch, whose index is slot. It reports
// whether it added n; if not, n is counted nowhere yet, and the caller
// must finish with SlowOwned(g, epoch, n).
func (c *Cell) FastOwned(epoch, slot, n uint64) bool {
	p := &c.slot[slot]
	v := p.Load() + n
	if n < FastMax && current(v, epoch) {
		owned.Store64(p, v)
		return true
	}
	return false
}

// newer reports whether a slot word tagged a, found by a writer of the
// epoch tagged b in that epoch's slot, counts a later epoch than b's: one
// less than 2^27 ticks later (a writer that loaded its epoch that long
// ago). The word's epoch is in the same slot, so it differs from b's by a
// multiple of Size: a tag less than 2^27 ahead by any other difference is
// an old word, idle for longer than 2^27 ticks (about 155 days), not a
// later one. Only a slot idle for less than a multiple of Size*2^28 ticks
// (about 9.4 years) by under 2^27 ticks is taken for a later one.
func newer(a, b uint64) bool {
	d := (a - b) & tagMask
	return d != 0 && d < 1<<(TagBits-1) && d%Size == 0
}

// Slow finishes an add of n to the slot of epoch whose Fast returned v
// and false. Whether n is already in the slot word follows from n alone:
// Fast added it if n < FastMax (and v is the word after its add), and
// added nothing otherwise. No value of v stands for "not added": every
// word, the zero word included, is a valid word at some epoch (at an
// epoch whose tag is 0, the zero word is that epoch's empty slot).
func (c *Cell) Slow(g *Guard, epoch, n, v uint64) {
	c.slow(g, epoch, n, v, n < FastMax)
}

// SlowOwned finishes an AddOwned of n to the slot of epoch whose FastOwned
// returned false: n is counted nowhere yet.
func (c *Cell) SlowOwned(g *Guard, epoch, n uint64) {
	c.slow(g, epoch, n, 0, false)
}

// slow is the slow path of an add of n to the slot of epoch. If mine,
// Fast already put n into the slot word and returned v; otherwise n is
// counted nowhere yet. slow folds a stale slot into retired, or a slot
// that reached Half down to Cap, and makes sure that n is counted exactly
// once, in the slot of epoch unless a newer epoch took the slot over. It
// is lock-free: it retries only when another writer changed the slot
// word.
//
// A writer whose n sits in a word tells whether the word was folded since
// its add by the word's tag: a fold retags the word, or keeps a current
// tag and Cap of its count, so an n that was in the word is counted either
// in the word or in retired. Nothing else writes a Cell's words while
// writers may run (Clear is for a Cell that nobody writes), so a tag that
// is the same as at the add means the add's n is still counted where the
// word is. (A Reset that zeroed the words under running writers broke
// that: a word zeroed, then added to again, looked unfolded, and a
// writer moved an n that was no longer there. Resets therefore never
// write a Cell: see Baseline.)
func (c *Cell) slow(g *Guard, epoch, n, v uint64, mine bool) {
	g.begin()
	p := &c.slot[epoch%Size]
	tagE := epoch & tagMask
	tOld := (v - n) >> CountBits // if mine, the tag our n was added under
	owe := false                 // ...or was moved into retired by another writer's fold
	for {
		cur := p.Load()
		vt, cnt := cur>>CountBits, cur&countMask
		if mine && vt != tOld {
			// The slot was folded (or reset) since our add: our n went
			// with its count.
			mine, owe = false, true
		}
		counted := mine || owe
		// A word tagged 0 is older than ours, never later: it is (or
		// began as) the empty word of a new or cleared Cell, whose tag
		// may look later than ours (slot 3's stands for epoch 2^28).
		// Only a writer that loaded its epoch late, just before an epoch
		// whose tag is 0, takes that epoch's word for an older one: the
		// events of that slot so far leave the window, not the total.
		if vt != tagE && vt != 0 && newer(vt, tagE) {
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

// SumInto adds to s the counts of the Size epochs ending at epoch, oldest
// first (s[0] gets epoch-N and s[N] epoch itself; slots tagged with other
// epochs count as zero), and returns the total of c. The total and the
// window are read at one instant between folds.
func (c *Cell) SumInto(g *Guard, epoch uint64, s *[Size]uint64) (total uint64) {
	var w [Size]uint64
	t := c.Load(g, epoch, &w)
	for k := range s {
		s[k] += w[k]
	}
	return t
}

// Load is SumInto for a reader whose s needs no adding to: it stores the
// window of epoch into s, whatever s held, and returns the total. It reads
// the slot words once, straight into s, unless a fold runs meanwhile.
func (c *Cell) Load(g *Guard, epoch uint64, s *[Size]uint64) (total uint64) {
	for try := 0; ; try++ {
		*s = [Size]uint64{}
		if t, ok := c.TrySumInto(g, epoch, s); ok {
			return t
		}
		// A fold is in flight: it is a few instructions, unless its
		// goroutine was preempted.
		if try >= 4 {
			runtime.Gosched()
		}
	}
}

// TrySumInto is one try of SumInto, for readers that sum many Cells: it
// adds the window of epoch to s and returns the total, with ok, when no
// fold ran on g while it read (the guard word was the same, with no fold
// in flight, before and after). When !ok, what it added to s is torn: the
// caller must discard s and read again.
func (c *Cell) TrySumInto(g *Guard, epoch uint64, s *[Size]uint64) (total uint64, ok bool) {
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

// Clear empties c for reuse, for instance by a recycled connection. It
// leaves readers and racing writers on their own: use it only on a Cell
// that nobody reads and whose writers are gone. A writer that still
// finishes an add begun before Clear may leave its n in the cleared Cell,
// as if it had added after Clear (its n in the window, the total or both).
func (c *Cell) Clear() {
	for i := range c.slot {
		c.slot[i].Store(0)
	}
	c.retired.Store(0)
}
