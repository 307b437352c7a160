package keyed

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/hitrate/hitrate/internal/fold"
	"github.com/hitrate/hitrate/ring"
	"github.com/hitrate/hitrate/shard"
	"github.com/puzpuzpuz/xsync/v3"
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
	MaxNameLen = 128

	// samples is how many resident keys an insertion into a full Table
	// compares to choose the one it evicts.
	samples = 8
)

// Key is the type of a Table's keys: strings, such as user names or API
// keys, or client addresses.
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

	m       *xsync.MapOf[K, ref[K]]
	agg     []*shard.Counter
	refused atomic.Uint64
	evicted atomic.Uint64

	mu    sync.Mutex // taken by insertions (and evictions)
	slots []atomic.Pointer[entry[K]]
	used  atomic.Int64 // slots filled; grows under mu up to cap

	cands candidates[K]
}

// entry holds the counters of one resident key. Its cells live in an
// allocation of their own, which the map's value points to directly, so
// that counting an event reads the map and the cell, not the entry.
type entry[K Key] struct {
	key  K
	g    fold.Guard // the folds in flight on the cells
	ev   *fold.Cell // the first of the Table's len(names) cells
	gone atomic.Bool

	born uint32 // the low bits of the epoch of insertion, for ties

	// Written under the candidates' flag; see top.go.
	cand   bool
	level  uint64
	lepoch uint64
}

// ref is the map's value for a resident key.
type ref[K Key] struct {
	e *entry[K]
	c *fold.Cell
}

const cellSize = unsafe.Sizeof(fold.Cell{})

