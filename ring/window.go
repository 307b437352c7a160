package ring

import "sync/atomic"

const (
	tagShift  = 32
	countMask = 1<<tagShift - 1
)

// Window is the ring of Size epoch-tagged slots behind every counter in
// hitrate. Each slot packs the low 32 bits of the epoch it counts (its tag)
// and a 32-bit count into one atomic word, so a slot left over from an older
// turn of the ring is recognised by its tag and read as zero: rotation never
// has to visit a Window, and slots that a late or stalled rotator skipped
// never show stale counts.
//
// A slot saturates at 2^32-1 events per Tick; totals are kept elsewhere
// and never saturate.
//
// The zero Window is empty and ready to use. Most users want Counter or
// shard.Counter, which pair a Window with an exact total.
type Window struct {
	s [Size]atomic.Uint64
}

func pack(epoch, n uint64) uint64 {
	if n > countMask {
		n = countMask
	}
	return uint64(uint32(epoch))<<tagShift | n
}

// Add adds n to the slot of epoch. It is wait-free and does not allocate,
// but it is a load and a StoreOwned: it is exact only while one goroutine
// at a time writes to w (a per-connection counter, or a per-P shard).
func (w *Window) Add(epoch, n uint64) {
	p := &w.s[epoch%Size]
	old := p.Load()
	if old>>tagShift != uint64(uint32(epoch)) {
		old = uint64(uint32(epoch)) << tagShift
	}
	c := old&countMask + n
	if c > countMask || c < n {
		c = countMask
	}
	StoreOwned(p, old&^countMask|c)
}

// AddShared adds n to the slot of epoch like Add, but with compare-and-swap,
// so it is exact under any number of concurrent writers. It is lock-free and
// does not allocate.
func (w *Window) AddShared(epoch, n uint64) {
	p := &w.s[epoch%Size]
	for {
		old := p.Load()
		var next uint64
		if old>>tagShift == uint64(uint32(epoch)) {
			c := old&countMask + n
			if c > countMask || c < n {
				c = countMask
			}
			next = old&^countMask | c
		} else {
			next = pack(epoch, n)
		}
		if p.CompareAndSwap(old, next) {
			return
		}
	}
}

// ReadInto adds to s the counts of the Size epochs ending at epoch, oldest
// first: s[0] gets epoch-N and s[N] gets epoch itself. Slots whose tag names
// another epoch count as zero.
func (w *Window) ReadInto(epoch uint64, s *Slots) {
	first := epoch - N
	for k := range s {
		j := first + uint64(k)
		v := w.s[j%Size].Load()
		if v>>tagShift == uint64(uint32(j)) {
			s[k] += v & countMask
		}
	}
}

// Clear empties every slot. A write racing with Clear may survive it.
func (w *Window) Clear() {
	for i := range w.s {
		w.s[i].Store(0)
	}
}
