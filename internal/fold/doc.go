// Package fold is the counting core of hitrate: a Cell of epoch-tagged
// slot words that holds both the events of the last second and an exact
// total, so that counting an event is one write.
//
// A slot word packs the low TagBits bits of the epoch it counts (its tag)
// and a CountBits-bit count. The total of a Cell is its retired word plus
// the counts of all its slots, whatever their tags; the window (the rate)
// is the counts of the slots whose tags name the epochs of the last
// second. When a writer finds its slot tagged with an older epoch, it
// folds the old count into retired and retags the slot: once per slot and
// Tick, on the slow path.
//
// Writers come in two kinds:
//
//   - Add is one atomic add (XADD on amd64) on the slot word, exact under
//     any number of concurrent writers, for the window as for the total.
//   - AddOwned is a load and a plain store (owned.Store64), for a writer that
//     owns the Cell: one goroutine at a time, such as a per-P shard written
//     while pinned to its P.
//
// The fast paths (Cell.Fast, Cell.FastOwned, and Pair's) are small
// enough to be inlined into their callers; every counter (ring.Window,
// shard.Counter's cells, a monitor's connections) writes through them and
// finishes with the matching slow path (Slow, SlowOwned).
//
// A fold changes two words (a slot and retired), so it runs inside a
// Guard: readers that see a fold in flight, or one that began and ended
// while they read, read again. Folds are rare and never wait; readers may
// retry but never block writers. A total read through a Guard never goes
// down and never counts an event twice.
//
// Nothing but writers writes a Cell's words while writers may run: a
// Reset of a counter moves a Baseline that readers subtract, never the
// words (zeroing them under writers let a writer mistake a zeroed word
// for its own and fold an n that was gone, so that one Reset returned a
// wrapped negative number). Clear empties a Cell that nobody uses any
// more, for reuse.
//
// Bounds, chosen deliberately:
//
//   - TagBits = 28: a slot's tag is its epoch modulo 2^28, so a tag
//     repeats every 2^28 ticks (about 310 days), and in the same slot
//     (epoch modulo Size) every Size*2^28 ticks (about 9.4 years). The
//     epochs whose tag is 0 (2^28 and its multiples) are ordinary: the
//     zero word is their empty slot, and no word value stands for
//     anything else. Whether a slow path's n is already in the slot word
//     follows from the path taken (Slow: n < FastMax; SlowOwned: never),
//     not from the word, since any word can be a real one. A slot last
//     written exactly a multiple of Size*2^28 ticks ago (to within its
//     100 ms) is read as current: the rate of a counter idle for that long
//     may show stale slots for at most 1.1 s. A writer takes a word whose
//     tag is less than 2^27 ticks later than its epoch's, by a multiple of
//     Size, for a later epoch's (the writer loaded its epoch late) and
//     leaves it, unless the tag is 0 (the empty word of a new Cell stands
//     for such an epoch in one slot); any other word is older, and is
//     folded. So a slot idle for less than a multiple of Size*2^28 ticks
//     (about 9.4 years) by under 2^27 is left to its old epoch by writers
//     for up to 2^27 ticks (the window misses their events), and a writer
//     late by over 1.1 s just before an epoch whose tag is 0 folds that
//     epoch's slot (its events so far leave the window). Totals are not
//     affected.
//   - CountBits = 36: the fast paths take n < FastMax (2^16); larger n take
//     a compare-and-swap path. When a slot's count reaches Half (2^35)
//     within one tick (a stopped Clock, or over 300 G events per second on
//     one cell), the next writer moves all but Cap (2^34) of it into
//     retired: the window of that slot saturates in [Cap, Half), the total
//     never saturates. A count can pass Half only by the n of writers that
//     added at the same instant, so it never carries into the tag while
//     fewer than 2^19 goroutines are between their add and their fold on
//     one Cell.
package fold
