package proxy

import (
	"io"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/proxy/http1"
)

// benchRequest is a browser-like GET of about 400 bytes.
const benchRequest = "GET /api/v1/items?page=2&sort=recent HTTP/1.1\r\n" +
	"Host: upstream.example\r\n" +
	"User-Agent: hitrate-overhead/1.0\r\n" +
	"Accept: application/json, text/plain, */*\r\n" +
	"Accept-Encoding: gzip, deflate\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n" +
	"X-Request-Id: 7f3c9a1e-5b2d-4c8e-9f10-2a3b4c5d6e7f\r\n" +
	"\r\n"

// BenchmarkTee measures forwarding one request through a tee, as the
// proxy does per read: without a Monitor (drain, the baseline) and with
// one (counting bytes and requests, parsing).
func BenchmarkTee(b *testing.B) {
	m, err := NewMonitor("bench", monitor.WithManualSampling())
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	c := m.Open("c")
	defer c.Close()
	bs := bindOf(m)
	evIn := m.MustEvent(BytesIn.Name())
	const perRun = 100
	in := strings.Repeat(benchRequest, perRun)
	r := strings.NewReader(in)
	src := &oneRequestReader{r: r}

	b.Run("off", func(b *testing.B) {
		b.SetBytes(int64(len(benchRequest)))
		for i := 0; i < b.N; i += perRun {
			r.Reset(in)
			t := tee{src: src, dst: io.Discard}
			t.drain()
		}
	})
	b.Run("on", func(b *testing.B) {
		b.SetBytes(int64(len(benchRequest)))
		b.ReportAllocs()
		for i := 0; i < b.N; i += perRun {
			r.Reset(in)
			t := tee{src: src, dst: io.Discard, mc: c, events: bs, ev: evIn}
			t.countRequests()
		}
	})
}

// oneRequestReader returns at most one benchRequest per Read, as a
// keep-alive client's socket does.
type oneRequestReader struct{ r *strings.Reader }

func (o *oneRequestReader) Read(p []byte) (int, error) {
	return o.r.Read(p[:min(len(p), len(benchRequest))])
}

// benchResponse is a typical small JSON response.
const benchResponse = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: application/json\r\n" +
	"Date: Thu, 26 Nov 2026 06:31:31 GMT\r\n" +
	"Cache-Control: no-store\r\n" +
	"Content-Length: 64\r\n" +
	"\r\n" +
	`{"items":[1,2,3,4,5,6,7,8,9,10],"page":2,"sort":"recent","n":10}`

// BenchmarkTeeResponses measures forwarding one response through a tee,
// without a Monitor (drain) and with one (counting bytes and response
// classes, parsing, pairing with the requests).
func BenchmarkTeeResponses(b *testing.B) {
	m, err := NewMonitor("bench", monitor.WithManualSampling())
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	c := m.Open("c")
	defer c.Close()
	bs := bindOf(m)
	var evs [5]monitor.Event
	for i, name := range []string{Responses1xx.Name(), Responses2xx.Name(), Responses3xx.Name(), Responses4xx.Name(), Responses5xx.Name()} {
		evs[i] = m.MustEvent(name)
	}
	evOut := m.MustEvent(BytesOut.Name())
	const perRun = http1.QueueCap
	in := strings.Repeat(benchResponse, perRun)
	r := strings.NewReader(in)
	src := &oneMessageReader{r: r, n: len(benchResponse)}
	q := new(http1.Queue)

	b.Run("off", func(b *testing.B) {
		b.SetBytes(int64(len(benchResponse)))
		for i := 0; i < b.N; i += perRun {
			r.Reset(in)
			t := tee{src: src, dst: io.Discard}
			t.drain()
		}
	})
	b.Run("on", func(b *testing.B) {
		b.SetBytes(int64(len(benchResponse)))
		b.ReportAllocs()
		for i := 0; i < b.N; i += perRun {
			r.Reset(in)
			*q = http1.Queue{}
			for range perRun {
				q.Push(http1.Other)
			}
			t := tee{src: src, dst: io.Discard, mc: c, events: bs, ev: evOut, q: q}
			t.countResponses()
		}
	})
}

// oneMessageReader returns at most n bytes per Read: one message, as a
// keep-alive peer's socket does.
type oneMessageReader struct {
	r *strings.Reader
	n int
}

func (o *oneMessageReader) Read(p []byte) (int, error) {
	return o.r.Read(p[:min(len(p), o.n)])
}
