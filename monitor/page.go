package monitor

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed page.html
var pageHTML string

// assetFS holds the page's static files, served under /assets/.
//
//go:embed assets
var assetFS embed.FS

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// asset is one embedded static file, read once.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

var (
	assetsOnce sync.Once
	assets     map[string]*asset // by name under assets/, such as "app.js"
)

func loadAssets() {
	assets = make(map[string]*asset)
	_ = fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) { // do not depend on the system's MIME tables
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		assets[strings.TrimPrefix(p, "assets/")] = &asset{
			body:        body,
			contentType: ct,
			etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
		}
		return nil
	})
}

// assetURL returns the relative URL of an asset, versioned by its content
// so that a browser never mixes an old script with a new page.
func assetURL(name string) string {
	assetsOnce.Do(loadAssets)
	a := assets[name]
	if a == nil {
		return "assets/" + name
	}
	return "assets/" + name + "?v=" + strings.Trim(a.etag, `"`)
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	assetsOnce.Do(loadAssets)
	a := assets[strings.TrimPrefix(r.URL.Path, "/assets/")]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Etag", a.etag)
	h.Set("Cache-Control", "no-cache")
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeBody(w, r, a.contentType, a.body)
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// The view model of the page template: every number already formatted,
// every name left raw for html/template to escape.
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

func renderPage(w io.Writer, s Snapshot, q Query, vals url.Values) error {
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
			Uptime:      humanDuration(p.Uptime),
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
			pp.Events = append(pp.Events, pageEvent{
				Name:  e.Name,
				Total: numUint(e.Total),
				Rate:  numRate(e.Rate),
				Peak:  numRate(e.PeakRate),
				Spark: makeSparkline(e.History),
			})
		}
		if q.Conns {
			pp.Heads = connHeads(p.Events, q, vals)
			pp.ConnCols = 3 + 2*len(p.Events)
			for _, c := range p.Open {
				pc := pageConn{ID: c.ID, Name: c.Name, Age: humanDuration(c.Age)}
				for i := range p.Events {
					var ce ConnEvent
					if i < len(c.Events) {
						ce = c.Events[i]
					}
					pc.Events = append(pc.Events, pageCell{Rate: numRate(ce.Rate), Total: numUint(ce.Total)})
				}
				pp.Open = append(pp.Open, pc)
			}
		}
		d.Protos = append(d.Protos, pp)
	}
	return pageTemplate.Execute(w, d)
}

// connHeads returns the sortable headers of a connection table: a click
// sorts by that column, and a second click reverses the order.
func connHeads(evs []EventStats, q Query, vals url.Values) []pageHead {
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

func numUint(v uint64) pageNum {
	return pageNum{humanUint(v), groupDigits(strconv.FormatUint(v, 10))}
}

func numInt(v int64) pageNum {
	if v < 0 {
		return pageNum{"-" + humanUint(uint64(-v)), "-" + groupDigits(strconv.FormatUint(uint64(-v), 10))}
	}
	return numUint(uint64(v))
}

func numRate(v float64) pageNum {
	exact := strconv.FormatFloat(v, 'f', 2, 64)
	if i := strings.IndexByte(exact, '.'); i >= 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
		exact = groupDigits(exact[:i]) + exact[i:]
	}
	return pageNum{humanFloat(v), exact + "/s"}
}

// humanUint formats a count with at most three significant digits and a
// k, M, G, T, P or E suffix: 999, 1.23k, 45.6M. The page's script formats
// numbers the same way.
func humanUint(v uint64) string {
	if v < 1000 {
		return strconv.FormatUint(v, 10)
	}
	return humanFloat(float64(v))
}

// humanFloat formats a rate as humanUint formats a count, with up to two
// decimals below 10: 0.5, 12.3, 1.2k.
func humanFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	case v < 0:
		return "-" + humanFloat(-v)
	}
	const units = "kMGTPE"
	unit := ""
	for i := 0; v >= 999.5 && i < len(units); i++ {
		v /= 1000
		unit = units[i : i+1]
	}
	var s string
	switch {
	case v < 9.995:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	case v < 99.95:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	}
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + unit
}

// groupDigits puts thin separators between groups of three digits.
func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) <= 3 {
		if neg {
			return "-" + s
		}
		return s
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	b.WriteString(s[:head])
	for i := head; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// humanDuration formats d coarsely: 42s, 3m05s, 2h07m, 3d04h.
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m" + pad2(s%60) + "s"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h" + pad2(s/60%60) + "m"
	default:
		return strconv.FormatInt(s/86400, 10) + "d" + pad2(s/3600%24) + "h"
	}
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// Sparkline geometry, in SVG user units; the page's script uses the same.
const (
	sparkW   = 150
	sparkH   = 30
	sparkPad = 2
)

// sparkline is the SVG of one event's recent rates: Line is the points of
// a polyline, Area those of the polygon under it, and (X, Y) the newest
// point. The newest sample sits at the right edge, one step per second, so
// that a young monitor's line grows from the right.
type sparkline struct {
	Line, Area string
	X, Y       string
	Max        string
	OK         bool
}

func makeSparkline(h []float64) sparkline {
	if len(h) > HistoryLen {
		h = h[len(h)-HistoryLen:]
	}
	if len(h) == 0 {
		return sparkline{}
	}
	max := 0.0
	for _, v := range h {
		if v > max && !math.IsInf(v, 1) {
			max = v
		}
	}
	scale := 0.0
	if max > 0 {
		scale = (sparkH - 2*sparkPad) / max
	}
	step := float64(sparkW) / (HistoryLen - 1)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	var line strings.Builder
	var x, y float64
	for i, v := range h {
		if !(v > 0) { // NaN and negatives sit at the bottom
			v = 0
		}
		v = math.Min(v, max)
		x = sparkW - float64(len(h)-1-i)*step
		y = sparkH - sparkPad - v*scale
		if i > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(f(x) + "," + f(y))
	}
	x0 := sparkW - float64(len(h)-1)*step
	area := line.String() + " " + f(x) + "," + strconv.Itoa(sparkH) + " " + f(x0) + "," + strconv.Itoa(sparkH)
	return sparkline{Line: line.String(), Area: area, X: f(x), Y: f(y), Max: humanFloat(max), OK: true}
}
