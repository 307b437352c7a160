package keyed

import (
	"math/bits"
	"sync/atomic"
	"unsafe"
)

// index maps keys to their entries: an open-addressing hash table with
// linear probing, of a fixed power-of-two size of at least twice the
// Table's capacity (so at most half full), read without locks and written
// only under Table.mu.
//
// A slot holds the key's hash (with its low bit set, so never 0 or tomb)
// and its entry. A reader loads the hash, and on a match the entry, and
// compares the entry's key, which never changes: a slot reused meanwhile
// fails the compare. An insertion stores the entry before the hash, so a
// reader that sees the hash sees the entry.
//
// A deletion shifts the entries after the deleted one back toward their
// home slots (Knuth's algorithm R), so that the index never fills with
// deleted slots and never needs a rebuild: it marks the hole tomb, which
// readers probe past, copies each entry that moves into the hole before
// marking its old slot tomb, and empties the last hole. So a key is
// always in some slot a reader has not passed, except that a reader which
// passed a key's new slot before the copy and reaches its old one after
// it misses the key. seq tells such readers: it is odd while a deletion
// runs and counts deletions, and a reader whose miss overlapped one looks
// again (see get).
type index[K Key] struct {
	slots []islot[K]
	mask  uint64
	shift uint8 // 64 - log2(len(slots)): a hash's home slot is in its top bits
	live  int   // under Table.mu
	_     [64 - 48]byte
	seq   atomic.Uint64 // on a line of its own: written by every eviction
}

type islot[K Key] struct {
	hash atomic.Uint64
	e    atomic.Pointer[entry[K]]
}

const tomb = 2 // the hash of a slot that a deletion is moving; live hashes are odd

func newIndex[K Key](capacity int) *index[K] {
	b := bits.Len(uint(2*capacity - 1)) // 2*capacity rounded up to a power of two
	n := 1 << b
	return &index[K]{slots: make([]islot[K], n), mask: uint64(n - 1), shift: uint8(64 - b)}
}

// home returns the home slot of hash h: its top bits, not its low bit,
// which is always set.
func (ix *index[K]) home(h uint64) uint64 {
	return h >> (ix.shift & 63) // the mask spares the compiler a test of shifts over 63
}

// find returns the entry of key, whose hash is h, or nil. Without
// Table.mu, a nil may be wrong while a deletion runs: see seq.
func (ix *index[K]) find(key K, h uint64) *entry[K] {
	return ix.findTouch(key, h, 0, 0)
}

// findTouch is find for a caller that reads the words at offsets a and b
// of the entry it finds (its cell's lines): it loads them before it
// compares the key, so that the misses on the key's line and on the
// cell's lines overlap instead of following each other. The loads are
// harmless on an entry of another key: every entry is a whole etype.
func (ix *index[K]) findTouch(key K, h uint64, a, b uintptr) *entry[K] {
	for i := ix.home(h); ; i = (i + 1) & ix.mask {
		s := &ix.slots[i]
		switch x := s.hash.Load(); x {
		case 0:
			return nil
		case h:
			// e is nil if a deletion emptied the slot since the load of
			// its hash.
			if e := s.e.Load(); e != nil {
				touch(e, a)
				touch(e, b)
				if e.key == key {
					return e
				}
			}
		}
	}
}

// touch loads the word at offset off of e, so that its line is on its way
// to the cache by the time it is needed. The load is atomic so that the
// compiler keeps it.
func touch[K Key](e *entry[K], off uintptr) {
	(*atomic.Uint64)(unsafe.Add(unsafe.Pointer(e), off)).Load()
}

// get is find for a reader without Table.mu: it returns the entry of key,
// or nil, with ok; or !ok if three misses in a row each overlapped a
// deletion, which may have moved the key past the probe.
func (ix *index[K]) get(key K, h uint64, a, b uintptr) (e *entry[K], ok bool) {
	for range 3 {
		s := ix.seq.Load()
		if e := ix.findTouch(key, h, a, b); e != nil {
			return e, true
		}
		if s&1 == 0 && ix.seq.Load() == s {
			return nil, true
		}
	}
	return nil, false
}

// put stores e, whose key is absent, in the first empty slot of its probe
// sequence. The caller holds Table.mu.
func (ix *index[K]) put(e *entry[K]) {
	for i := ix.home(e.hash); ; i = (i + 1) & ix.mask {
		s := &ix.slots[i]
		if s.hash.Load() == 0 {
			s.e.Store(e)
			s.hash.Store(e.hash)
			ix.live++
			return
		}
	}
}

// remove deletes e, which is present, and shifts the entries after it
// back. The caller holds Table.mu.
func (ix *index[K]) remove(e *entry[K]) {
	ix.seq.Add(1)
	i := ix.home(e.hash)
	for ix.slots[i].e.Load() != e || ix.slots[i].hash.Load() != e.hash {
		i = (i + 1) & ix.mask
	}
	ix.slots[i].hash.Store(tomb)
	for j := (i + 1) & ix.mask; ; j = (j + 1) & ix.mask {
		sj := &ix.slots[j]
		h := sj.hash.Load()
		if h == 0 {
			break
		}
		// The entry at j moves to the hole i unless its home slot lies
		// after i, up to j (cyclically).
		if home := ix.home(h); (j-home)&ix.mask >= (j-i)&ix.mask {
			si := &ix.slots[i]
			si.e.Store(sj.e.Load())
			si.hash.Store(h)
			sj.hash.Store(tomb)
			i = j
		}
	}
	ix.slots[i].hash.Store(0)
	ix.slots[i].e.Store(nil)
	ix.live--
	ix.seq.Add(1)
}
