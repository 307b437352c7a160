package keyed

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/hitrate/hitrate/internal/fold"
	"github.com/hitrate/hitrate/internal/naming"
	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
)

const (
	// MaxKeyLen is the longest string key, in bytes, that a Table counts.
	// Longer keys, and the empty key, are refused: their events count in
	// the table-wide totals and in Stats.Refused, under no key.
	MaxKeyLen = 256
	// MaxCapacity is the largest capacity New accepts.
	MaxCapacity = 1 << 26
	// MaxEvents is the most events a Table counts per key.
	MaxEvents = 16
	// MaxNameLen is the longest event name, in bytes, that New accepts.
	MaxNameLen = naming.MaxLen

	// samples is how many resident keys an insertion into a full Table
	// compares to choose the one it evicts.
	samples = 8
)

// Key is the type of a Table's keys: strings, such as user names or API
// keys, or client addresses. Keys are compared with ==: for addresses, an
// IPv4 address and its IPv4-mapped IPv6 form (1.2.3.4 and ::ffff:1.2.3.4,
// as a dual-stack listener reports IPv4 clients) are two keys, and so is
// one address in two zones. Pass netip.Addr.Unmap() of a client's address
// to count it under one key whichever listener it came through.
type Key interface {
	string | netip.Addr
}

// Event is the index of an event in the names given to New: 0 for the
// first. An Event outside them is never counted: Add drops it and counts
// it in Stats.Refused.
type Event int

// Order chooses what Top ranks keys by.
type Order int

const (
	// ByRate ranks keys by their events per second over the last second.
	ByRate Order = iota
	// ByTotal ranks keys by their total of the event while resident.
	ByTotal
)

// Option configures a Table made by New.
type Option func(*config)

type config struct {
	clock    *ring.Clock
	clockSet bool
	est      ring.Estimator
}

// WithClock makes the Table read its epochs from clock instead of
// ring.Default(). Pass a ring.ManualClock's Clock in tests. A nil clock
// makes New fail.
func WithClock(clock *ring.Clock) Option {
	return func(c *config) { c.clock, c.clockSet = clock, true }
}

// WithEstimator makes the Table compute rates with e instead of ring.Seed.
// An unknown estimator makes New fail.
func WithEstimator(e ring.Estimator) Option {
	return func(c *config) { c.est = e }
}

// Table counts a few named events per key, for at most a fixed number of
// keys: per key and event, an exact total and the events per second over
// the last second, read the way every counter of hitrate is read (a
// fold.Cell of 100 ms slots, ring.Estimator). It also keeps table-wide
// totals and rates per event, which evictions never lose.
//
// Counting an event for a resident key is a lookup and one atomic add: it
// never blocks, locks or allocates. Counting for a new key inserts it,
// under a lock that only insertions take, and allocates its counters;
// when the Table is full, the insertion first evicts one of the least
// active keys (see New). A key's totals and rates are exact while it
// stays resident; a key that returns after its eviction starts from zero.
//
// A Table is safe for concurrent use. Make one with New.
type Table[K Key] struct {
	clock *ring.Clock
	est   ring.Estimator
	names []string
	cap   int
	seed  maphash.Seed
	aseed [4]uint64    // hashAddr's seeds
	etype reflect.Type // entry[K] followed by len(names) cells
	off   uintptr      // the offset of the cells in etype

	idx     *index[K]
	agg     []*shard.Counter
	refused atomic.Uint64
	evicted atomic.Uint64

	mu     sync.Mutex // taken by insertions (and evictions)
	dense  []atomic.Pointer[entry[K]]
	length atomic.Int64 // resident keys: dense[:length] is filled

	cands [MaxEvents]candidates[K] // per event; see top.go
}

// entry holds one resident key and its counters: the Table's cells
// follow it in the same allocation (of type Table.etype), so that counting
// an event reads the index slot and the entry, the key and the cell being
// 64 bytes to a few lines apart.
type entry[K Key] struct {
	key  K
	hash uint64     // the key's hash, odd
	g    fold.Guard // the folds in flight on the cells
	gone atomic.Bool
	born uint32 // the low bits of the epoch of insertion, for ties
	pos  int32  // its index in Table.dense; written under Table.mu

	// Bit ev is set while the key is a candidate of event ev; see top.go.
	cand atomic.Uint32
	_    [2]byte // keeps the sizes of the package documentation: 64 and 56 bytes
}

const cellSize = unsafe.Sizeof(fold.Cell{})

