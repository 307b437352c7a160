package httpcount

import (
	"net/http"
	"testing"

	"github.com/hitrate/hitrate/netcount"
)

// nopWriter is the cheapest ResponseWriter: the benchmarks measure the
// middleware, not the writer.
type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header         { return w.h }
func (w nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w nopWriter) WriteHeader(int)             {}
func (w nopWriter) Flush()                      {}

var helloBody = []byte("hello, world\n")

func helloHandler(w http.ResponseWriter, _ *http.Request) { w.Write(helloBody) }

// BenchmarkServeHTTP is the cost of a request through nothing (bare), a
// Handler counting on the protocol, and one counting on the request's
// connection, around a handler that writes 13 bytes to a writer that
// discards them.
func BenchmarkServeHTTP(b *testing.B) {
	m := newMonitor(b)
	h, err := New(m, http.HandlerFunc(helloHandler))
	if err != nil {
		b.Fatal(err)
	}
	nc, err := netcount.Wrap(nopConn{}, m)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	w := nopWriter{h: http.Header{}}
	plain, _ := http.NewRequest("GET", "/", nil)
	onConn := plain.WithContext(ConnContext(plain.Context(), nc))
	for _, bc := range []struct {
		name string
		h    http.Handler
		r    *http.Request
	}{
		{"bare", http.HandlerFunc(helloHandler), plain},
		{"protocol", h, plain},
		{"conn", h, onConn},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					bc.h.ServeHTTP(w, bc.r)
				}
			})
		})
	}
}
