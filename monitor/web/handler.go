package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
)

// Content types and policies of the handler's responses.
const (
	jsonContentType = "application/json; charset=utf-8"
	htmlContentType = "text/html; charset=utf-8"

	// pageCSP allows the page only its own scripts, styles, images and
	// fetches: no inline script or style, no plugins, no framing.
	pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
		"img-src 'self' data:; connect-src 'self'; base-uri 'none'; " +
		"form-action 'self'; frame-ancestors 'none'"
)

// NewHandler returns an http.Handler that serves the snapshots of src as
// an HTML page, as JSON and in the Prometheus text format. Nothing is
// registered anywhere: mount it where you like, under a prefix with
// http.StripPrefix if need be, for example
//
//	mux.Handle("/debug/hitrate/", http.StripPrefix("/debug/hitrate", web.NewHandler(group)))
//
// The routes, relative to where the handler is mounted, are:
//
//	/          the HTML page: a card per protocol, live every second
//	/fragment  the page's live part (its <main> element), for its script
//	/json      the monitor.Snapshot as JSON
//	/metrics   the Prometheus text exposition (see exposition.Write)
//	/assets/   the page's script, style sheet and icon, embedded
//
// The page, its fragment and /json take the query parameters of
// ParseQuery (conns, protocol, filter, sort, desc, limit) and
// answer 400 with a plain text error when one is bad; the page lists
// connections unless conns is false. /metrics ignores the query and never
// lists connections; it answers gzip-compressed (Content-Encoding: gzip)
// when the request's Accept-Encoding accepts gzip, as promhttp does, and
// always with Vary: Accept-Encoding. Any other path is 404, and any method
// other than GET and HEAD is 405.
//
// Every response carries X-Content-Type-Options: nosniff; the page a strict
// Content-Security-Policy (its links and fetches are relative, so it works
// under any prefix); data responses Cache-Control: no-store. A Source that
// panics gives a 500 and is logged; the server goes on.
//
// Options add to the page's header what it watches: WithInfo for facts
// such as the addresses and version of a proxy, WithStart for its uptime;
// WithClients adds the busiest clients of a table to the page and /json.
func NewHandler(src monitor.Source, opts ...Option) http.Handler {
	h := &handler{src: src}
	for _, o := range opts {
		if o != nil {
			o(h)
		}
	}
	return h
}

type handler struct {
	src     monitor.Source
	info    []pageParam   // from WithInfo, bounded
	start   time.Time     // from WithStart
	clients *clientSource // from WithClients; nil without
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			buf := make([]byte, 16<<10)
			buf = buf[:runtime.Stack(buf, false)]
			log.Printf("hitrate: panic serving %s: %v\n%s", r.URL.Path, v, buf)
			serverError(w)
		}
	}()

	var serve func(http.ResponseWriter, *http.Request)
	switch p := r.URL.Path; {
	case p == "" || p == "/":
		serve = h.servePage
	case p == "/fragment":
		serve = h.serveFragment
	case p == "/json":
		serve = h.serveJSON
	case p == "/metrics":
		serve = h.serveMetrics
	case strings.HasPrefix(p, "/assets/"):
		serve = serveAsset
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	serve(w, r)
}

// serverError answers 500 in plain text, dropping any header set for the
// response that failed.
func serverError(w http.ResponseWriter) {
	h := w.Header()
	for _, k := range []string{"Content-Length", "Content-Security-Policy", "Etag"} {
		h.Del(k)
	}
	h.Set("Cache-Control", "no-store")
	http.Error(w, "500 internal server error", http.StatusInternalServerError)
}

// snapshot calls the Source through exposition.Read, logging a panic with
// its stack, so that one bad Source gives a 500 rather than a dropped
// connection.
func (h *handler) snapshot(q monitor.Query) (monitor.Snapshot, error) {
	s, err := exposition.Read(h.src, q)
	var pe *exposition.PanicError
	if errors.As(err, &pe) {
		log.Printf("hitrate: %v\n%s", pe, pe.Stack)
	}
	return s, err
}