// cell returns the cell of event ev of e, which must be below the number
// of events.
func (t *Table[K]) cell(e *entry[K], ev Event) *fold.Cell {
	return (*fold.Cell)(unsafe.Add(unsafe.Pointer(e), t.off+uintptr(ev)*cellSize))
}

// newEntry allocates the entry of key, with its cells.
func (t *Table[K]) newEntry(key K, h uint64) *entry[K] {
	e := (*entry[K])(reflect.New(t.etype).UnsafePointer())
	e.key, e.hash, e.born = key, h, uint32(t.clock.Epoch())
	return e
}

// hash returns the hash of key, odd. Strings go through maphash. An
// address is hashed by hashAddr, with the Table's random seeds.
func (t *Table[K]) hash(key K) uint64 {
	switch k := any(key).(type) {
	case netip.Addr:
		return hashAddr(k, &t.aseed) | 1
	case string:
		return maphash.String(t.seed, k) | 1
	}
	return maphash.Comparable(t.seed, key) | 1
}

// hashAddr hashes the three words of a (its 128 bits and the handle that
// tells IPv4 from IPv6 and names the zone: what == compares) with the
// core of wyhash, the Go runtime's own map hash where AES is missing: two
// 64x64->128-bit multiplies, each folded by a xor of its halves, of the
// words xored with 64-bit seeds that New draws at random (from
// math/rand/v2's ChaCha8, seeded by the system). It reads the words
// through unsafe, as maphash.Comparable does, so the order of netip.Addr's
// fields does not matter, only that they fill its 24 bytes (addrWords
// asserts the size). It is not a cryptographic hash, but the seeds are
// secret and each table has its own: a client that picks its addresses (a
// /64 of IPv6 is 2^64 of them) cannot aim them at one home slot of the
// index without learning the seeds, which only show in timings of the
// table, as they would with maphash.
func hashAddr(a netip.Addr, s *[4]uint64) uint64 {
	w := (*[addrWords]uint64)(unsafe.Pointer(&a))
	m := mix(w[0]^s[0], w[1]^s[1])
	return mix(m^s[2], w[2]^s[3])
}

// addrWords is the size of a netip.Addr in words: the arrays below fail to
// compile if netip.Addr is not 24 bytes.
const addrWords = 3

var (
	_ [unsafe.Sizeof(netip.Addr{}) - 8*addrWords]byte
	_ [8*addrWords - unsafe.Sizeof(netip.Addr{})]byte
)

// mix returns the xor of the halves of the 128-bit product of a and b.
func mix(a, b uint64) uint64 {
	h, l := bits.Mul64(a, b)
	return h ^ l
}

// New returns a Table of at most capacity keys (1 to MaxCapacity), each
// counting the given events, in that order: Event(i) is events[i]. Event
// names must be non-empty, distinct, valid UTF-8 without control
// characters, and at most MaxNameLen bytes; 1 to MaxEvents of them.
//
// When the Table is full, a new key evicts the least active of 8 resident
// keys chosen at random (the one with the fewest events, all events
// together, in the last second; the oldest of those tied): a constant
// cost per insertion. A key among the most active fraction q of resident
// keys is evicted by an insertion with probability at most q^8 (for the
// busiest 10%, 1e-8), so a flood of new keys evicts keys that are as idle
// as the flood's own.
func New[K Key](capacity int, events []string, opts ...Option) (*Table[K], error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if capacity < 1 || capacity > MaxCapacity {
		return nil, fmt.Errorf("keyed: capacity %d is outside 1..%d", capacity, MaxCapacity)
	}
	if len(events) == 0 {
		return nil, errors.New("keyed: no events given")
	}
	if len(events) > MaxEvents {
		return nil, fmt.Errorf("keyed: %d events given, over MaxEvents (%d)", len(events), MaxEvents)
	}
	if err := naming.CheckList("keyed", "event", events); err != nil {
		return nil, err
	}
	if cfg.clockSet && cfg.clock == nil {
		return nil, errors.New("keyed: WithClock was given a nil clock")
	}
	if cfg.clock == nil {
		cfg.clock = ring.Default()
	}
	if cfg.est != ring.Seed && cfg.est != ring.Interpolated {
		return nil, fmt.Errorf("keyed: WithEstimator was given an unknown estimator (%d)", cfg.est)
	}
	etype := reflect.StructOf([]reflect.StructField{
		{Name: "E", Type: reflect.TypeFor[entry[K]]()},
		{Name: "C", Type: reflect.ArrayOf(len(events), reflect.TypeFor[fold.Cell]())},
	})
	t := &Table[K]{
		clock: cfg.clock,
		est:   cfg.est,
		names: append([]string(nil), events...),
		cap:   capacity,
		seed:  maphash.MakeSeed(),
		aseed: [4]uint64{rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64()},
		etype: etype,
		off:   etype.Field(1).Offset,
		agg:   make([]*shard.Counter, len(events)),
		dense: make([]atomic.Pointer[entry[K]], capacity),
	}
	t.idx = newIndex[K](capacity)
	for ev := range events {
		t.cands[ev].list = make([]cand[K], 0, MaxCandidates)
		t.cands[ev].until.Store(math.MaxUint64) // the bar is 0 until the list is full
	}
	for i := range t.agg {
		t.agg[i] = shard.New(cfg.clock)
	}
	return t, nil
}

