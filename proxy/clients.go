package proxy

import (
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/hitrate/hitrate/keyed"
)

// The events of a table of clients made by NewClients, counted per client
// address: Event(i) of the table is ClientEvents()[i].
const (
	// ClientConnections counts the connections a client opened, those
	// the proxy rejected (Config.MaxConnRate) included.
	ClientConnections keyed.Event = iota
	// ClientRequests counts the HTTP/1.x requests a client sent, as
	// requests counts them.
	ClientRequests
)

// ClientEvents returns the names of the events of a table of clients, in
// the order of ClientConnections and ClientRequests: "connections",
// "requests".
func ClientEvents() []string { return []string{"connections", "requests"} }

// NewClients returns a table of at most capacity client addresses, each
// counting ClientEvents, for Config.Clients. opts go to keyed.New (such as
// keyed.WithClock in tests). It fails if capacity is outside 1 to
// keyed.MaxCapacity.
//
// A full table evicts one of its least active clients to make room for a
// new one (see keyed.New), and counts the eviction: memory stays bounded
// under a scan from many addresses. Export the table-wide numbers
// (Table.Stats) or the top talkers (Table.Top), never a time series per
// client: that is the cardinality trap the table exists to avoid.
func NewClients(capacity int, opts ...keyed.Option) (*keyed.Table[netip.Addr], error) {
	t, err := keyed.New[netip.Addr](capacity, ClientEvents(), opts...)
	if err != nil {
		return nil, fmt.Errorf("proxy: clients: %w", err)
	}
	return t, nil
}

// checkClients reports an error if t does not count ClientEvents, in
// order.
func checkClients(t *keyed.Table[netip.Addr]) error {
	if evs := t.Events(); !slices.Equal(evs, ClientEvents()) {
		return fmt.Errorf("proxy: the clients table counts %q, not %q: make it with NewClients", evs, ClientEvents())
	}
	return nil
}

// clientAddr returns the IP address of c's remote end, IPv4 in its 4-byte
// form, or the zero Addr if it has none (which a table counts under no
// key).
func clientAddr(c net.Conn) netip.Addr {
	switch a := c.RemoteAddr().(type) {
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap()
	case nil:
		return netip.Addr{}
	default:
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return netip.Addr{}
		}
		return ap.Addr().Unmap()
	}
}

// admit counts a new connection from c's address in the clients table,
// then decides: it reports false, having counted the connection as
// rejected, if the address's connections per second over the last second
// (this one included) are above MaxConnRate. Counting first, as HAProxy's
// track-then-reject does, keeps a client that goes on connecting above the
// rate rejected.
func (p *Proxy) admit(addr netip.Addr) bool {
	if p.clients == nil {
		return true
	}
	if p.maxConnRate <= 0 {
		p.clients.Inc(addr, ClientConnections)
		return true
	}
	if p.clients.AddRate(addr, ClientConnections, 1) > p.maxConnRate {
		if p.ev != nil {
			p.mon.Log(p.ev.of(Rejected))
		}
		return false
	}
	return true
}
