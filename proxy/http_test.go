package proxy

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/hitrate/hitrate/monitor"
)

func TestScanRequests(t *testing.T) {
	get := "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n"
	post := "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"
	chunked := "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
		"5;ext=1\r\nhello\r\nA \r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n"
	big := "PUT /big HTTP/1.0\r\ncontent-length: 100000\r\n\r\n" + strings.Repeat("z", 100000)
	for _, tc := range []struct {
		name string
		in   string
		want uint64
	}{
		{"empty", "", 0},
		{"one", get, 1},
		{"keep-alive", get + get + get, 3},
		{"body", post + get, 2},
		{"body looks like a request", "POST / HTTP/1.1\r\nContent-Length: 34\r\n\r\n" + get + get, 2},
		{"chunked", chunked + get, 2},
		{"big body", big + get, 2},
		{"bare LF and leading empty lines", "\r\n\nGET / HTTP/1.1\nHost: x\n\n" + get, 2},
		{"folded header", "GET / HTTP/1.1\r\nX-A: 1\r\n  2\r\n\r\n" + get, 2},
		{"truncated body", "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc", 1},
		{"truncated header", "GET / HTTP/1.1\r\nHost: x\r\n", 0},
		{"CONNECT tunnels", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n" + get, 1},
		{"Upgrade switches", "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" + get, 1},
		{"then garbage", get + "\x00\x01\x02 nope\r\n" + get, 1},
		{"TLS", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + get, 0},
		{"SMTP", "EHLO example.com\r\nMAIL FROM:<a@b>\r\n" + get, 0},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + get, 0},
		{"HTTP/1.1 in lower case", "GET / http/1.1\r\n\r\n", 0},
		{"line over the buffer", "GET /" + strings.Repeat("a", bufSize) + " HTTP/1.1\r\n\r\n" + get, 0},
		{"header line without a colon", "GET / HTTP/1.1\r\nHost: x\r\nbogus\r\n\r\n" + get, 0},
		{"header line without a name", "GET / HTTP/1.1\r\n: x\r\n\r\n" + get, 0},
		{"Content-Length without a colon", "GET / HTTP/1.1\r\nContent-Length  5\r\n\r\n" + get, 0},
		{"colon in the target, none in a line", "GET http://x:80/ HTTP/1.1\r\nbogus\r\n\r\n" + get, 0},
		{"names like the ones looked for", "POST / HTTP/1.1\r\nContent-Lengthy: 9\r\nc:ontent-Length: 9\r\nUpgrades: x\r\nTransfer-Encodin: gzip\r\ncontent-length: 2\r\n\r\nab" + get, 2},
		{"long header, length last", "POST / HTTP/1.1\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 50)+"\r\n", 20) + "CONTENT-LENGTH:3\r\n\r\nabc" + get, 2},
		{"bare CR in a line", "GET / HTTP/1.1\r\nX-A: 1\r2\r\n\r\n" + get, 2},
		{"conflicting lengths", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab" + get, 0},
		{"bad length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n" + get, 0},
		{"unknown coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxx" + get, 0},
		{"bad chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + get, 1},
		{"bad chunk end", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n" + get, 1},
	} {
		for _, oneByte := range []bool{false, true} {
			name := tc.name
			if oneByte {
				name += "/one byte reads"
			}
			t.Run(name, func(t *testing.T) {
				m, err := NewMonitor("test", monitor.WithManualSampling())
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				evIn, evReq := m.MustEvent(BytesIn.Name()), m.MustEvent(Requests.Name())
				var src io.Reader = strings.NewReader(tc.in)
				if oneByte {
					src = iotest.OneByteReader(src)
				}
				var dst bytes.Buffer
				c := m.Open("c")
				defer c.Close()
				tt := tee{src: src, dst: &dst, mc: c, events: bindOf(m), ev: evIn}
				tt.countRequests()
				if tt.err != io.EOF {
					t.Errorf("err = %v, want io.EOF", tt.err)
				}
				if dst.String() != tc.in {
					t.Errorf("forwarded %d bytes, want the %d given", dst.Len(), len(tc.in))
				}
				if got := m.Total(evReq); got != tc.want {
					t.Errorf("requests = %d, want %d", got, tc.want)
				}
				if got := m.Total(evIn); got != uint64(len(tc.in)) {
					t.Errorf("bytes_in = %d, want %d", got, len(tc.in))
				}
			})
		}
	}
}

// A failing write stops forwarding and is left in err.
func TestTeeWriteError(t *testing.T) {
	tt := tee{src: strings.NewReader("GET / HTTP/1.1\r\n\r\n"), dst: errWriter{}}
	tt.countRequests()
	if tt.err != io.ErrClosedPipe {
		t.Fatalf("err = %v, want %v", tt.err, io.ErrClosedPipe)
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestScanRequestsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects at random under the race detector; make test runs this without it")
	}
	in := strings.Repeat("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 10) +
		"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
		"POST /c HTTP/1.1\r\nTransfer-Encoding: gzip, , chunked ,\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n" // empty elements (RFC 9110 5.6.1)
	m, err := NewMonitor("test", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := m.Open("c")
	defer c.Close()
	r := strings.NewReader(in)
	tt := tee{src: r, dst: io.Discard, mc: c, events: bindOf(m)}
	tt.countRequests() // warm the pools
	allocs := testing.AllocsPerRun(20, func() {
		r.Reset(in)
		tt.err = nil
		tt.countRequests()
	})
	if allocs > 0 {
		t.Errorf("counting 12 requests allocates %v times, want 0", allocs)
	}
}

// FuzzScanRequests checks, on any stream, that every byte is forwarded
// and that the count does not depend on how the stream is cut into reads
// (whole heads are scanned in place, others a line at a time).
func FuzzScanRequests(f *testing.F) {
	f.Add([]byte(benchRequest + "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"))
	f.Add([]byte("\r\nGET / HTTP/1.1\nHost: x\n\nGET / HTTP/1.1\r\nX: 1\r\n 2\r\n\r\n"))
	f.Add([]byte("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHEAD / HTTP/1.0\r\n\r\n"))
	f.Add([]byte("POST /c HTTP/1.1\r\nTransfer-Encoding: gzip, ,chunked ,\r\nTransfer-Encoding: ,\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		count := func(oneByte bool) uint64 {
			m, err := NewMonitor("test", monitor.WithManualSampling())
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			ev := m.MustEvent(Requests.Name())
			var src io.Reader = bytes.NewReader(in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			var dst bytes.Buffer
			c := m.Open("c")
			defer c.Close()
			tt := tee{src: src, dst: &dst, mc: c, events: bindOf(m), ev: m.MustEvent(BytesIn.Name())}
			tt.countRequests()
			if !bytes.Equal(dst.Bytes(), in) {
				t.Fatalf("forwarded %q, want %q", dst.Bytes(), in)
			}
			return m.Total(ev)
		}
		if whole, bytewise := count(false), count(true); whole != bytewise {
			t.Fatalf("%d requests with whole reads, %d with one-byte reads", whole, bytewise)
		}
	})
}
