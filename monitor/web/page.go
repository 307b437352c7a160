package web

import (
	_ "embed"
	"html/template"
	"io"
	"math"
	"net/url"
	"strconv"
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
		Time       string
		TimeISO    string
		Estimator  string
		Filter     string
		Hidden     []pageParam // query parameters the filter form keeps
		About      []pageParam // what the page watches: WithInfo, WithStart
		Protos     []pageProto
		CSS, JS    string
		ConnsCSS   string // the connection tables' style sheet
		DistsCSS   string // the latency distributions' style sheet
		Icon       string
		AvgHeads   []string     // the average columns' headers, by monitor.AverageWindows
		EventCols  int          // columns of the events table
		AvgWindows string       // the windows of the averages, in words: "10 s and 60 s"
		Clients    *pageClients // the "Top clients" card of WithClients; nil without
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
		ConnCols    int  // columns of the connection table
		Cards       bool // the connection table is a card per connection at any width
		Open        []pageConn
		Shown       int
		OpenMatched int
		Filtered    bool
		Dists       []pageDist // the latency distributions: see dists.go
	}
	pageEvent struct {
		Name   string
		Total  pageNum
		Rate   pageNum
		RatePM string    // half the 95% interval, when it is wide; else ""
		Avgs   []pageAvg // one per monitor.AverageWindows
		Peak   pageNum
		Spark  sparkline
		Chart  chart
		Per    string // what its rate counts: "events" or "bytes" (per second)
	}
	// pageAvg is an average rate over a window, and the time it is over
	// (Over) when that is still short of the window.
	pageAvg struct {
		pageNum
		Label string // "10 s avg"
		Over  string
		None  bool // no sample yet
	}
	pageConn struct {
		ID     uint64
		Name   string
		Age    string
		Events []pageCell
	}
	pageCell struct {
		Event string // the event's name, the cell's label in the narrow layout
		Rate  pageNum
		Total pageNum
	}
	// pageNum is a number as shown (Text) and in full in its tooltip.
	pageNum struct{ Text, Exact string }
	// pageHead is a sortable column header of the connection table: an
	// event has two, its rate (the event's name as Label, "/s" as Unit)
	// and its total (Total set, with the event's name as Label); so has a
	// latency distribution, the mean of its values over the last second
	// (its name as Label, " mean" as Unit) and their number (Total set).
	pageHead struct {
		Label string
		Unit  string
		Key   string
		Href  string
		Aria  string // aria-sort: "ascending", "descending" or "none"
		Num   bool
		Event bool
		Total bool
	}
)

