package http1_test

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/hitrate/hitrate/proxy/http1"
)

// counter is an http1.Observer that counts what it is told.
type counter struct {
	requests  int
	responses []int
}

func (c *counter) Request()            { c.requests++ }
func (c *counter) Response(status int) { c.responses = append(c.responses, status) }

// The scanners report through an Observer alone: requests as their heads
// complete, responses by status, paired through a Queue (a HEAD's
// response has no body, so the bytes after it are the next response).
func TestScanObserver(t *testing.T) {
	reqs := "GET / HTTP/1.1\r\nHost: x\r\n\r\n" +
		"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
	resps := "HTTP/1.1 100 Continue\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" +
		"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + // to the HEAD: no body
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	var q http1.Queue
	var c counter
	if err := http1.ScanRequests(bufio.NewReader(strings.NewReader(reqs)), &c, &q); err != io.EOF {
		t.Fatalf("ScanRequests = %v, want io.EOF", err)
	}
	q.Close()
	if err := http1.ScanResponses(bufio.NewReader(strings.NewReader(resps)), &c, &q); err != io.EOF {
		t.Fatalf("ScanResponses = %v, want io.EOF", err)
	}
	if c.requests != 3 {
		t.Errorf("requests = %d, want 3", c.requests)
	}
	if want := []int{100, 200, 200, 404}; !slices.Equal(c.responses, want) {
		t.Errorf("responses = %v, want %v", c.responses, want)
	}

	// Not HTTP/1.x: ErrNotHTTP, nothing reported.
	var none counter
	if err := http1.ScanRequests(bufio.NewReader(strings.NewReader("SSH-2.0-OpenSSH_9.6\r\n")), &none, nil); !errors.Is(err, http1.ErrNotHTTP) {
		t.Errorf("ScanRequests(SSH) = %v, want ErrNotHTTP", err)
	}
	if err := http1.ScanResponses(bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\n\r\n")), &none, nil); !errors.Is(err, http1.ErrNotHTTP) {
		t.Errorf("ScanResponses with no request = %v, want ErrNotHTTP", err)
	}
	if none.requests != 0 || len(none.responses) != 1 {
		t.Errorf("reported %d requests, responses %v; want 0 and the one status seen", none.requests, none.responses)
	}
}

// scanBoth scans reqs with ScanRequests, then resps with ScanResponses
// paired through the queue ScanRequests filled, as the proxy does; with
// oneByte, the streams come a byte at a time (the heads are read a line
// at a time, not scanned in place).
func scanBoth(reqs, resps string, oneByte bool) (c counter, reqErr, respErr error) {
	reader := func(s string) *bufio.Reader {
		if oneByte {
			return bufio.NewReader(iotest.OneByteReader(strings.NewReader(s)))
		}
		return bufio.NewReader(strings.NewReader(s))
	}
	var q http1.Queue
	reqErr = http1.ScanRequests(reader(reqs), &c, &q)
	q.Close()
	respErr = http1.ScanResponses(reader(resps), &c, &q)
	return c, reqErr, respErr
}

// Any 2xx to a CONNECT starts a tunnel right after its header (RFC 9110
// 9.3.6), a 204 too: the bytes after it are the tunnel's, even when they
// look like responses.
func TestScanConnect204(t *testing.T) {
	reqs := "CONNECT x:80 HTTP/1.1\r\nHost: x:80\r\n\r\n" + "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	resps := "HTTP/1.1 204 No Content\r\n\r\n" + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	for _, oneByte := range []bool{false, true} {
		c, reqErr, respErr := scanBoth(reqs, resps, oneByte)
		if !errors.Is(reqErr, http1.ErrNotHTTP) || !errors.Is(respErr, http1.ErrNotHTTP) {
			t.Errorf("one byte reads %v: scans = %v, %v; want ErrNotHTTP (a tunnel) for both", oneByte, reqErr, respErr)
		}
		if want := []int{204}; c.requests != 1 || !slices.Equal(c.responses, want) {
			t.Errorf("one byte reads %v: requests %d, responses %v; want 1 and %v (the tunnel's bytes uncounted)", oneByte, c.requests, c.responses, want)
		}
	}
}

