package keyed

import (
	"math/bits"
	"sync/atomic"
)

// index maps keys to their entries: an open-addressing hash table with
// linear probing, of a fixed power-of-two size of at least twice the
// Table's capacity, read without locks and written only under Table.mu.
//
// A slot holds the key's hash (with its low bit set, so never 0 or tomb)
// and its entry. A reader loads the hash, and on a match the entry, and
// compares the entry's key, which never changes: a slot reused meanwhile
// fails the compare. An insertion stores the entry before the hash, so a
// reader that sees the hash sees the entry. A deletion stores tomb, which
// readers probe past. Slots never go back to empty: when live keys and
// tombs fill three quarters of the slots, the writer builds a new index
// and swaps it in, so at least a quarter of any index's slots are empty
// and every probe ends.
type index[K Key] struct {
	slots []islot[K]
	mask  uint64
	live  int // under Table.mu
	tombs int // under Table.mu
}

type islot[K Key] struct {
	hash atomic.Uint64
	e    atomic.Pointer[entry[K]]
}

const tomb = 2 // the hash of a deleted slot; live hashes are odd

func newIndex[K Key](capacity int) *index[K] {
	n := 1 << bits.Len(uint(2*capacity-1)) // 2*capacity rounded up to a power of two
	return &index[K]{slots: make([]islot[K], n), mask: uint64(n - 1)}
}

// find returns the entry of key, whose hash is h, or nil.
func (ix *index[K]) find(key K, h uint64) *entry[K] {
	for i := h & ix.mask; ; i = (i + 1) & ix.mask {
		s := &ix.slots[i]
		switch x := s.hash.Load(); x {
		case 0:
			return nil
		case h:
			if e := s.e.Load(); e.key == key {
				return e
			}
		}
	}
}

// put stores e, whose key is absent, in the first free slot of its probe
// sequence. The caller holds Table.mu.
func (ix *index[K]) put(e *entry[K]) {
	for i := e.hash & ix.mask; ; i = (i + 1) & ix.mask {
		s := &ix.slots[i]
		switch s.hash.Load() {
		case tomb:
			ix.tombs--
			fallthrough
		case 0:
			s.e.Store(e)
			s.hash.Store(e.hash)
			ix.live++
			return
		}
	}
}

// remove deletes e, which is present. The caller holds Table.mu.
func (ix *index[K]) remove(e *entry[K]) {
	for i := e.hash & ix.mask; ; i = (i + 1) & ix.mask {
		s := &ix.slots[i]
		if s.hash.Load() == e.hash && s.e.Load() == e {
			s.hash.Store(tomb)
			ix.live--
			ix.tombs++
			return
		}
	}
}

// full reports whether live keys and tombs fill three quarters of the
// slots, when the index must be rebuilt.
func (ix *index[K]) full() bool {
	return 4*(ix.live+ix.tombs) >= 3*len(ix.slots)
}

// rebuilt returns a new index of the same size with the live entries of
// ix and no tombs. The caller holds Table.mu.
func (ix *index[K]) rebuilt() *index[K] {
	nx := &index[K]{slots: make([]islot[K], len(ix.slots)), mask: ix.mask}
	for i := range ix.slots {
		s := &ix.slots[i]
		if x := s.hash.Load(); x&1 == 1 {
			nx.put(s.e.Load())
		}
	}
	return nx
}
