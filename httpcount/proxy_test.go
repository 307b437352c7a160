package httpcount

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lateBody is the request body as the next handler sees it (the
// Handler's counting reader): it counts the bytes read through it,
// closes second when a Read begins after 5 bytes were read, and late
// when a read returns bytes after the handler returned.
type lateBody struct {
	io.ReadCloser
	n         atomic.Uint64
	second    chan struct{}
	secondOne sync.Once
	returned  atomic.Bool
	once      sync.Once
	late      chan struct{}
}

func (b *lateBody) Read(p []byte) (int, error) {
	if b.second != nil && b.n.Load() >= 5 {
		b.secondOne.Do(func() { close(b.second) })
	}
	n, err := b.ReadCloser.Read(p)
	b.n.Add(uint64(n))
	if n > 0 && b.returned.Load() {
		b.once.Do(func() { close(b.late) })
	}
	return n, err
}

// TestReverseProxyReadsBodyAfterReturn serves an httputil.ReverseProxy
// whose backend answers after reading the start of the request body: the
// proxy's Transport goes on reading the body, in a goroutine of its own,
// after the Handler's ServeHTTP has returned (net/http's own ReverseProxy
// allows it; see golang.org/issue/46866). The Handler's body must still
// count those bytes, on this request's counter, and must not crash or
// read another request's state.
func TestReverseProxyReadsBodyAfterReturn(t *testing.T) {
	second := make(chan struct{}) // the proxy's Transport waits for more
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadFull(r.Body, make([]byte, 5))
		<-second
		// At once: net/http would read the rest of the body before
		// answering, unless the connection is to close.
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer backend.Close()
	u, err := url.Parse(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	var lb *lateBody
	m := newMonitor(t)
	h, err := New(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lb = &lateBody{ReadCloser: r.Body, late: make(chan struct{})}
		if r.Header.Get("X-First") != "" {
			lb.second = second
		}
		r.Body = lb
		rp.ServeHTTP(w, r)
	}))
	if err != nil {
		t.Fatal(err)
	}
	returned := make(chan struct{})
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		lb.returned.Store(true)
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
	req.Header.Set("X-First", "1")
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
	<-returned
	first := lb
	select {
	case <-first.late:
	case <-time.After(time.Minute): // against a hang, not for a result
		t.Fatal("the Transport's read in flight did not return after the handler")
	}
	// Serve more requests through the same Handler, which would reuse the
	// state of the first if it went back to a pool.
	for range 20 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader("other")))
	}
	resp.Body.Close()
	// Whatever the Transport read of the first body was counted, once.
	if got, want := total(m, RequestBytes), first.n.Load()+20*5; got != want || first.n.Load() <= 5 {
		t.Errorf("request body bytes %d, want %d (%d read of the first body, more than 5)", got, want, first.n.Load())
	}
}