// valid reports whether k can be a key: a string of 1 to MaxKeyLen bytes,
// or a valid address (not the zero netip.Addr).
func valid[K Key](k K) bool {
	switch k := any(k).(type) {
	case string:
		return k != "" && len(k) <= MaxKeyLen
	case netip.Addr:
		return k.IsValid()
	}
	return false
}

// Inc counts one event ev for key. See Add.
func (t *Table[K]) Inc(key K, ev Event) {
	t.Add(key, ev, 1)
}

// Add counts n events ev for key, and in the table-wide totals.
//
// For a resident key, Add is a lookup and one atomic add: it never blocks,
// locks, allocates or panics. For a new key, Add inserts it: it takes the
// insertion lock, allocates the key's counters (and copies a string key),
// and evicts a key if the Table is full; counting for resident keys goes
// on meanwhile. An invalid key (the empty string, a string over MaxKeyLen
// bytes, the zero netip.Addr) is counted in the table-wide totals and in
// Stats.Refused only; an Event outside the Table's is counted in
// Stats.Refused only.
func (t *Table[K]) Add(key K, ev Event, n uint64) {
	if uint(ev) >= uint(len(t.agg)) {
		t.refused.Add(n)
		return
	}
	if n == 0 {
		return
	}
	t.agg[ev].Add(n)
	if !valid(key) {
		t.refused.Add(n)
		return
	}
	h := t.hash(key)
	epoch, slot := t.clock.Slot()
	// The word of the slot of epoch in the cell (fold.Cell starts with its
	// slot words): its line is loaded along with the key's.
	w := t.off + uintptr(ev)*cellSize + uintptr(slot)*8
	e := t.idx.findTouch(key, h, w, w) // a wrong miss goes to insert, which finds it
	if e == nil {
		t.insert(key, h, ev, n)
		return
	}
	t.addAt(e, ev, n, epoch, slot)
}

// AddRate counts n events ev for key, as Add does, and returns the key's
// events ev per second over the last second, these n included, as Rate
// would just after: one lookup where Add then Rate take two. It is the
// decision of a rate limit that counts each attempt, the rejected ones
// too, so that a client that goes on trying above the limit stays above
// it (HAProxy's track-sc, then sc_conn_rate):
//
//	if t.AddRate(addr, conns, 1) > limit {
//		// reject
//	}
//
// For a resident key it is a lookup, one atomic add, a clock read and the
// read of one cell: it never blocks, locks or allocates. A new key is
// inserted as Add inserts it. With n = 0 it is Rate. An invalid key or
// Event is counted as Add counts it, and its rate is 0.
func (t *Table[K]) AddRate(key K, ev Event, n uint64) float64 {
	if n == 0 {
		return t.Rate(key, ev)
	}
	if uint(ev) >= uint(len(t.agg)) {
		t.refused.Add(n)
		return 0
	}
	t.agg[ev].Add(n)
	if !valid(key) {
		t.refused.Add(n)
		return 0
	}
	h := t.hash(key)
	epoch, slot := t.clock.Slot()
	a := t.off + uintptr(ev)*cellSize
	e := t.idx.findTouch(key, h, a, a+cellSize-8) // a wrong miss goes to insert, which finds it
	if e == nil {
		e = t.insert(key, h, ev, n)
	} else {
		t.addAt(e, ev, n, epoch, slot)
	}
	// The clock is read after the add, so that the read epoch is at or
	// after the add's.
	epoch, frac := t.readEpoch()
	var s ring.Slots
	t.cell(e, ev).Load(&e.g, epoch, (*[fold.Size]uint64)(&s))
	return t.est.Rate(&s, frac)
}

