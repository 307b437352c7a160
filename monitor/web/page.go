package web

import (
	_ "embed"
	"html/template"
	"io"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/monitor"
)

// page.html is the page's only markup: the whole page, and its live part
// (the "fragment" template, its <main> element), which the page's script
// fetches from /fragment every second.
//
//go:embed page.html
var pageHTML string

// The names of the templates in page.html.
const (
	pageTemplate     = "page"
	fragmentTemplate = "fragment"
)

var templates = template.Must(template.New(pageTemplate).Parse(pageHTML))

// The view model of the templates: every number already formatted, every
// name left raw for html/template to escape.
type (
	pageData struct {
		Time      string
		TimeISO   string
		Estimator string
		Filter    string
		Hidden    []pageParam // query parameters the filter form keeps
		Protos    []pageProto
		CSS, JS   string
		Icon      string
	}
	pageParam struct{ Name, Value string }
	pageProto struct {
		Name        string
		Uptime      string
		Current     pageNum
		Peak        pageNum
		Opened      pageNum
		Events      []pageEvent
		ListConns   bool
		Heads       []pageHead
		ConnCols    int // columns of the connection table
		Open        []pageConn
		Shown       int
		OpenMatched int
		Filtered    bool
	}
	pageEvent struct {
		Name  string
		Total pageNum
		Rate  pageNum
		Peak  pageNum
		Spark sparkline
	}
	pageConn struct {
		ID     uint64
		Name   string
		Age    string
		Events []pageCell
	}
	pageCell struct {
		Rate  pageNum
		Total pageNum
	}
	// pageNum is a number as shown (Text) and in full in its tooltip.
	pageNum struct{ Text, Exact string }
	// pageHead is a sortable column header of the connection table.
	pageHead struct {
		Label string
		Key   string
		Href  string
		Aria  string // aria-sort: "ascending", "descending" or "none"
		Num   bool
		Event bool
	}
)

// renderPage executes the template name, the page or its fragment, on s,
// the snapshot of q, which was parsed from vals.
func renderPage(w io.Writer, name string, s monitor.Snapshot, q monitor.Query, vals url.Values) error {
	d := pageData{
		Time:      s.Time.Format("15:04:05"),
		TimeISO:   s.Time.Format(time.RFC3339Nano),
		Estimator: s.Estimator,
		Filter:    q.Filter,
		CSS:       assetURL("style.css"),
		JS:        assetURL("app.js"),
		Icon:      assetURL("favicon.svg"),
	}
	if s.Time.IsZero() {
		d.Time, d.TimeISO = "", ""
	}
	for _, k := range []string{"conns", "protocol", "sort", "desc", "limit"} {
		if v, ok := vals[k]; ok && len(v) > 0 {
			d.Hidden = append(d.Hidden, pageParam{k, v[0]})
		}
	}
	for _, p := range s.Protocols {
		pp := pageProto{
			Name:        p.Name,
			Uptime:      human.Duration(p.Uptime),
			Current:     numInt(p.Conns.Current),
			Peak:        numInt(p.Conns.Peak),
			Opened:      numUint(p.Conns.Total),
			ListConns:   q.Conns,
			Shown:       len(p.Open),
			OpenMatched: p.OpenMatched,
			Filtered:    q.Filter != "",
		}
		if pp.OpenMatched < pp.Shown {
			pp.OpenMatched = pp.Shown
		}
		for _, e := range p.Events {
			pe := pageEvent{
				Name:  e.Name,
				Total: numTotal(e.Unit, e.Total),
				Rate:  numRateOf(e.Unit, e.Rate),
				Peak:  numRateOf(e.Unit, e.PeakRate),
				Spark: makeSparkline(e.History),
			}
			if e.Unit == monitor.Bytes && pe.Spark.OK {
				pe.Spark.Max = sparkMaxBytes(e.History)
			}
			pp.Events = append(pp.Events, pe)
		}
		if q.Conns {
			pp.Heads = connHeads(p.Events, q, vals)
			pp.ConnCols = 3 + 2*len(p.Events)
			for _, c := range p.Open {
				pc := pageConn{ID: c.ID, Name: c.Name, Age: human.Duration(c.Age)}
				for i := range p.Events {
					var ce monitor.ConnEvent
					if i < len(c.Events) {
						ce = c.Events[i]
					}
					u := p.Events[i].Unit
					pc.Events = append(pc.Events, pageCell{Rate: numRateOf(u, ce.Rate), Total: numTotal(u, ce.Total)})
				}
				pp.Open = append(pp.Open, pc)
			}
		}
		d.Protos = append(d.Protos, pp)
	}
	return templates.ExecuteTemplate(w, name, d)
}

// connHeads returns the sortable headers of a connection table: a click
// sorts by that column, and a second click reverses the order.
func connHeads(evs []monitor.EventStats, q monitor.Query, vals url.Values) []pageHead {
	cur := q.SortBy
	if cur == "" {
		cur = "id"
	}
	mk := func(label, key string, num, event bool) pageHead {
		h := pageHead{Label: label, Key: key, Num: num, Event: event, Aria: "none"}
		desc := defaultDesc(key)
		if key == cur {
			h.Aria = "ascending"
			if q.Desc {
				h.Aria = "descending"
			}
			desc = !q.Desc
		}
		v := url.Values{}
		for k, vs := range vals {
			v[k] = vs
		}
		v.Set("sort", key)
		v.Del("desc")
		if desc {
			v.Set("desc", "1")
		}
		h.Href = "?" + v.Encode()
		return h
	}
	heads := []pageHead{mk("ID", "id", true, false), mk("Name", "name", false, false), mk("Age", "age", true, false)}
	for _, e := range evs {
		heads = append(heads, mk(e.Name, e.Name, true, true))
	}
	return heads
}

// defaultDesc reports whether a first click on a column sorts it from the
// highest down: yes for rates and ages, no for ids and names.
func defaultDesc(key string) bool {
	return key != "id" && key != "name"
}

func numUint(v uint64) pageNum { return pageNum{human.Uint(v), human.ExactUint(v)} }

func numInt(v int64) pageNum { return pageNum{human.Int(v), human.ExactInt(v)} }

func numRate(v float64) pageNum { return pageNum{human.Float(v), human.ExactRate(v)} }

// numTotal formats a total of unit u: a count, or bytes (1.23 MB).
func numTotal(u monitor.Unit, v uint64) pageNum {
	if u == monitor.Bytes {
		return pageNum{human.Bytes(v), human.ExactBytes(v)}
	}
	return numUint(v)
}

// numRateOf formats a rate of unit u: events per second, shown bare under
// a "/s" header, or bytes per second (1.2 kB/s).
func numRateOf(u monitor.Unit, v float64) pageNum {
	if u == monitor.Bytes {
		return pageNum{human.ByteRate(v), human.ExactByteRate(v)}
	}
	return numRate(v)
}

// sparkMaxBytes formats the sparkline's maximum, as makeSparkline finds
// it, in bytes: "1.2 kB", which the page follows with "/s".
func sparkMaxBytes(h []float64) string {
	if len(h) > monitor.HistoryLen {
		h = h[len(h)-monitor.HistoryLen:]
	}
	max := 0.0
	for _, v := range h {
		if v > max && !math.IsInf(v, 1) {
			max = v
		}
	}
	return strings.TrimSuffix(human.ByteRate(max), "/s")
}