// cell returns the cell of event ev, which must be below the number of
// events.
func (r ref[K]) cell(ev Event) *fold.Cell {
	return (*fold.Cell)(unsafe.Add(unsafe.Pointer(r.c), uintptr(ev)*cellSize))
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
	seen := make(map[string]int, len(events))
	for i, ev := range events {
		if p := nameProblem(ev); p != "" {
			return nil, fmt.Errorf("keyed: event %d %s", i, p)
		}
		if j, dup := seen[ev]; dup {
			return nil, fmt.Errorf("keyed: event %d %q has the same name as event %d", i, ev, j)
		}
		seen[ev] = i
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
	t := &Table[K]{
		clock: cfg.clock,
		est:   cfg.est,
		names: append([]string(nil), events...),
		cap:   capacity,
		m:     xsync.NewMapOf[K, ref[K]](xsync.WithPresize(capacity), xsync.WithGrowOnly()),
		agg:   make([]*shard.Counter, len(events)),
		slots: make([]atomic.Pointer[entry[K]], capacity),
	}
	for i := range t.agg {
		t.agg[i] = shard.New(cfg.clock)
	}
	return t, nil
}

// nameProblem says what is wrong with s as an event name, or returns "".
func nameProblem(s string) string {
	switch {
	case s == "":
		return "has an empty name"
	case len(s) > MaxNameLen:
		return fmt.Sprintf("has a name of %d bytes, over MaxNameLen (%d)", len(s), MaxNameLen)
	case !utf8.ValidString(s):
		return "has a name that is not valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "has a name that holds a control character"
	}
	return ""
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
	r, ok := t.m.Load(key)
	if !ok {
		t.insert(key, ev, n)
		return
	}
	t.add(r, ev, n)
}

const countMask = 1<<fold.CountBits - 1

// add counts n events ev on the resident entry r: fold.Cell.Add, inlined,
// plus the offer to the top-talker candidates when the count of the
// current slot passes a power of two from hotMin up.
func (t *Table[K]) add(r ref[K], ev Event, n uint64) {
	k := r.cell(ev)
	e, slot := t.clock.Slot()
	var v uint64
	if n < fold.FastMax {
		v = k.Fast(slot, n)
		if fold.Ok(v, e) {
			if c := v & countMask; c >= hotMin {
				if x := c - n; c^x > x {
					t.offer(r.e, e, c)
				}
			}
			return
		}
	}
	k.Slow(&r.e.g, e, n, v)
}

// insert inserts key, unless another goroutine did meanwhile, and counts n
// events ev on it. It evicts a key when the Table is full.
func (t *Table[K]) insert(key K, ev Event, n uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.m.Load(key)
	if !ok {
		if s, isStr := any(key).(string); isStr {
			key = any(strings.Clone(s)).(K) // keep no caller's buffer alive
		}
		cells := make([]fold.Cell, len(t.names))
		e := &entry[K]{key: key, ev: &cells[0], born: uint32(t.clock.Epoch())}
		r = ref[K]{e: e, c: e.ev}
		i := int(t.used.Load())
		if i < t.cap {
			t.used.Store(int64(i + 1))
		} else {
			i = t.victim()
			old := t.slots[i].Load()
			old.gone.Store(true)
			t.m.Delete(old.key)
			t.evicted.Add(1)
		}
		t.slots[i].Store(e)
		t.m.Store(key, r)
	}
	// Counted under the lock, so that no other insertion evicts the key
	// before its first event.
	t.add(r, ev, n)
}

// victim returns the slot of the least active of samples resident keys
// chosen at random, the oldest among those tied. t.mu is held and the
// Table is full.
func (t *Table[K]) victim() int {
	epoch := t.clock.ReadEpoch()
	best, bestScore, bestAge := -1, uint64(0), uint32(0)
	var s [fold.Size]uint64
	for range samples {
		i := rand.IntN(t.cap)
		e := t.slots[i].Load()
		var score uint64
		for ev := range t.names {
			c := (*fold.Cell)(unsafe.Add(unsafe.Pointer(e.ev), uintptr(ev)*cellSize))
			c.Read(&e.g, epoch, &s)
			for _, x := range s {
				score += x
			}
		}
		age := uint32(epoch) - e.born
		if best < 0 || score < bestScore || score == bestScore && age > bestAge {
			best, bestScore, bestAge = i, score, age
		}
	}
	return best
}

// Rate returns the events ev per second of key over the last second, by
// the Table's estimator, or 0 if key is not resident. It takes a lookup, a
// clock read and the read of one cell, never blocks and never allocates:
// cheap enough for a decision on every connection or request.
func (t *Table[K]) Rate(key K, ev Event) float64 {
	if uint(ev) >= uint(len(t.agg)) || !valid(key) {
		return 0
	}
	r, ok := t.m.Load(key)
	if !ok {
		return 0
	}
	epoch, frac := t.clock.ReadEpochFrac()
	var s ring.Slots
	r.cell(ev).Read(&r.e.g, epoch, (*[fold.Size]uint64)(&s))
	return t.est.Rate(&s, frac)
}

// Total returns the events ev counted for key since it was inserted, or 0
// if key is not resident.
func (t *Table[K]) Total(key K, ev Event) uint64 {
	if uint(ev) >= uint(len(t.agg)) || !valid(key) {
		return 0
	}
	r, ok := t.m.Load(key)
	if !ok {
		return 0
	}
	return r.cell(ev).Total(&r.e.g)
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
	r, ok := t.m.Load(key)
	if !ok {
		return Row[K]{}, false
	}
	epoch, frac := t.clock.ReadEpochFrac()
	return t.row(r.e, epoch, frac), true
}

// row reads the numbers of e at epoch.
func (t *Table[K]) row(e *entry[K], epoch uint64, frac float64) Row[K] {
	n := len(t.names)
	row := Row[K]{Key: e.key, Totals: make([]uint64, n), Rates: make([]float64, n)}
	r := ref[K]{e: e, c: e.ev}
	for i := range n {
		var s ring.Slots
		row.Totals[i] = r.cell(Event(i)).Read(&e.g, epoch, (*[fold.Size]uint64)(&s))
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
	return int(t.used.Load())
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
