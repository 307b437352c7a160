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
				evIn, evReq := m.MustEvent(EventBytesIn), m.MustEvent(EventRequests)
				var src io.Reader = strings.NewReader(tc.in)
				if oneByte {
					src = iotest.OneByteReader(src)
				}
				var dst bytes.Buffer
				c := m.Open("c")
				defer c.Close()
				tt := tee{src: src, dst: &dst, mc: c, ev: evIn}
				tt.countRequests(evReq)
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
	tt.countRequests(monitor.Event{})
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
		"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
	m, err := NewMonitor("test", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := m.Open("c")
	defer c.Close()
	ev := m.MustEvent(EventRequests)
	r := strings.NewReader(in)
	tt := tee{src: r, dst: io.Discard, mc: c}
	tt.countRequests(ev) // warm the pools
	allocs := testing.AllocsPerRun(20, func() {
		r.Reset(in)
		tt.err = nil
		tt.countRequests(ev)
	})
	if allocs > 0 {
		t.Errorf("counting 11 requests allocates %v times, want 0", allocs)
	}
}