// A line folded onto a Content-Length or a Transfer-Encoding (obs-fold)
// is part of its value (RFC 9112 5.2: a user agent must, a server may,
// replace the fold with spaces; a server may instead reject the message):
// the framing is no longer what the first line says, so the scans stop
// there. A fold on another field changes nothing.
func TestScanFoldedFraming(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tc := range []struct {
		name         string
		reqs, resps  string
		wantRequests int
		wantStatuses []int
	}{
		// Unfolded: "chunked , gzip", chunked not last: a request the
		// server must reject (RFC 9112 6.3 item 4).
		{"request Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n , gzip\r\n\r\n0\r\n\r\n" + get, "", 0, nil},
		// Unfolded: "5 5", not a valid Content-Length (6.3 item 5).
		{"request Content-Length", "POST / HTTP/1.1\r\nContent-Length: 5\r\n 5\r\n\r\nhello" + get, "", 0, nil},
		// Unfolded: "chunked , gzip": the body runs to the end of the
		// stream (6.3 item 4); the bytes after the chunks are the body's.
		{"response Transfer-Encoding", get + get,
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n , gzip\r\n\r\n0\r\n\r\n" + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
			2, nil},
		{"response Content-Length", get + get,
			"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\t5\r\n\r\nhello" + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
			2, nil},
		{"another field", "GET / HTTP/1.1\r\nContent-Length: 0\r\nX-A: 1\r\n 2\r\n\r\n" + get,
			"HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n" + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
			2, []int{200, 404}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkScan(t, tc.reqs, tc.resps, tc.wantRequests, tc.wantStatuses)
		})
	}
}

// A request with both a Content-Length and a Transfer-Encoding, or an
// HTTP/1.0 message with a Transfer-Encoding, is one whose framing a
// recipient may take otherwise (it may reject it, or use the length: a
// smuggled request) and after which it must close the connection (RFC
// 9112 6.1): the scans count it, then stop, and count nothing of what
// follows it, which the recipient never reads as messages. A response
// with both is framed by its Transfer-Encoding (RFC 9112 6.3 item 3; an
// HTTP/1.1 client need not close after it).
func TestScanFaultyFraming(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	smuggled := "0\r\n\r\n" + get // chunked: an empty body, then a GET; by its length, one body
	notFound := "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	for _, tc := range []struct {
		name         string
		reqs, resps  string
		wantRequests int
		wantStatuses []int
	}{
		{"request Content-Length, Transfer-Encoding",
			"POST / HTTP/1.1\r\nContent-Length: " + strconv.Itoa(len(smuggled)) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled + get,
			"", 1, nil},
		{"request Transfer-Encoding, Content-Length",
			"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\ncontent-length: " + strconv.Itoa(len(smuggled)) + "\r\n\r\n" + smuggled + get,
			"", 1, nil},
		{"HTTP/1.0 request with Transfer-Encoding", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled, "", 1, nil},
		{"HTTP/1.0 response with Transfer-Encoding", get + get,
			"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + notFound, 2, []int{200}},
		{"HTTP/1.1 response with both", get + get,
			"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + notFound, 2, []int{200, 404}},
		{"HTTP/1.0 request with Content-Length", "POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello" + get, "", 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkScan(t, tc.reqs, tc.resps, tc.wantRequests, tc.wantStatuses)
		})
	}
}

// Around a field's value only spaces and tabs are optional whitespace
// (RFC 9110 5.6.3); a Content-Length with other bytes around its digits
// (a vertical tab, a form feed, a no-break space, a bare CR) is invalid:
// the server must answer 400 and close (RFC 9112 6.3 item 5), so the
// scan stops, uncounted, as for any bad length. A Transfer-Encoding whose
// last coding is such is not chunked: its length is unknown.
func TestScanValueWhitespace(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, ws := range []string{"\v", "\f", "\u00a0", "\r", "\u0085"} {
		for _, in := range []string{
			"POST / HTTP/1.1\r\nContent-Length: 5" + ws + "\r\n\r\nhello" + get,
			"POST / HTTP/1.1\r\nContent-Length:" + ws + "5\r\n\r\nhello" + get,
			"POST / HTTP/1.1\r\nTransfer-Encoding: chunked" + ws + "\r\n\r\n0\r\n\r\n" + get,
		} {
			for _, oneByte := range []bool{false, true} {
				c, err, _ := scanBoth(in, "", oneByte)
				if c.requests != 0 || !errors.Is(err, http1.ErrNotHTTP) {
					t.Errorf("%q, one byte reads %v: %d requests, %v; want 0, ErrNotHTTP", in, oneByte, c.requests, err)
				}
			}
		}
	}
	// Spaces and tabs are.
	c, err, _ := scanBoth("POST / HTTP/1.1\r\nContent-Length: \t5 \t\r\nTransfer-Encoding:\t chunked \t\r\n\r\n0\r\n\r\n"+get, "", false)
	if c.requests != 1 || !errors.Is(err, http1.ErrNotHTTP) { // both: counted, then stops
		t.Errorf("spaces and tabs: %d requests, %v; want 1, ErrNotHTTP", c.requests, err)
	}
	c, err, _ = scanBoth("POST / HTTP/1.1\r\nContent-Length: \t5 \t\r\n\r\nhello"+get, "", false)
	if c.requests != 2 || err != io.EOF {
		t.Errorf("spaces and tabs: %d requests, %v; want 2, io.EOF", c.requests, err)
	}
}

