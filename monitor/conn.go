package monitor

import (
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hitrate/hitrate/internal/fold"
	"github.com/hitrate/hitrate/internal/peak"
	"github.com/hitrate/hitrate/ring"
)

// conn holds the counters of one connection. conns are recycled through the
// Monitor's pool: id is the connection's number while it is open and 0
// while it is closed, so it doubles as a generation that tells a current
// Conn handle from a stale one (ids are never reused).
//
// Each event is a fold.Cell (96 bytes: its window and its exact total in
// one), written with one atomic add, so that any number of goroutines may
// log the same event of a connection exactly. The cells live in an
// allocation of their own, a whole number of 64-byte lines (for four
// events, 384 bytes: six lines), so that the lines a connection's events
// write are shared with no other connection; two events are 96 bytes
// apart, so their slots of one epoch never share a line, and the
// goroutines of a connection's two directions, logging their own events,
// write no line in common. After the events' cells come two per latency
// distribution (WithDistributions): its count and its sum of
// microseconds, written by Conn.Record. The header (24 bytes) is read by
// every event and written only by Open, Close and the folds (once per
// event and Tick).
type conn struct {
	id atomic.Uint64
	g  fold.Guard // the folds in flight on the cells
	ev *fold.Cell // the first of the Monitor's cells: events, then two per distribution
}

// cellSize is the size of one event's cell.
const cellSize = unsafe.Sizeof(fold.Cell{})

// newConn returns a conn with n cells (events and distributions),
// allocated in a whole number of 64-byte lines.
func newConn(n int) *conn {
	c := n
	for (uintptr(c)*cellSize)%64 != 0 {
		c++
	}
	return &conn{ev: &make([]fold.Cell, n, c)[0]}
}

// event returns the cell of event i, which must be below the Monitor's
// number of events.
func (c *conn) event(i uint32) *fold.Cell {
	return (*fold.Cell)(unsafe.Add(unsafe.Pointer(c.ev), uintptr(i)*cellSize))
}

// connEntry is the registry's value for an open connection. It holds what
// does not change while the connection is open, so that a snapshot can
// read it without racing with the recycling of the conn.
type connEntry struct {
	c      *conn
	name   string
	opened time.Duration // the clock's Elapsed at Open
}

// Conn is a handle to one open connection of a Monitor, returned by Open.
// It is a small value, to copy freely and keep wherever the connection's
// state lives.
//
// Events logged on a Conn count for the connection and for the protocol.
// After Close, the handle is stale: its events still count for the
// protocol, but no longer for any connection, even when the Monitor has
// recycled the connection's memory for another one. The zero Conn counts
// nothing and never panics.
//
// A Conn may be used by several goroutines at once, such as the two
// goroutines that copy a proxied connection's two directions: totals and
// rates stay exact even when both log the same event. Each event costs one
// atomic add on the connection and one on the protocol (or, once the
// protocol's counter has seen contention, a write to its P's cell).
type Conn struct {
	m  *Monitor
	c  *conn
	id uint64
}

// Open registers a new open connection named name (a remote address, or
// any label) and returns its handle. Open and Close take no global lock:
// the registry of open connections (an xsync.MapOf) locks one bucket for a
// moment, and readers never block them. In a steady state, Open and Close
// together allocate one small registry entry. On a nil Monitor, Open returns the zero Conn.
func (m *Monitor) Open(name string) Conn {
	if m == nil || m.conns == nil {
		return Conn{}
	}
	c := m.pool.Get().(*conn)
	// Clear what the previous connection left. A stale handle's Log that
	// raced with its Close may still land here, but only if it was
	// already past its check when the old connection closed.
	for i := range m.cells {
		c.event(uint32(i)).Clear()
	}
	id := m.nextID.Add(1)
	c.id.Store(id)
	m.conns.Store(id, connEntry{c: c, name: name, opened: m.clock.Elapsed()})
	m.totalCns.Add(1)
	peak.Raise(&m.peak, m.cur.Add(1))
	return Conn{m: m, c: c, id: id}
}

// ID returns the connection's number, unique within its Monitor (the ID
// of ConnInfo), or 0 for the zero Conn.
func (c Conn) ID() uint64 { return c.id }

// Log counts one event on the connection and for the protocol. Like Add,
// it never blocks, allocates or panics.
func (c Conn) Log(ev Event) {
	c.Add(ev, 1)
}

// Add counts n events on the connection and for the protocol. On a closed
// connection the events count for the protocol only; an Event that does
// not belong to the connection's Monitor is dropped and counted in
// Monitor.Dropped; on the zero Conn Add does nothing.
func (c Conn) Add(ev Event, n uint64) {
	m := c.m
	if m == nil {
		return
	}
	if ev.mon != m.tag || int(ev.idx) >= len(m.agg) {
		m.dropped.Add(n)
		return
	}
	m.agg[ev.idx].Add(n)
	cc := c.c
	if cc.id.Load() != c.id {
		return // closed
	}
	// fold.Cell.Add, its fast path inlined: one atomic add.
	k := cc.event(ev.idx)
	e, slot := m.clock.Slot()
	if v, ok := k.Fast(e, slot, n); !ok {
		k.Slow(&cc.g, e, n, v)
	}
}

// Total returns the connection's total of ev, or 0 if the connection is
// closed or ev does not belong to its Monitor.
func (c Conn) Total(ev Event) uint64 {
	if !c.owns(ev) {
		return 0
	}
	t := c.c.event(ev.idx).Total(&c.c.g)
	if c.c.id.Load() != c.id {
		return 0 // closed while we read
	}
	return t
}

// Rate returns the connection's events per second of ev over the last
// second, by its Monitor's estimator, or 0 if the connection is closed or
// ev does not belong to its Monitor.
func (c Conn) Rate(ev Event) float64 {
	if !c.owns(ev) {
		return 0
	}
	epoch, frac := c.m.clock.ReadEpochFrac()
	r := c.m.connEvent(c.c, int(ev.idx), epoch, frac).Rate
	if c.c.id.Load() != c.id {
		return 0
	}
	return r
}

// owns reports whether c is open and ev belongs to its Monitor.
func (c Conn) owns(ev Event) bool {
	return c.m.owns(ev) && c.c.id.Load() == c.id
}

// IsOpen reports whether the connection is still open: false after Close,
// and for the zero Conn.
func (c Conn) IsOpen() bool {
	return c.c != nil && c.c.id.Load() == c.id
}

// Close closes the connection: it leaves the Monitor's list of open
// connections and its counters are recycled. Close is idempotent and safe
// to call concurrently with anything; events logged after it count for the
// protocol only. With WithCloseHook, the first Close calls the hook.
func (c Conn) Close() {
	m := c.m
	if m == nil || c.c == nil || !c.c.id.CompareAndSwap(c.id, 0) {
		return
	}
	e, _ := m.conns.LoadAndDelete(c.id)
	m.cur.Add(-1)
	if m.closeHook != nil {
		m.summarize(c, e)
	}
	m.pool.Put(c.c)
}

// connEvent reads event i of c, which must be below the Monitor's number
// of events: its total and its rate at epoch, read at one instant. epoch
// and frac are one m.clock.ReadEpochFrac, which a reader of many events
// takes once.
func (m *Monitor) connEvent(c *conn, i int, epoch uint64, frac float64) ConnEvent {
	var s ring.Slots
	t := c.event(uint32(i)).Load(&c.g, epoch, (*[ring.Size]uint64)(&s))
	return ConnEvent{Name: m.events[i], Total: t, Rate: m.est.Rate(&s, frac)}
}
