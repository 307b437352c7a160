package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/proxy/http1"
)

// classes is the count of responses per status class, 1xx to 5xx.
type classes [5]uint64

// scanResponseStream forwards in through a tee counting responses, the
// requests' kinds queued (and the queue closed) beforehand, and returns
// the counts by class and the bytes forwarded.
func scanResponseStream(t testing.TB, in string, kinds []http1.Kind, oneByte bool) (classes, string) {
	m, err := NewMonitor("test", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var evs [5]monitor.Event
	for i, name := range []string{Responses1xx.Name(), Responses2xx.Name(), Responses3xx.Name(), Responses4xx.Name(), Responses5xx.Name()} {
		evs[i] = m.MustEvent(name)
	}
	q := new(http1.Queue)
	for _, k := range kinds {
		q.Push(k)
	}
	q.Close()
	var src io.Reader = strings.NewReader(in)
	if oneByte {
		src = iotest.OneByteReader(src)
	}
	var dst bytes.Buffer
	c := m.Open("c")
	defer c.Close()
	tt := tee{src: src, dst: &dst, mc: c, events: bindOf(m), ev: m.MustEvent(BytesOut.Name()), q: q}
	tt.countResponses()
	if tt.err != io.EOF {
		t.Errorf("err = %v, want io.EOF", tt.err)
	}
	var got classes
	for i, ev := range evs {
		got[i] = m.Total(ev)
	}
	return got, dst.String()
}

func TestScanResponses(t *testing.T) {
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	notFound := "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n"
	// A body that looks like responses, to be skipped whole.
	fake := strings.Repeat("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", 3)
	chunked := "HTTP/1.1 302 Found\r\nLocation: /x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5;ext=1\r\nhello\r\n26\r\n" + fake[:0x26] + "\r\n0\r\nX-Trailer: y\r\n\r\n"
	big := "HTTP/1.0 503 Service Unavailable\r\ncontent-length: 100000\r\n\r\n" + strings.Repeat(fake, 100000/len(fake)+1)[:100000]
	other := func(n int) []http1.Kind { return make([]http1.Kind, n) } // n requests, not HEAD nor CONNECT
	for _, tc := range []struct {
		name  string
		in    string
		kinds []http1.Kind
		want  classes
	}{
		{"empty", "", nil, classes{}},
		{"one", ok, other(1), classes{0, 1}},
		{"keep-alive", ok + notFound + ok, other(3), classes{0, 2, 0, 1}},
		{"chunked", chunked + notFound, other(2), classes{0, 0, 1, 1}},
		{"big body", big + ok, other(2), classes{0, 1, 0, 0, 1}},
		{"Content-Length body looks like responses", "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(fake)) + "\r\n\r\n" + fake + notFound, other(2), classes{0, 1, 0, 1}},
		{"no reason, empty reason", "HTTP/1.1 204\r\n\r\nHTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", other(2), classes{0, 2}},
		{"204 has no body", "HTTP/1.1 204 No Content\r\n\r\n" + notFound, other(2), classes{0, 1, 0, 1}},
		{"304 has no body, whatever its Content-Length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n" + notFound, other(2), classes{0, 0, 1, 1}},
		{"a HEAD's response has no body", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + notFound + ok, []http1.Kind{http1.Head, http1.Other, http1.Other}, classes{0, 2, 0, 1}},
		{"a HEAD's chunked response has no body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + notFound, []http1.Kind{http1.Head, http1.Other}, classes{0, 1, 0, 1}},
		{"interim responses pair with no request", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" + ok + notFound, other(2), classes{2, 1, 0, 1}},
		{"101 switches protocol", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n" + ok, other(2), classes{1}},
		{"a 2xx to CONNECT is a tunnel", "HTTP/1.1 200 Connection established\r\n\r\n" + ok, []http1.Kind{http1.Connect, http1.Other}, classes{0, 1}},
		{"a 407 to CONNECT is a response", "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nno" + ok, []http1.Kind{http1.Connect, http1.Other}, classes{0, 1, 0, 1}},
		{"body to the end of the stream", "HTTP/1.0 200 OK\r\n\r\n" + fake + ok, other(2), classes{0, 1}},
		{"unknown coding: to the end of the stream", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nxx" + ok, other(2), classes{0, 1}},
		{"chunked overrides Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n" + notFound, other(2), classes{0, 1, 0, 1}},
		{"more responses than requests", ok + notFound + ok, other(1), classes{0, 1, 0, 1}},
		{"pipelined past the queue", strings.Repeat(ok, http1.QueueCap+5), other(http1.QueueCap + 5), classes{0, http1.QueueCap + 1}},
		{"truncated header", ok + "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n", other(2), classes{0, 1}},
		{"truncated body", "HTTP/1.1 500 Oops\r\nContent-Length: 100\r\n\r\nabc", other(1), classes{0, 0, 0, 0, 1}},
		{"bare LF and a stray line ending", "HTTP/1.1 200 OK\nContent-Length: 0\n\n\r\n" + notFound, other(2), classes{0, 1, 0, 1}},
		{"HTTP/2", "HTTP/2 200\r\n\r\n" + ok, other(2), classes{}},
		{"lower case", "http/1.1 200 OK\r\n\r\n", other(1), classes{}},
		{"four-digit status", "HTTP/1.1 2000 OK\r\n\r\n" + ok, other(2), classes{}},
		{"status 600", "HTTP/1.1 600 Nope\r\n\r\n" + ok, other(2), classes{}},
		{"status 099", "HTTP/1.1 099 Nope\r\n\r\n" + ok, other(2), classes{}},
		{"letters in the status", "HTTP/1.1 2x0 Nope\r\n\r\n" + ok, other(2), classes{}},
		{"conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab" + ok, other(2), classes{}},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + ok, other(2), classes{0, 1}},
		{"then garbage", ok + "SSH-2.0-OpenSSH_9.6\r\n" + ok, other(2), classes{0, 1}},
		{"line over the buffer", "HTTP/1.1 200 " + strings.Repeat("a", bufSize) + "\r\n\r\n" + ok, other(2), classes{}},
	} {
		for _, oneByte := range []bool{false, true} {
			name := tc.name
			if oneByte {
				name += "/one byte reads"
			}
			t.Run(name, func(t *testing.T) {
				got, fwd := scanResponseStream(t, tc.in, tc.kinds, oneByte)
				if fwd != tc.in {
					t.Errorf("forwarded %d bytes, want the %d given", len(fwd), len(tc.in))
				}
				if got != tc.want {
					t.Errorf("responses by class = %v, want %v", got, tc.want)
				}
			})
		}
	}
}

func TestScanResponsesAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects at random under the race detector; make test runs this without it")
	}
	in := strings.Repeat("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", 7) +
		"HTTP/1.1 100 Continue\r\n\r\n" +
		"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked,\t,\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + // empty elements (RFC 9110 5.6.1)
		"HTTP/1.1 304 Not Modified\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" // to a HEAD
	kinds := append(make([]http1.Kind, 10), http1.Head)
	const responses = 12
	m, err := NewMonitor("test", monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var evs [5]monitor.Event
	for i, name := range []string{Responses1xx.Name(), Responses2xx.Name(), Responses3xx.Name(), Responses4xx.Name(), Responses5xx.Name()} {
		evs[i] = m.MustEvent(name)
	}
	c := m.Open("c")
	defer c.Close()
	r := strings.NewReader(in)
	q := new(http1.Queue)
	tt := tee{src: r, dst: io.Discard, mc: c, events: bindOf(m), q: q}
	runs := 0
	run := func() {
		runs++
		r.Reset(in)
		*q = http1.Queue{}
		for _, k := range kinds {
			q.Push(k)
		}
		q.Close()
		tt.err = nil
		tt.countResponses()
	}
	run() // warm the pools
	allocs := testing.AllocsPerRun(20, run)
	if allocs > 0 {
		t.Errorf("counting %d responses allocates %v times, want 0", responses, allocs)
	}
	var total uint64
	for _, ev := range evs {
		total += m.Total(ev)
	}
	if want := uint64(runs * responses); total != want {
		t.Errorf("counted %d responses in %d runs, want %d", total, runs, want)
	}
}

// FuzzScanResponses checks, on any stream and any requests, that every
// byte is forwarded, that the counts do not depend on how the stream is
// cut into reads, and that no more responses are counted than there are
// status lines.
func FuzzScanResponses(f *testing.F) {
	f.Add(uint64(0), []byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\n\r\n"))
	f.Add(uint64(1), []byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"))
	f.Add(uint64(2), []byte("HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 500 x\r\n\r\n"))
	f.Add(uint64(0), []byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	f.Add(uint64(0), []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, \r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\nTransfer-Encoding: ,\r\n\r\n"))
	f.Fuzz(func(t *testing.T, kindBits uint64, in []byte) {
		// Up to 32 requests, 2 bits each: their kinds (3 is http1.Other).
		var kinds []http1.Kind
		for i := range 32 {
			k := http1.Kind(kindBits >> (2 * i) & 3)
			if k > http1.Connect {
				k = http1.Other
			}
			kinds = append(kinds, k)
		}
		whole, fwd := scanResponseStream(t, string(in), kinds, false)
		if fwd != string(in) {
			t.Fatalf("forwarded %q, want %q", fwd, in)
		}
		bytewise, _ := scanResponseStream(t, string(in), kinds, true)
		if whole != bytewise {
			t.Fatalf("counts %v with whole reads, %v with one-byte reads", whole, bytewise)
		}
		var n uint64
		for _, c := range whole {
			n += c
		}
		if lines := uint64(bytes.Count(in, []byte("HTTP/1."))); n > lines {
			t.Fatalf("counted %d responses in a stream with %d status lines", n, lines)
		}
	})
}

// statusHandler answers /status?code=C&n=N with status C and N bytes of a
// body that looks like responses; with &chunked it flushes the body in
// pieces (chunked encoding in HTTP/1.1, the end of the stream in
// HTTP/1.0); to a HEAD it gives Content-Length N and no body. /continue
// reads the body (so the server sends 100 Continue) and answers 201.
// /upgrade switches protocols, then sends bytes that look like responses.
func statusHandler(t *testing.T) http.Handler {
	fake := []byte(strings.Repeat("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", 1000))
	mux := http.NewServeMux()
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		body := bytes.Repeat(fake, n/len(fake)+1)[:n]
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		w.WriteHeader(code)
		if r.URL.Query().Has("chunked") {
			for len(body) > 0 {
				k := min(len(body), 1000)
				w.Write(body[:k])
				w.(http.Flusher).Flush()
				body = body[k:]
			}
			return
		}
		w.Write(body)
	})
	mux.HandleFunc("/continue", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("/upgrade", func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
		brw.Write(fake[:400])
		brw.Flush()
	})
	return mux
}

// Through the proxy to a real HTTP server, the responses of every class
// are counted exactly: keep-alive and pipelined, with Content-Length,
// chunked, no body (HEAD, 204, 304), 100 Continue, 101, and a body to the
// end of the stream.
func TestResponseClassesExact(t *testing.T) {
	up := httptest.NewServer(statusHandler(t))
	defer up.Close()
	m := newMonitor(t, "http")
	p, addr := startProxy(t, up.Listener.Addr().String(), m)

	req := func(method, code string, n int, extra string) string {
		return fmt.Sprintf("%s /status?code=%s&n=%d%s HTTP/1.1\r\nHost: up\r\n\r\n", method, code, n, extra)
	}
	// One of each framing, and what it adds to each class.
	mixed := []string{
		req("GET", "200", 10, ""),
		req("GET", "404", 5000, ""),             // Content-Length
		req("GET", "302", 50000, "&chunked"),    // chunked, over the proxy's buffer
		req("HEAD", "200", 1<<20, ""),           // Content-Length, no body
		req("HEAD", "503", 70000, "&chunked"),   // no body
		req("GET", "204", 0, ""),                // no body
		req("GET", "304", 0, ""),                // no body
		req("POST", "500", 3, "&chunked"),       // chunked
		req("GET", "418", 0, ""),                // Content-Length: 0
		req("GET", "201", 100000, "&chunked"),   // chunked
		req("DELETE", "502", 40000, "&chunked"), // chunked
	}
	mixedWant := classes{0, 4, 2, 2, 3}
	steps := func(reqs []string, pipelined bool) [][]string {
		if pipelined {
			return [][]string{reqs}
		}
		var s [][]string
		for _, r := range reqs {
			s = append(s, []string{r})
		}
		return s
	}
	type client struct {
		steps [][]string // writes; after each, read its responses
		want  classes
	}
	clients := []client{
		{steps(mixed, false), mixedWant},
		{steps(mixed, true), mixedWant},
		{steps(append(append([]string{}, mixed...), mixed...), true), classes{0, 8, 4, 4, 6}},
		{[][]string{{"GET /upgrade HTTP/1.1\r\nHost: up\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n"}}, classes{1}},
		{[][]string{{req("GET", "200", 10, "") + "GET /upgrade HTTP/1.1\r\nHost: up\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n"}}, classes{1, 1}},
		// HTTP/1.0 and a body flushed before its end: to the end of the stream.
		{[][]string{{req("GET", "404", 1000, ""), "GET /status?code=503&n=80000&chunked HTTP/1.0\r\nHost: up\r\n\r\n"}}, classes{0, 0, 0, 1, 1}},
	}
	var want classes
	for _, c := range clients {
		for i := range want {
			want[i] += c.want[i]
		}
	}
	// 100 Continue: the client waits for it before sending the body.
	want[0]++
	want[1]++

	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, addr)
			defer c.Close()
			br := bufio.NewReader(c)
			for _, writes := range cl.steps {
				if _, err := io.WriteString(c, strings.Join(writes, "")); err != nil {
					t.Errorf("client %d: %v", i, err)
					return
				}
				for _, w := range writes {
					r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(w)))
					if err != nil {
						t.Errorf("client %d: %v", i, err)
						return
					}
					resp, err := http.ReadResponse(br, r)
					if err != nil {
						t.Errorf("client %d: %v", i, err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusSwitchingProtocols {
						io.Copy(io.Discard, br) // the rest is not HTTP
						return
					}
				}
			}
			c.CloseWrite()
			io.Copy(io.Discard, br)
		}()
	}
	wg.Add(1)
	go func() { // 100 Continue
		defer wg.Done()
		c := dial(t, addr)
		defer c.Close()
		br := bufio.NewReader(c)
		io.WriteString(c, "POST /continue HTTP/1.1\r\nHost: up\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		for _, wantCode := range []int{100, 201} {
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != wantCode {
				t.Errorf("100-continue client: %v, %v; want %d", resp, err, wantCode)
				return
			}
			resp.Body.Close()
			if wantCode == 100 {
				io.WriteString(c, "hello")
			}
		}
		c.CloseWrite()
		io.Copy(io.Discard, br)
	}()
	wg.Wait()
	if t.Failed() {
		return
	}
	waitClosed(t, m, uint64(len(clients)+1))
	var got classes
	for i, name := range []string{Responses1xx.Name(), Responses2xx.Name(), Responses3xx.Name(), Responses4xx.Name(), Responses5xx.Name()} {
		got[i] = m.Total(m.MustEvent(name))
	}
	if got != want {
		t.Errorf("responses by class = %v, want %v", got, want)
	}
	checkTotals(t, m, map[string]uint64{Errors.Name(): 0})
	if p.Active() != 0 {
		t.Errorf("%d connections still active", p.Active())
	}
}
