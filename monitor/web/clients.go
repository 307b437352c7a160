package web

import (
	_ "embed"
	"html/template"
	"math"
	"net/netip"
	"slices"

	"github.com/hitrate/hitrate/keyed"
	"github.com/hitrate/hitrate/monitor"
)

// TopClients is how many clients the page and /json list: the busiest by
// WithClients' event.
const TopClients = 10

// Clients is a table of clients by address whose busiest the page and
// /json list (see WithClients). A *keyed.Table[netip.Addr] is one, such as
// the proxy's (proxy.NewClients).
type Clients interface {
	// Events returns the names of the events counted per client.
	Events() []string
	// Top returns the k clients with the highest rates (keyed.ByRate)
	// of event ev, highest first.
	Top(ev keyed.Event, k int, by keyed.Order) []keyed.Row[netip.Addr]
	// Stats returns the table-wide numbers: its size, capacity and
	// evictions.
	Stats() keyed.Stats
}

// WithClients makes the page show a "Top clients" table and /json a
// "clients" field: the TopClients clients of c with the highest rates of
// the event named by (such as "requests"; the first event if c has none
// of that name), each with every event's rate over the last second and
// total, and c's size, capacity and evictions. Addresses are escaped
// like every name on the page. A nil c, or a nil *keyed.Table, shows
// nothing.
//
// Nothing of it goes to /metrics: one time series per client is the
// cardinality trap that a bounded table avoids.
func WithClients(c Clients, by string) Option {
	return func(h *handler) {
		if t, ok := c.(*keyed.Table[netip.Addr]); c == nil || ok && t == nil {
			h.clients = nil
			return
		}
		ev := keyed.Event(max(slices.Index(c.Events(), by), 0))
		h.clients = &clientSource{c: c, by: ev}
	}
}

// clientSource is WithClients' table and the event it ranks by.
type clientSource struct {
	c  Clients
	by keyed.Event
}

// clientsView is the "clients" field of /json.
type clientsView struct {
	// By names the event the clients are ranked by, by its rate.
	By        string `json:"by"`
	Clients   int    `json:"clients"`
	Capacity  int    `json:"capacity"`
	Evictions uint64 `json:"evictions"`
	// Top lists the busiest clients, busiest first.
	Top []clientView `json:"top"`
}

// clientView is one client: its address and, per event, its total and
// rate.
type clientView struct {
	Addr   string              `json:"addr"`
	Events []monitor.ConnEvent `json:"events"`
}

// view reads the table.
func (s *clientSource) view() *clientsView {
	names := s.c.Events()
	st := s.c.Stats()
	v := &clientsView{Clients: st.Len, Capacity: st.Cap, Evictions: st.Evictions, Top: []clientView{}}
	if int(s.by) < len(names) {
		v.By = names[s.by]
	}
	for _, r := range s.c.Top(s.by, TopClients, keyed.ByRate) {
		cv := clientView{Addr: r.Key.String()}
		for i, name := range names {
			var e monitor.ConnEvent
			e.Name = name
			if i < len(r.Totals) {
				e.Total = r.Totals[i]
			}
			if i < len(r.Rates) && !math.IsNaN(r.Rates[i]) && !math.IsInf(r.Rates[i], 0) {
				e.Rate = r.Rates[i]
			}
			cv.Events = append(cv.Events, e)
		}
		v.Top = append(v.Top, cv)
		if len(v.Top) == TopClients {
			break
		}
	}
	return v
}

// snapshotWithClients is what /json encodes with WithClients: the
// snapshot's fields and "clients".
type snapshotWithClients struct {
	monitor.Snapshot
	Clients *clientsView `json:"clients"`
}

// The page's "Top clients" card (clients.html, the template "clients").
type (
	pageClients struct {
		By        string
		Events    []string
		Clients   pageNum
		Capacity  pageNum
		Evictions pageNum
		Rows      []pageClient
		Cols      int
	}
	pageClient struct {
		Addr  string
		Cells []pageCell
	}
)

// page returns the card's view model, or nil without WithClients.
func (s *clientSource) page() *pageClients {
	if s == nil {
		return nil
	}
	v := s.view()
	p := &pageClients{
		By:        v.By,
		Events:    s.c.Events(),
		Clients:   numInt(int64(v.Clients)),
		Capacity:  numInt(int64(v.Capacity)),
		Evictions: numUint(v.Evictions),
	}
	p.Cols = 1 + 2*len(p.Events)
	for _, c := range v.Top {
		pc := pageClient{Addr: c.Addr}
		for _, e := range c.Events {
			pc.Cells = append(pc.Cells, pageCell{Event: e.Name, Rate: numRate(e.Rate), Total: numUint(e.Total)})
		}
		p.Rows = append(p.Rows, pc)
	}
	return p
}

//go:embed clients.html
var clientsHTML string

func init() {
	template.Must(templates.New("clients").Parse(clientsHTML))
}