// parseQuery parses r's query with ParseQuery and answers 400
// when it is bad; ok reports whether the caller should go on.
func parseQuery(w http.ResponseWriter, r *http.Request) (q monitor.Query, vals url.Values, ok bool) {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err == nil {
		q, err = ParseQuery(vals)
	}
	if err != nil {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "400 bad request: "+err.Error(), http.StatusBadRequest)
		return monitor.Query{}, nil, false
	}
	return q, vals, true
}

// writeBody answers 200 with body, or with its headers only for HEAD.
func writeBody(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (h *handler) serveJSON(w http.ResponseWriter, r *http.Request) {
	q, _, ok := parseQuery(w, r)
	if !ok {
		return
	}
	s, err := h.snapshot(q)
	if err != nil {
		serverError(w)
		return
	}
	var v any = finiteSnapshot(s)
	if h.clients != nil {
		v = snapshotWithClients{finiteSnapshot(s), h.clients.view()}
	}
	body, err := json.Marshal(v)
	if err != nil {
		serverError(w)
		return
	}
	body = append(body, '\n')
	w.Header().Set("Cache-Control", "no-store")
	writeBody(w, r, jsonContentType, body)
}

func (h *handler) serveMetrics(w http.ResponseWriter, r *http.Request) {
	s, err := h.snapshot(monitor.Query{})
	if err != nil {
		serverError(w)
		return
	}
	var buf bytes.Buffer
	if err := exposition.Write(&buf, s); err != nil {
		serverError(w)
		return
	}
	body := buf.Bytes()
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		var zbuf bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&zbuf)
		_, err := zw.Write(body)
		if err == nil {
			err = zw.Close()
		}
		zw.Reset(io.Discard) // hold no reference to zbuf in the pool
		gzipWriters.Put(zw)
		if err != nil {
			serverError(w)
			return
		}
		hdr.Set("Content-Encoding", "gzip")
		body = zbuf.Bytes()
	}
	writeBody(w, r, exposition.ContentType, body)
}

// gzipWriters pools the gzip writers of /metrics: each holds some
// hundreds of kilobytes of compressor state.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // a valid level: no error
	return zw
}}

// acceptsGzip reports whether Accept-Encoding values (RFC 9110, section
// 12.5.3) accept gzip: a "gzip" (or "x-gzip") coding with a q-value above
// 0, or "*" above 0 when gzip is not named.
func acceptsGzip(values []string) bool {
	named, star := false, false
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			ok := qAbove0(params)
			switch coding {
			case "gzip", "x-gzip":
				if ok {
					return true
				}
				named = true
			case "*":
				star = star || ok
			}
		}
	}
	return star && !named
}

// qAbove0 reports whether the parameters of an Accept-Encoding element
// ("q=0.5", or none) give a q-value above 0.
func qAbove0(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil && q > 0
	}
	return true
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	// Under http.StripPrefix("/x", h), a request for "/x" arrives as "":
	// redirect to "/x/" so that the page's relative links resolve under
	// the prefix.
	if r.URL.Path == "" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil && !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
			u.RawPath = ""
			http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
			return
		}
	}
	h.render(w, r, pageTemplate)
}

func (h *handler) serveFragment(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, fragmentTemplate)
}

// render answers with the page, or its fragment, for r's query.
func (h *handler) render(w http.ResponseWriter, r *http.Request, name string) {
	q, vals, ok := parseQuery(w, r)
	if !ok {
		return
	}
	if _, given := vals["conns"]; !given {
		q.Conns = true
	}
	s, err := h.snapshot(q)
	if err != nil {
		serverError(w)
		return
	}
	var buf bytes.Buffer
	if err := renderPage(&buf, name, s, q, vals, h.about(s.Time), h.clients.page()); err != nil {
		log.Printf("hitrate: rendering the page: %v", err)
		serverError(w)
		return
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Security-Policy", pageCSP)
	hdr.Set("Referrer-Policy", "no-referrer")
	writeBody(w, r, htmlContentType, buf.Bytes())
}

// about returns the page's header facts at time now: the WithInfo facts,
// and the uptime if WithStart gave a start.
func (h *handler) about(now time.Time) []pageParam {
	if h.start.IsZero() {
		return h.info
	}
	if now.IsZero() {
		now = time.Now()
	}
	return append(h.info[:len(h.info):len(h.info)], pageParam{Name: "uptime", Value: human.Duration(now.Sub(h.start))})
}