// renderPage executes the template name, the page or its fragment, on s,
// the snapshot of q, which was parsed from vals, with the clients' card
// if clients is not nil.
func renderPage(w io.Writer, name string, s monitor.Snapshot, q monitor.Query, vals url.Values, about []pageParam, clients *pageClients) error {
	d := pageData{
		Clients:   clients,
		About:     about,
		Time:      s.Time.Format("15:04:05"),
		TimeISO:   s.Time.Format(time.RFC3339Nano),
		Estimator: s.Estimator,
		Filter:    q.Filter,
		CSS:       assetURL("style.css"),
		ConnsCSS:  assetURL("conns.css"),
		DistsCSS:  assetURL("dists.css"),
		JS:        assetURL("app.js"),
		Icon:      assetURL("favicon.svg"),
	}
	if s.Time.IsZero() {
		d.Time, d.TimeISO = "", ""
	}
	windows := monitor.AverageWindows()
	for _, w := range windows {
		d.AvgHeads = append(d.AvgHeads, avgLabel(w))
	}
	d.EventCols = 5 + len(d.AvgHeads)
	d.AvgWindows = windowWords(windows)
	for _, k := range queryKeys {
		if v, ok := vals[k]; ok && len(v) > 0 && k != "filter" { // the filter has its own input
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
		pp.Dists = makeDists(p.Dists)
		if pp.OpenMatched < pp.Shown {
			pp.OpenMatched = pp.Shown
		}
		for _, e := range p.Events {
			pe := pageEvent{
				Name:   e.Name,
				Total:  numTotal(e.Unit, e.Total),
				Rate:   rateWithInterval(e.Unit, e.Rate, e.RateLow, e.RateHigh),
				RatePM: ratePlusMinus(e.Unit, e.Rate, e.RateLow, e.RateHigh),
				Peak:   numRateOf(e.Unit, e.PeakRate),
				Spark:  makeSparkline(e.History, e.Unit),
				Chart:  makeChart(e.History, e.Unit),
				Per:    "events",
			}
			if e.Unit == monitor.Bytes {
				pe.Per = "bytes"
			}
			for _, w := range windows {
				a := monitor.Average{Window: w} // no sample yet, unless e has it
				for _, ea := range e.Averages {
					if ea.Window == w {
						a = ea
					}
				}
				pe.Avgs = append(pe.Avgs, avgRate(e.Unit, a))
			}
			pp.Events = append(pp.Events, pe)
		}
		if q.Conns {
			pp.Heads = connHeads(p.Events, p.Dists, q, vals)
			items, longest := len(p.Events)+len(p.Dists), 0
			for _, e := range p.Events {
				longest = max(longest, len(e.Name))
			}
			for _, d := range p.Dists {
				longest = max(longest, len(d.Name))
			}
			pp.ConnCols = 3 + 2*items
			pp.Cards = items > maxTableEvents || longest > maxTableName
			for _, c := range p.Open {
				pc := pageConn{ID: c.ID, Name: c.Name, Age: human.Duration(c.Age)}
				for i := range p.Events {
					var ce monitor.ConnEvent
					if i < len(c.Events) {
						ce = c.Events[i]
					}
					u := p.Events[i].Unit
					pc.Events = append(pc.Events, pageCell{Event: p.Events[i].Name, Rate: numRateOf(u, ce.Rate), Total: numTotal(u, ce.Total)})
				}
				for i := range p.Dists {
					var cd monitor.ConnDist
					if i < len(c.Dists) {
						cd = c.Dists[i]
					}
					pc.Events = append(pc.Events, connDistCell(p.Dists[i].Name, cd))
				}
				pp.Open = append(pp.Open, pc)
			}
		}
		d.Protos = append(d.Protos, pp)
	}
	return templates.ExecuteTemplate(w, name, d)
}

// queryKeys are the keys of ParseQuery: the page's state, which its form
// and sort links keep, each value bounded by ParseQuery.
var queryKeys = []string{"conns", "protocol", "filter", "sort", "desc", "limit"}

// maxTableEvents is the most events and distributions whose connection
// table fits a card as a table, with two columns each, in a window of
// 1280 px, if none has a name over maxTableName bytes (a header that does
// not wrap); a table of more, or with a longer name, is a card per
// connection at any width (the class cards).
const (
	maxTableEvents = 4
	maxTableName   = 24
)

// connDistCell is the pair of cells of a connection's distribution: the
// mean of its values over the last second (in the place of an event's
// rate) and their number (of its total).
func connDistCell(name string, d monitor.ConnDist) pageCell {
	mean := pageNum{"–", "no values in the last second; " + human.ExactUint(d.Total) + " in all"}
	if d.Count > 0 {
		mean = pageNum{human.Latency(d.Mean), "mean of " + human.Float(d.Count) + " values in the last second: " + human.Latency(d.Mean)}
	}
	return pageCell{Event: name + " mean", Rate: mean, Total: numUint(d.Total)}
}

// connHeads returns the sortable headers of a connection table: a click
// sorts by that column, and a second click reverses the order. Each event
// has two: by its rate, and by its total; so has each distribution: by
// its mean, and by its count.
func connHeads(evs []monitor.EventStats, dists []monitor.DistStats, q monitor.Query, vals url.Values) []pageHead {
	cur := vals.Get("sort")
	if cur == "" {
		cur = "id"
	}
	if ev, ok := strings.CutPrefix(cur, sortRate); ok {
		cur = rateKey(ev)
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
		for _, k := range queryKeys { // not the keys ParseQuery ignores: they are unbounded
			if vs, ok := vals[k]; ok {
				v[k] = vs
			}
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
		rate := mk(e.Name, rateKey(e.Name), true, true)
		rate.Unit = "/s"
		tot := mk(e.Name, sortTotal+e.Name, true, true)
		tot.Total = true
		heads = append(heads, rate, tot)
	}
	for _, d := range dists {
		mean := mk(d.Name, sortMean+d.Name, true, true)
		mean.Unit = " mean"
		n := mk(d.Name, sortCount+d.Name, true, true)
		n.Total = true
		heads = append(heads, mean, n)
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

// rateString formats a rate of unit u with its unit: "12/s", "1.2 kB/s".
func rateString(u monitor.Unit, v float64) string {
	if u == monitor.Bytes {
		return human.ByteRate(v)
	}
	return human.Float(v) + "/s"
}

// amountString formats v, of unit u, without "/s": "12", "1.2 kB".
func amountString(u monitor.Unit, v float64) string {
	if u == monitor.Bytes {
		return strings.TrimSuffix(human.ByteRate(v), "/s")
	}
	return human.Float(v)
}

// wideInterval is the relative half-width of the 95% interval of a rate
// above which the page shows it as an error bar ("12 ±7").
const wideInterval = 0.1

// rateWithInterval is the rate, of unit u, with its 95% interval in the
// tooltip.
func rateWithInterval(u monitor.Unit, rate, low, high float64) pageNum {
	n := numRateOf(u, rate)
	if high > low {
		lo, hi := numRateOf(u, low), numRateOf(u, high)
		n.Exact += ", 95% interval " + lo.Exact + " to " + hi.Exact
	}
	return n
}

// ratePlusMinus returns half the width of the 95% interval [low, high] of
// rate, of unit u, formatted, when it exceeds wideInterval of the rate;
// else "". A rate of 0 shows none: its interval, from 0, is in the tooltip.
func ratePlusMinus(u monitor.Unit, rate, low, high float64) string {
	half := (high - low) / 2
	if !(rate > 0) || !(half > wideInterval*rate) || math.IsInf(half, 0) {
		return ""
	}
	return amountString(u, half)
}

// windowWords lists windows in words: "10 s", "10 s and 60 s", "10 s,
// 60 s and 300 s".
func windowWords(ws []time.Duration) string {
	var b strings.Builder
	for i, w := range ws {
		switch {
		case i > 0 && i == len(ws)-1:
			b.WriteString(" and ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatFloat(w.Seconds(), 'f', -1, 64) + " s")
	}
	return b.String()
}

// avgLabel is the header of the column of the average over window w.
func avgLabel(w time.Duration) string {
	return strconv.FormatFloat(w.Seconds(), 'f', -1, 64) + " s avg"
}

// avgRate is an average rate, of unit u, over its window, which so far
// spans avg.Span seconds: it says so while that is short of the window.
func avgRate(u monitor.Unit, avg monitor.Average) pageAvg {
	rate, span, window := avg.Rate, avg.Span, avg.Window.Seconds()
	a := pageAvg{Label: avgLabel(avg.Window)}
	if !(span > 0) {
		a.pageNum, a.None = pageNum{"–", "no sample yet"}, true
		return a
	}
	a.pageNum = numRateOf(u, rate)
	a.Exact += " over the last " + strconv.FormatFloat(span, 'f', 1, 64) + " s"
	if span < window-0.5 {
		a.Over = strconv.FormatFloat(math.Round(span), 'f', 0, 64) + " s"
	}
	return a
}