// No whitespace is allowed between a field name and its colon (RFC 9112
// 5.1): a server must reject such a request with 400, a proxy must remove
// it from a response, and a lenient recipient may take "Content-Length :"
// or "Transfer-Encoding\t:" for the framing field that the scans, taking
// its name as is, would not see: the streams would desync (a request
// hidden in a body counted). So the scans stop at such a line (uncounted),
// on any field; whitespace elsewhere in a line is the value's.
func TestScanWhitespaceBeforeColon(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	notFound := "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	for _, tc := range []struct {
		name         string
		reqs, resps  string
		wantRequests int
		wantStatuses []int
	}{
		// By its length, the body is a GET: taken as bodiless, the GET
		// would be counted.
		{"request Content-Length space", "POST / HTTP/1.1\r\nContent-Length : " + strconv.Itoa(len(get)) + "\r\n\r\n" + get, "", 0, nil},
		{"request Content-Length tab", "POST / HTTP/1.1\r\nHost: x\r\ncontent-length\t: " + strconv.Itoa(len(get)) + "\r\n\r\n" + get, "", 0, nil},
		{"request Transfer-Encoding", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n" + get, "", 0, nil},
		{"request Upgrade", "GET / HTTP/1.1\r\nUpgrade : websocket\r\n\r\n" + get, "", 0, nil},
		{"request other field", "GET / HTTP/1.1\r\nX-A  \t : 1\r\n\r\n" + get, "", 0, nil},
		{"request after another", get + "GET / HTTP/1.1\r\nHost : x\r\n\r\n" + get, "", 1, nil},
		{"response Content-Length", get + get, "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello" + notFound, 2, nil},
		{"response Transfer-Encoding", get + get,
			"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + notFound, 2, nil},
		{"response other field", get + get, notFound + "HTTP/1.1 200 OK\r\nServer\t: x\r\nContent-Length: 0\r\n\r\n", 2, []int{404}},
		// Whitespace after the first colon, or in a folded line, is
		// not before a field name's colon.
		{"value", "GET / HTTP/1.1\r\nX-A: b : c\r\nX-B:\t:\r\n\r\n" + get,
			"HTTP/1.1 200 OK\r\nX-A: b : c\r\nContent-Length: 0\r\n\r\n" + notFound, 2, []int{200, 404}},
		{"folded line", "GET / HTTP/1.1\r\nX-A: 1\r\n : 2\r\n\r\n" + get, "", 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkScan(t, tc.reqs, tc.resps, tc.wantRequests, tc.wantStatuses)
		})
	}
}

