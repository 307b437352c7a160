package monitor

import (
	"sync/atomic"
	"time"

	"github.com/hitrate/hitrate/ring"
)

// connCounter is a connection's counter of one event: a ring.Counter
// without its clock pointer (the Monitor's clock serves all of them).
// It is 96 bytes.
type connCounter struct {
	total atomic.Uint64
	w     ring.Window
}

// conn holds the counters of one connection. conns are recycled through the
// Monitor's pool: id is the connection's number while it is open and 0
// while it is closed, so it doubles as a generation that tells a current
// Conn handle from a stale one (ids are never reused).
type conn struct {
	id atomic.Uint64
	ev []connCounter // one per event, made once with the conn
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
// A Conn may be used by several goroutines at once: the totals stay exact,
// but events logged at the same instant by two goroutines on one
// connection may be missing from that connection's rate (never from the
// protocol's).
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
	for i := range c.ev {
		c.ev[i].total.Store(0)
		c.ev[i].w.Clear()
	}
	id := m.nextID.Add(1)
	c.id.Store(id)
	m.conns.Store(id, connEntry{c: c, name: name, opened: m.clock.Elapsed()})
	m.totalCns.Add(1)
	cur := m.cur.Add(1)
	for {
		p := m.peak.Load()
		if cur <= p || m.peak.CompareAndSwap(p, cur) {
			break
		}
	}
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
	if cc.id.Load() != c.id || int(ev.idx) >= len(cc.ev) {
		return // closed
	}
	k := &cc.ev[ev.idx]
	k.total.Add(n)
	k.w.Add(m.clock.Epoch(), n)
}

// Total returns the connection's total of ev, or 0 if the connection is
// closed or ev does not belong to its Monitor.
func (c Conn) Total(ev Event) uint64 {
	k := c.counter(ev)
	if k == nil {
		return 0
	}
	t := k.total.Load()
	if c.c.id.Load() != c.id {
		return 0 // closed while we read
	}
	return t
}

// Rate returns the connection's events per second of ev over the last
// second, by its Monitor's estimator, or 0 if the connection is closed or
// ev does not belong to its Monitor.
func (c Conn) Rate(ev Event) float64 {
	k := c.counter(ev)
	if k == nil {
		return 0
	}
	r := c.m.rate(&k.w, c.m.clock.ReadEpoch())
	if c.c.id.Load() != c.id {
		return 0
	}
	return r
}

func (c Conn) counter(ev Event) *connCounter {
	if !c.m.owns(ev) || c.c.id.Load() != c.id || int(ev.idx) >= len(c.c.ev) {
		return nil
	}
	return &c.c.ev[ev.idx]
}

// Open reports whether the connection is still open: false after Close,
// and for the zero Conn.
func (c Conn) Open() bool {
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

// rate returns the rate that m's estimator reads from w at epoch.
func (m *Monitor) rate(w *ring.Window, epoch uint64) float64 {
	var s ring.Slots
	w.ReadInto(epoch, &s)
	f := 0.0
	if m.est == ring.Interpolated {
		f = m.clock.Frac(epoch)
	}
	return m.est.Rate(&s, f)
}
