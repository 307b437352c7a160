package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/exposition"
	"github.com/hitrate/hitrate/monitor/web"
)

// getMetrics asks h for /metrics with the given Accept-Encoding (none if
// empty).
func getMetrics(t *testing.T, h http.Handler, method, acceptEncoding string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/metrics", nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("%s /metrics (Accept-Encoding %q): code %d", method, acceptEncoding, rec.Code)
	}
	return rec
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func TestMetricsGzip(t *testing.T) {
	snap := hndSnapshot()
	var want bytes.Buffer
	if err := exposition.Write(&want, snap); err != nil {
		t.Fatal(err)
	}
	h := web.NewHandler(&hndSource{snap: snap})
	for _, tt := range []struct {
		accept string
		gzip   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"deflate, gzip;q=0.5", true},
		{"br", false},
		{"identity", false},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"*", true},
		{"br, *;q=0.1", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"gzip;q=bad", false},
	} {
		rec := getMetrics(t, h, "GET", tt.accept)
		hdr := rec.Header()
		if got := hdr.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q, want Accept-Encoding", tt.accept, got)
		}
		if got := hdr.Get("Content-Type"); got != exposition.ContentType {
			t.Errorf("Accept-Encoding %q: Content-Type %q", tt.accept, got)
		}
		if n, _ := strconv.Atoi(hdr.Get("Content-Length")); n != rec.Body.Len() {
			t.Errorf("Accept-Encoding %q: Content-Length %d, body %d bytes", tt.accept, n, rec.Body.Len())
		}
		body := rec.Body.Bytes()
		if tt.gzip {
			if got := hdr.Get("Content-Encoding"); got != "gzip" {
				t.Errorf("Accept-Encoding %q: Content-Encoding %q, want gzip", tt.accept, got)
				continue
			}
			if len(body) >= want.Len() {
				t.Errorf("Accept-Encoding %q: gzip body of %d bytes for %d bytes of text", tt.accept, len(body), want.Len())
			}
			body = gunzip(t, body)
		} else if got := hdr.Get("Content-Encoding"); got != "" {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want none", tt.accept, got)
		}
		if !bytes.Equal(body, want.Bytes()) {
			t.Errorf("Accept-Encoding %q: body\n%s\nwant\n%s", tt.accept, body, want.Bytes())
		}
	}

	// HEAD announces what GET sends.
	get, head := getMetrics(t, h, "GET", "gzip"), getMetrics(t, h, "HEAD", "gzip")
	if head.Body.Len() != 0 || head.Header().Get("Content-Encoding") != "gzip" ||
		head.Header().Get("Content-Length") != get.Header().Get("Content-Length") {
		t.Errorf("HEAD: headers %v, %d body bytes; GET Content-Length %s", head.Header(), head.Body.Len(), get.Header().Get("Content-Length"))
	}
}

// TestMetricsGzipConcurrent: pooled writers never mix two responses.
func TestMetricsGzipConcurrent(t *testing.T) {
	snaps := []monitor.Snapshot{hndSnapshot(), {Protocols: []monitor.Protocol{{Name: "other", Events: []monitor.EventStats{{Name: "x", Total: 7}}}}}}
	var wg sync.WaitGroup
	for i := range 8 {
		snap := snaps[i%2]
		var want bytes.Buffer
		if err := exposition.Write(&want, snap); err != nil {
			t.Fatal(err)
		}
		h := web.NewHandler(&hndSource{snap: snap})
		wg.Go(func() {
			for range 50 {
				req := httptest.NewRequest("GET", "/metrics", nil)
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				zr, err := gzip.NewReader(rec.Body)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := io.ReadAll(zr)
				if err != nil || !bytes.Equal(got, want.Bytes()) {
					t.Errorf("body %q, %v; want %q", got, err, want.Bytes())
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestMetricsGzipClient: Go's HTTP client asks for gzip by itself and
// decompresses what it gets.
func TestMetricsGzipClient(t *testing.T) {
	snap := hndSnapshot()
	var want bytes.Buffer
	if err := exposition.Write(&want, snap); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewHandler(&hndSource{snap: snap}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Uncompressed {
		t.Error("the client got an uncompressed response")
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("body\n%s\nwant\n%s", got, want.Bytes())
	}
}