// readEpoch returns the clock's read epoch, and the elapsed fraction of
// it if the Table's estimator needs it (ring.Seed does not: it saves the
// fraction's division).
func (t *Table[K]) readEpoch() (uint64, float64) {
	if t.est == ring.Seed {
		return t.clock.ReadEpoch(), 0
	}
	return t.clock.ReadEpochFrac()
}

const countMask = 1<<fold.CountBits - 1

// add counts n events ev on the resident entry e at the clock's epoch.
func (t *Table[K]) add(e *entry[K], ev Event, n uint64) {
	epoch, slot := t.clock.Slot()
	t.addAt(e, ev, n, epoch, slot)
}

// addAt counts n events ev on the resident entry e in the slot of epoch,
// whose index is slot: fold.Cell.Add, inlined, plus the offer to the
// top-talker candidates when the count of the current slot passes a power
// of two at or above their bar.
func (t *Table[K]) addAt(e *entry[K], ev Event, n, epoch, slot uint64) {
	k := t.cell(e, ev)
	cs := &t.cands[uint(ev)%MaxEvents] // ev < MaxEvents: the % spares a bounds check
	v, ok := k.Fast(epoch, slot, n)
	if ok {
		if c := v & countMask; c >= cs.bar.Load() {
			if x := c - n; c^x > x {
				t.offer(e, ev, epoch, uint8(bits.Len64(c)))
			}
		}
		return
	}
	k.Slow(&e.g, epoch, n, v)
	// Mostly the first add of a slot: lower the bar if a candidate went
	// stale since it was set, then offer the slot's count, which a later
	// writer may have raised, but which is at least n (or, for an n that
	// no slot holds, at least the largest count a slot holds: its level
	// is at most CountBits, so that the bar, 1<<level, never wraps to 0).
	if epoch >= cs.until.Load() {
		t.rebar(ev, epoch)
	}
	if n >= cs.bar.Load() {
		t.offer(e, ev, epoch, uint8(bits.Len64(min(n, countMask))))
	}
}

// insert inserts key, whose hash is h, unless another goroutine did
// meanwhile, counts n events ev on it and returns its entry. It evicts a
// key when the Table is full.
func (t *Table[K]) insert(key K, h uint64, ev Event, n uint64) *entry[K] {
	t.mu.Lock()
	defer t.mu.Unlock()
	ix := t.idx
	e := ix.find(key, h)
	if e == nil {
		if s, isStr := any(key).(string); isStr {
			key = any(strings.Clone(s)).(K) // keep no caller's buffer alive
		}
		e = t.newEntry(key, h)
		if ix.live >= t.cap {
			old := t.victim()
			t.retire(old)
			ix.remove(old)
			t.evicted.Add(1)
			e.pos = old.pos
		} else {
			e.pos = int32(ix.live)
		}
		ix.put(e)
		t.dense[e.pos].Store(e)
		t.length.Store(int64(ix.live))
	}
	// Counted under the lock, so that no other insertion evicts the key
	// before its first event.
	t.add(e, ev, n)
	return e
}

// retire marks old, which insert evicts, gone, and has each list that
// holds it as a candidate lower its bar at the next slow path, its level
// being 0: the list's gen counts the eviction, so that no holder of the
// list overwrites the 0 stored in until (see candidates.publish). t.mu is
// held.
func (t *Table[K]) retire(old *entry[K]) {
	old.gone.Store(true)
	for b := old.cand.Load(); b != 0; b &= b - 1 {
		c := &t.cands[bits.TrailingZeros32(b)]
		c.gen.Add(1)
		c.until.Store(0)
	}
}

// victim returns the least active of samples resident keys chosen at
// random, the oldest among those tied. t.mu is held and the Table is full.
func (t *Table[K]) victim() *entry[K] {
	epoch := t.clock.ReadEpoch()
	var best *entry[K]
	var bestScore uint64
	var bestAge uint32
	var s [fold.Size]uint64
	for range samples {
		e := t.dense[rand.IntN(t.cap)].Load()
		var score uint64
		for ev := range t.names {
			t.cell(e, Event(ev)).Load(&e.g, epoch, &s)
			for _, x := range s {
				score += x
			}
		}
		age := uint32(epoch) - e.born
		if best == nil || score < bestScore || score == bestScore && age > bestAge {
			best, bestScore, bestAge = e, score, age
		}
	}
	return best
}

