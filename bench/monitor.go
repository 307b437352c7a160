package bench

import (
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// --- monitor: hitrate monitor.Monitor, Monitor.Log and Conn.Log ----------

// monitorFamily is a Monitor of one event on a rotating Clock of its own,
// with its sampler goroutine running, as in a program.
type monitorFamily struct {
	clock *ring.Clock
	m     *monitor.Monitor
	ev    monitor.Event
}

func newMonitorFamily() *monitorFamily {
	clock := ring.NewClock()
	m, err := monitor.New("bench", []string{"request"}, monitor.WithClock(clock))
	if err != nil {
		panic(err)
	}
	ev, err := m.Event("request")
	if err != nil {
		panic(err)
	}
	return &monitorFamily{clock: clock, m: m, ev: ev}
}

func (f *monitorFamily) close() {
	f.m.Close()
	f.clock.Stop()
}

// monitorCounter is the protocol-wide count of the event: Monitor.Log.
// Every monitorCounter of a family counts the same event.
type monitorCounter struct {
	m  *monitor.Monitor
	ev monitor.Event
}

func (f *monitorFamily) newCounter() *monitorCounter { return &monitorCounter{m: f.m, ev: f.ev} }
func (c *monitorCounter) inc()                       { c.m.Log(c.ev) }
func (c *monitorCounter) read() float64              { return c.m.Rate(c.ev) }
func (c *monitorCounter) count() uint64              { return c.m.Total(c.ev) }
func (*monitorCounter) close()                       {}

// monitorConn is a connection of the Monitor: Conn.Log counts the event on
// the connection and for the protocol, so it needs no separate aggregate.
type monitorConn struct {
	c  monitor.Conn
	ev monitor.Event
}

func (f *monitorFamily) newConn(*monitorCounter) monitorConn {
	return monitorConn{c: f.m.Open("conn"), ev: f.ev}
}

func (p monitorConn) inc()          { p.c.Log(p.ev) }
func (p monitorConn) count() uint64 { return p.c.Total(p.ev) }
func (p monitorConn) close()        { p.c.Close() }

// --- monitor-conn: Conn.Log on one open connection -----------------------

// monitorConnFamily makes counters that are open connections of its
// Monitor, for the Inc and IncRate workloads.
type monitorConnFamily struct{ *monitorFamily }

func newMonitorConnFamily() *monitorConnFamily {
	return &monitorConnFamily{newMonitorFamily()}
}

// monitorConnCounter counts on one connection with Conn.Log, which also
// counts for the protocol, and reads the connection's rate.
type monitorConnCounter struct {
	c  monitor.Conn
	ev monitor.Event
}

func (f *monitorConnFamily) newCounter() *monitorConnCounter {
	return &monitorConnCounter{c: f.m.Open("conn"), ev: f.ev}
}
func (c *monitorConnCounter) inc()          { c.c.Log(c.ev) }
func (c *monitorConnCounter) read() float64 { return c.c.Rate(c.ev) }
func (c *monitorConnCounter) count() uint64 { return c.c.Total(c.ev) }
func (c *monitorConnCounter) close()        { c.c.Close() }