// The last coding of a Transfer-Encoding list decides its framing, the
// list being the field's lines joined (RFC 9110 5.3). A sender must not
// apply chunked twice (RFC 9112 6.1), but a recipient that accepts it
// frames the message by its final chunked (6.3 item 4) as the scans do,
// and one that rejects it closes the connection: the count is right
// either way, so the scans follow it. A request whose final coding is not
// chunked has no length the server can know: it must answer 400 and
// close (6.3 item 4), and the scan stops there, uncounted; a response's
// body then runs to the end of the stream. The bodies here hold a
// request or a response in a chunk, counted if the framing were wrong.
func TestScanTransferCodings(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	notFound := "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	chunks := func(s string) string { return strconv.FormatInt(int64(len(s)), 16) + "\r\n" + s + "\r\n0\r\n\r\n" }
	for _, tc := range []struct {
		name         string
		reqs, resps  string
		wantRequests int
		wantStatuses []int
	}{
		{"request chunked twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" + chunks(get) + get, "", 2, nil},
		{"request chunked on two lines", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: CHUNKED\r\n\r\n" + chunks(get) + get, "", 2, nil},
		{"request chunked last of two lines", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks(get) + get, "", 2, nil},
		{"request chunked not last", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" + chunks(get) + get, "", 0, nil},
		{"request chunked not last of two lines", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n" + chunks(get) + get, "", 0, nil},
		{"response chunked twice", get + get, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" + chunks(notFound) + notFound, 2, []int{200, 404}},
		{"response chunked not last", get + get, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" + chunks(notFound) + notFound, 2, []int{200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkScan(t, tc.reqs, tc.resps, tc.wantRequests, tc.wantStatuses)
		})
	}
}

// A recipient must parse and ignore a reasonable number of empty list
// elements (RFC 9110 5.6.1), ones of only spaces and tabs too: the final
// coding of "chunked," or "gzip, , chunked ," is chunked, and the list of
// several Transfer-Encoding lines is their values joined with commas
// (RFC 9110 5.3), so a line of empty elements after "chunked" leaves
// chunked the final coding. A Transfer-Encoding with no coding at all
// (an empty value, or only empty elements) is present without chunked as
// its final coding: a request's length is unknown (400 and close, RFC
// 9112 6.3 item 4) and its scan stops, uncounted; a response's body runs
// to the end of the stream, as for an unknown coding. A byte that is not
// a space or a tab makes an element not empty (an unknown coding). The
// bodies hold a request or a response in a chunk, counted if the framing
// were wrong.
func TestScanTransferCodingEmptyElements(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	notFound := "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	chunks := func(s string) string { return strconv.FormatInt(int64(len(s)), 16) + "\r\n" + s + "\r\n0\r\n\r\n" }
	// te is a head's Transfer-Encoding lines, one per value.
	te := func(values ...string) string {
		var b strings.Builder
		for _, v := range values {
			b.WriteString("Transfer-Encoding:" + v + "\r\n")
		}
		return b.String()
	}
	for _, tc := range []struct {
		name    string
		values  []string // the Transfer-Encoding lines' values
		chunked bool     // whether chunked is the final coding (RFC 9110 5.6.1, 5.3)
	}{
		{"trailing comma", []string{" chunked,"}, true},
		{"trailing comma and space", []string{" chunked , "}, true},
		{"leading comma", []string{" , chunked"}, true},
		{"empty in the middle", []string{" gzip, , chunked"}, true},
		{"empty in the middle, no spaces", []string{"gzip,,chunked"}, true},
		{"empties all around", []string{"\t,, gzip ,\t, chunked ,\t,  ,"}, true},
		{"tabs only element", []string{" chunked,\t"}, true},
		{"upper case, trailing commas", []string{" CHUNKED,,"}, true},
		{"empty line after chunked", []string{" chunked", ""}, true},
		{"commas line after chunked", []string{" chunked", " , ,"}, true},
		{"commas line before chunked", []string{",", " chunked"}, true},
		{"chunked not last, trailing comma", []string{" chunked, gzip,"}, false},
		{"chunked not last, empty between", []string{" chunked, , gzip"}, false},
		{"commas line after gzip", []string{" chunked", " gzip", ", "}, false},
		{"vertical tab element", []string{" chunked,\v"}, false},
		{"no-break space element", []string{" chunked, \u00a0"}, false},
		{"empty value", []string{""}, false},
		{"spaces only", []string{" \t "}, false},
		{"comma only", []string{","}, false},
		{"commas and spaces only", []string{" , \t,, "}, false},
		{"two lines of commas", []string{",", " , "}, false},
	} {
		head := te(tc.values...)
		t.Run("request "+tc.name, func(t *testing.T) {
			want := 0 // the server must answer 400 and close
			if tc.chunked {
				want = 2
			}
			checkScan(t, "POST / HTTP/1.1\r\nHost: x\r\n"+head+"\r\n"+chunks(get)+get, "", want, nil)
		})
		t.Run("response "+tc.name, func(t *testing.T) {
			want := []int{200} // the body runs to the end of the stream
			if tc.chunked {
				want = []int{200, 404}
			}
			checkScan(t, get+get, "HTTP/1.1 200 OK\r\n"+head+"\r\n"+chunks(notFound)+notFound, 2, want)
			// A Transfer-Encoding overrides a Content-Length (RFC 9112
			// 6.3 item 3), whatever its codings.
			checkScan(t, get+get, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"+head+"\r\n"+chunks(notFound)+notFound, 2, want)
		})
	}
}

// checkScan scans reqs and resps, whole and one byte at a time, and
// checks the requests and the response statuses counted.
func checkScan(t *testing.T, reqs, resps string, wantRequests int, wantStatuses []int) {
	t.Helper()
	for _, oneByte := range []bool{false, true} {
		c, _, _ := scanBoth(reqs, resps, oneByte)
		if c.requests != wantRequests || !slices.Equal(c.responses, wantStatuses) {
			t.Errorf("one byte reads %v: requests %d, responses %v; want %d and %v",
				oneByte, c.requests, c.responses, wantRequests, wantStatuses)
		}
	}
}