// lookup returns the entry of key, or nil, for readers that do not
// insert: see index.get; after a few misses that overlapped deletions, it
// looks under the insertion lock.
func (t *Table[K]) lookup(key K) *entry[K] {
	return t.lookupTouch(key, 0)
}

// lookupTouch is lookup for a reader of the cell of ev, whose lines it
// loads along with the key's: see index.findTouch.
func (t *Table[K]) lookupTouch(key K, ev Event) *entry[K] {
	h := t.hash(key)
	a := t.off + uintptr(ev)*cellSize
	if e, ok := t.idx.get(key, h, a, a+cellSize-8); ok {
		return e
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.idx.find(key, h)
}

// Rate returns the events ev per second of key over the last second, by
// the Table's estimator, or 0 if key is not resident. It takes a lookup, a
// clock read and the read of one cell, and never allocates: cheap enough
// for a decision on every connection or request. It never blocks, except
// that a lookup that misses while evictions run (each may move keys under
// the probe) looks again, and after three such misses in a row under the
// insertion lock.
func (t *Table[K]) Rate(key K, ev Event) float64 {
	if uint(ev) >= uint(len(t.agg)) || !valid(key) {
		return 0
	}
	// The clock read first: the monotonic clock's rdtsc is ordered after
	// the loads before it, and after the lookup it measured 20% slower at
	// 100,000 keys (out of cache).
	epoch, frac := t.readEpoch()
	e := t.lookupTouch(key, ev)
	if e == nil {
		return 0
	}
	var s ring.Slots
	t.cell(e, ev).Load(&e.g, epoch, (*[fold.Size]uint64)(&s))
	return t.est.Rate(&s, frac)
}

// Total returns the events ev counted for key since it was inserted, or 0
// if key is not resident.
func (t *Table[K]) Total(key K, ev Event) uint64 {
	if uint(ev) >= uint(len(t.agg)) || !valid(key) {
		return 0
	}
	e := t.lookupTouch(key, ev)
	if e == nil {
		return 0
	}
	return t.cell(e, ev).Total(&e.g)
}

// Row is one key's numbers: per event, in the Table's order, its total
// since the key was inserted and its events per second over the last
// second.
type Row[K Key] struct {
	Key    K
	Totals []uint64
	Rates  []float64
}

// Get returns the numbers of key, and whether it is resident.
func (t *Table[K]) Get(key K) (Row[K], bool) {
	if !valid(key) {
		return Row[K]{}, false
	}
	e := t.lookup(key)
	if e == nil {
		return Row[K]{}, false
	}
	epoch, frac := t.clock.ReadEpochFrac()
	return t.row(e, epoch, frac), true
}

// row reads the numbers of e at epoch.
func (t *Table[K]) row(e *entry[K], epoch uint64, frac float64) Row[K] {
	n := len(t.names)
	row := Row[K]{Key: e.key, Totals: make([]uint64, n), Rates: make([]float64, n)}
	for i := range n {
		var s ring.Slots
		row.Totals[i] = t.cell(e, Event(i)).Load(&e.g, epoch, (*[fold.Size]uint64)(&s))
		row.Rates[i] = t.est.Rate(&s, frac)
	}
	return row
}

// Events returns the event names, in order.
func (t *Table[K]) Events() []string {
	return append([]string(nil), t.names...)
}

// Len returns the number of resident keys.
func (t *Table[K]) Len() int {
	return int(t.length.Load())
}

// Cap returns the capacity given to New.
func (t *Table[K]) Cap() int {
	return t.cap
}

// Stats is the state of a Table as a whole.
type Stats struct {
	Len, Cap int
	// Evictions counts the keys evicted to make room for new ones.
	Evictions uint64
	// Refused counts the events counted under no key: those of invalid
	// keys (also in Totals and Rates) and of Events outside the Table's
	// (in no total).
	Refused uint64
	// Totals and Rates are per event, in the Table's order, for all keys
	// together, evicted ones and invalid ones included: no eviction loses
	// an event from them.
	Totals []uint64
	Rates  []float64
}

// Stats returns the state of the Table.
func (t *Table[K]) Stats() Stats {
	s := Stats{
		Len:       t.Len(),
		Cap:       t.cap,
		Evictions: t.evicted.Load(),
		Refused:   t.refused.Load(),
		Totals:    make([]uint64, len(t.agg)),
		Rates:     make([]float64, len(t.agg)),
	}
	for i, c := range t.agg {
		s.Totals[i] = c.Total()
		s.Rates[i] = c.RateWith(t.est)
	}
	return s
}
