package netcount

import (
	"fmt"
	"net"

	"github.com/hitrate/hitrate/monitor"
)

// The names of the events a Listener counts. Its monitor must have all
// four, BytesIn and BytesOut with the unit monitor.Bytes.
const (
	// BytesIn counts the bytes read from a connection.
	BytesIn = "bytes_in"
	// BytesOut counts the bytes written to a connection.
	BytesOut = "bytes_out"
	// ReadErrors counts the reads that failed (see the package doc for
	// which errors count).
	ReadErrors = "read_errors"
	// WriteErrors counts the writes that failed.
	WriteErrors = "write_errors"
)

// Events returns the names of the events a Listener needs, to give to
// monitor.New with Units:
//
//	monitor.New("tcp", netcount.Events(), netcount.Units())
func Events() []string {
	return []string{BytesIn, BytesOut, ReadErrors, WriteErrors}
}

// Units returns the monitor.Option that declares BytesIn and BytesOut as
// counting bytes.
func Units() monitor.Option {
	return monitor.WithUnit(monitor.Bytes, BytesIn, BytesOut)
}

// events is what every Conn of a Listener shares: its monitor and events.
type events struct {
	m                   *monitor.Monitor
	in, out, rerr, werr monitor.Event
}

// Listener is a net.Listener whose connections are counted on a monitor.
// Its Accept returns a *Conn; Close and Addr are the wrapped listener's.
type Listener struct {
	net.Listener
	ev *events
}

// NewListener returns a Listener that counts the connections l accepts on
// m. It fails, and the listener is not wrapped, if m is nil or lacks an
// event of Events, or if BytesIn or BytesOut does not count monitor.Bytes.
func NewListener(l net.Listener, m *monitor.Monitor) (*Listener, error) {
	if l == nil {
		return nil, fmt.Errorf("netcount: nil net.Listener")
	}
	ev, err := lookup(m)
	if err != nil {
		return nil, err
	}
	return &Listener{Listener: l, ev: ev}, nil
}

// lookup finds the events of Events on m.
func lookup(m *monitor.Monitor) (*events, error) {
	if m == nil {
		return nil, fmt.Errorf("netcount: nil *monitor.Monitor")
	}
	get := func(name string, bytes bool) (monitor.Event, error) {
		ev, err := m.Event(name)
		if err != nil {
			return ev, fmt.Errorf("netcount: monitor %q has no event %q; create it with monitor.New(name, netcount.Events(), netcount.Units()) or add %v to its events", m.Name(), name, Events())
		}
		if bytes && m.Unit(ev) != monitor.Bytes {
			return ev, fmt.Errorf("netcount: event %q of monitor %q counts %s, not bytes; declare it with netcount.Units() or monitor.WithUnit(monitor.Bytes, %q, %q)", name, m.Name(), m.Unit(ev), BytesIn, BytesOut)
		}
		return ev, nil
	}
	ev := &events{m: m}
	var err error
	if ev.in, err = get(BytesIn, true); err != nil {
		return nil, err
	}
	if ev.out, err = get(BytesOut, true); err != nil {
		return nil, err
	}
	if ev.rerr, err = get(ReadErrors, false); err != nil {
		return nil, err
	}
	if ev.werr, err = get(WriteErrors, false); err != nil {
		return nil, err
	}
	return ev, nil
}

// Accept waits for the next connection, opens it on the monitor, named by
// its remote address, and returns it as a *Conn.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.ev.wrap(c), nil
}

// Monitor returns the monitor the listener counts on.
func (l *Listener) Monitor() *monitor.Monitor { return l.ev.m }

// Wrap counts c, a connection made without a Listener (dialed by a client
// or a proxy), on m, as if a Listener had accepted it: it is opened on m
// at once, named by its remote address. It fails as NewListener does.
func Wrap(c net.Conn, m *monitor.Monitor) (*Conn, error) {
	if c == nil {
		return nil, fmt.Errorf("netcount: nil net.Conn")
	}
	ev, err := lookup(m)
	if err != nil {
		return nil, err
	}
	return ev.wrap(c), nil
}

func (ev *events) wrap(c net.Conn) *Conn {
	name := "unknown"
	if a := c.RemoteAddr(); a != nil {
		name = a.String()
	}
	return &Conn{Conn: c, ev: ev, mc: ev.m.Open(name)}
}
