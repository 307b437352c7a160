package httpcount

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestReverseProxyReadsBodyAfterReturn serves an httputil.ReverseProxy
// whose backend answers before it reads the request body: the proxy's
// Transport goes on reading the body, in a goroutine of its own, after
// the Handler's ServeHTTP has returned (net/http's own ReverseProxy
// relies on it; see golang.org/issue/46866). The Handler's body must
// still count those bytes on this request's counter, and must not crash
// or read another request's state.
func TestReverseProxyReadsBodyAfterReturn(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Without reading the body, and at once: net/http would read it
		// before answering, unless the connection is to close.
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer backend.Close()
	u, err := url.Parse(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	m := newMonitor(t)
	h, err := New(m, httputil.NewSingleHostReverseProxy(u))
	if err != nil {
		t.Fatal(err)
	}
	returned := make(chan struct{})
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		close(returned)
	}))
	defer proxy.Close()

	pr, pw := io.Pipe()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest("POST", proxy.URL, pr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		pw.Write([]byte("first"))
		<-returned
		// The proxy's Transport is still reading the body: send it
		// more, then end it.
		pw.Write([]byte(strings.Repeat("x", 1000)))
		pw.Close()
	}()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
	// Serve more requests through the same Handler, which would reuse the
	// state of the first if it went back to a pool.
	for range 20 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader("other")))
	}
	resp.Body.Close()
	// Whatever the Transport read of the body was counted once, as the
	// request's: at least "first", at most all 1005 bytes, and the 20
	// others.
	deadline := time.Now().Add(10 * time.Second)
	for total(m, RequestBytes) < 5+20*5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := total(m, RequestBytes); got < 5+20*5 || got > 1005+20*5 {
		t.Errorf("request body bytes %d, want between %d and %d", got, 5+20*5, 1005+20*5)
	}
}
