package proxy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"strings"
	"sync"

	"github.com/hitrate/hitrate/monitor"
)

// errNotHTTP stops request counting: the stream is not, or no longer,
// HTTP/1.x requests that the parser can follow.
var errNotHTTP = errors.New("proxy: not an HTTP/1.x request stream")

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bufSize) }}

// countRequests forwards the client's stream, counting the HTTP/1.x
// requests in it as ev, until the stream ends or fails (t.err). When the
// stream is not HTTP/1.x, it forwards the rest uncounted.
//
// The parser reads through t, which forwards every byte before the parser
// sees it: the parser never holds bytes back. It allocates nothing: it
// finds request boundaries (the request line, the header block, and a
// Content-Length or chunked body) without building requests.
func (t *tee) countRequests(ev monitor.Event) {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(t)
	err := scanRequests(br, t.mc, ev, t.q)
	t.q.close()
	br.Reset(nil)
	readerPool.Put(br)
	if t.err == nil && err != nil {
		// Not HTTP: what br holds is already forwarded; forward the rest.
		t.drain()
	}
}

// scanRequests reads HTTP/1.x requests from br, counting each on mc once
// its header is complete, until br fails (io.EOF at a clean end) or the
// stream is not HTTP/1.x (errNotHTTP). It pushes the kind of each request
// on q (which may be nil) as soon as its request line is read, for the
// response parser.
func scanRequests(br *bufio.Reader, mc monitor.Conn, ev monitor.Event, q *pending) error {
	for {
		connect, h, err := nextRequest(br, q)
		if err != nil {
			return err
		}
		if h.te && !h.chunked {
			return errNotHTTP // a request body of unknown length
		}
		mc.Log(ev)
		if connect || h.upgrade {
			return errNotHTTP // may switch to another protocol
		}
		if h.chunked {
			err = skipChunked(br)
		} else {
			err = discard(br, h.length)
		}
		if err != nil {
			return err
		}
	}
}

// nextRequest reads the next request's head, pushing its kind on q once
// its request line is known to be one. When br holds the whole head (the
// common case), it scans it in place (scanHead); else it reads it a line
// at a time. Both judge it alike.
func nextRequest(br *bufio.Reader, q *pending) (connect bool, h header, err error) {
	buf, err := buffered(br)
	if err != nil {
		return false, h, err
	}
	if c := buf[0]; c != '\r' && c != '\n' {
		if first, h, n, err := scanHead(buf); n > 0 || err != nil {
			connect, ok := parseRequestLine(buf[:first])
			if !ok {
				return false, h, errNotHTTP
			}
			pushKind(q, buf[:first], connect)
			if err == nil {
				br.Discard(n) // buffered: cannot fail
			}
			return connect, h, err
		}
	}
	for {
		line, err := readLine(br)
		if err != nil {
			return false, h, err
		}
		if len(line) == 0 {
			continue // empty lines may precede a request line (RFC 9112 2.2)
		}
		connect, ok := parseRequestLine(line)
		if !ok {
			return false, h, errNotHTTP
		}
		pushKind(q, line, connect)
		h, err = readHeader(br)
		return connect, h, err
	}
}

// pushKind pushes on q the kind of the request whose request line is line.
func pushKind(q *pending, line []byte, connect bool) {
	switch {
	case connect:
		q.push(reqConnect)
	case bytes.HasPrefix(line, []byte("HEAD ")):
		q.push(reqHead)
	default:
		q.push(reqOther)
	}
}

// buffered returns the bytes br holds, reading once if it holds none.
func buffered(br *bufio.Reader) ([]byte, error) {
	if br.Buffered() == 0 {
		if _, err := br.Peek(1); err != nil {
			return nil, err
		}
	}
	buf, _ := br.Peek(br.Buffered())
	return buf, nil
}

// readLine returns the next line without its line ending ("\r\n" or
// "\n"). A line longer than br's buffer is errNotHTTP. The line is valid
// until the next read of br.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			return nil, errNotHTTP
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// parseRequestLine reports whether line is an HTTP/1.x request line
// (method SP request-target SP HTTP/1.d) and whether its method is
// CONNECT.
func parseRequestLine(line []byte) (connect, ok bool) {
	sp := -1
	for i, c := range line {
		if c == ' ' {
			sp = i
			break
		}
		if c-'A' > 'Z'-'A' && !isTokenChar(c) {
			return false, false
		}
	}
	// The version is the last 9 bytes; the target, between, has no
	// space; its other bytes are the upstream's to judge.
	v := len(line) - len(" HTTP/1.d")
	if sp <= 0 || v <= sp+1 || line[v] != ' ' || string(line[v+1:v+8]) != "HTTP/1." ||
		line[v+8]-'0' > 9 || bytes.IndexByte(line[sp+1:v], ' ') >= 0 {
		return false, false
	}
	return string(line[:sp]) == "CONNECT", true
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// header is what the parsers need of a header block.
type header struct {
	length  int64 // the body's length, when not chunked
	sized   bool  // a Content-Length gave length
	chunked bool
	te      bool // a Transfer-Encoding: chunked, or (if not chunked) a body delimited by the end of the stream
	upgrade bool // an Upgrade header: the protocol may switch
}

// readHeader reads a header block up to its empty line. Conflicting
// Content-Lengths, or a malformed line, are errNotHTTP.
//
// It reads the block a line at a time, for a head that br does not hold
// whole (else scanHead scans it in place); both judge each line alike
// (headerLine).
func readHeader(br *bufio.Reader) (header, error) {
	var h header
	var sawLength, sawTE bool
	for {
		line, err := readLine(br)
		if err != nil {
			return h, err
		}
		if len(line) == 0 {
			return h.end(sawTE), nil
		}
		if err := headerLine(&h, line, &sawLength, &sawTE); err != nil {
			return h, err
		}
	}
}

// scanHead scans a message head at the start of buf: its start line
// (buf[:first], without its line ending) and its header block. It
// returns what the block says and the head's length, through the block's
// empty line; n is 0 when buf does not hold the whole head. err is
// errNotHTTP for a malformed header line. It judges each header line as
// headerLine does, but finds the lines, and the colons in them, 64 bytes
// at a time (lineMasks), and hands headerLine only the lines whose name
// could be one it looks for (by their first byte and where their colon
// would be); of the others it checks only that they have a name and a
// colon, as headerLine would.
func scanHead(buf []byte) (first int, h header, n int, err error) {
	var sawLength, sawTE bool
	var nl, colon [maskBatch]uint64
	s := 0          // where the current line starts
	lastColon := -1 // where the last ':' before the current '\n' is
	for base := 0; base < len(buf); {
		rest := len(buf) - base
		chunks := min((rest+63)/64, maskBatch)
		var p []byte
		switch {
		case cap(buf)-base >= 64*chunks:
			// Bytes past len(buf) (stale, in br's buffer) are masked off.
			p = buf[base : base+64*chunks]
		case rest >= 64:
			chunks = min(rest/64, maskBatch)
			p = buf[base:]
		default:
			var tail [64]byte
			copy(tail[:], buf[base:])
			p = tail[:]
		}
		lineMasks(p, chunks, &nl, &colon)
		for k := range chunks {
			at := base + 64*k
			nls, cols := nl[k], colon[k]
			if v := len(buf) - at; v < 64 {
				keep := uint64(1)<<v - 1
				nls, cols = nls&keep, cols&keep
			}
			for nls != 0 {
				j := bits.TrailingZeros64(nls)
				nls &= nls - 1
				if below := cols & (uint64(1)<<j - 1); below != 0 {
					lastColon = at + 63 - bits.LeadingZeros64(below)
				}
				i := at + j // the '\n'
				start, end := s, i
				s = i + 1
				if end > start && buf[end-1] == '\r' {
					end--
				}
				if start == 0 {
					first = end
					continue
				}
				if end == start {
					return first, h.end(sawTE), s, nil
				}
				line := buf[start:end]
				switch c := line[0]; {
				case c == ' ' || c == '\t':
					// obsolete line folding: a continuation
				case c|0x20 == 'c' && len(line) > len("Content-Length") && line[len("Content-Length")] == ':':
					if n, ok := contentLength(line); ok {
						if sawLength && n != h.length {
							return first, h, 0, errNotHTTP
						}
						h.length, sawLength, h.sized = n, true, true
					} else if err := headerLine(&h, line, &sawLength, &sawTE); err != nil {
						return first, h, 0, err
					}
				case c|0x20 == 't' && len(line) > len("Transfer-Encoding") && line[len("Transfer-Encoding")] == ':',
					c|0x20 == 'u' && len(line) > len("Upgrade") && line[len("Upgrade")] == ':':
					if err := headerLine(&h, line, &sawLength, &sawTE); err != nil {
						return first, h, 0, err
					}
				case c == ':' || lastColon < start:
					return first, h, 0, errNotHTTP // no name, or no colon
				}
			}
			if cols != 0 {
				lastColon = at + 63 - bits.LeadingZeros64(cols)
			}
		}
		base += 64 * chunks
	}
	return first, header{}, 0, nil
}

// The bytes of "Content-Length" 0 to 7 and 6 to 13 in lower case, as
// contentLength loads them.
var (
	content = binary.LittleEndian.Uint64([]byte("content-"))
	tLength = binary.LittleEndian.Uint64([]byte("t-length"))
)

// contentLength parses, as headerLine would, a header line that is a
// Content-Length with a plain value (digits between spaces or tabs); ok
// is false for any other line, for headerLine to judge.
func contentLength(line []byte) (n int64, ok bool) {
	const fold = 0x2020202020202020
	if len(line) < len("Content-Length:") ||
		binary.LittleEndian.Uint64(line)|fold != content || line[7] != '-' ||
		binary.LittleEndian.Uint64(line[6:])|fold != tLength || line[14] != ':' {
		return 0, false
	}
	v := line[15:]
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return parseDecimal(v)
}

// end returns h at the end of its block: Transfer-Encoding overrides
// Content-Length (RFC 9112 6.3).
func (h header) end(sawTE bool) header {
	if sawTE {
		h.te, h.length, h.sized = true, 0, false
	}
	return h
}

// headerLine notes in h what a header line (not empty) says.
func headerLine(h *header, line []byte, sawLength, sawTE *bool) error {
	if line[0] == ' ' || line[0] == '\t' {
		return nil // obsolete line folding: a continuation
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return errNotHTTP
	}
	// Switch on the length first: most headers are none of these.
	name, value := line[:colon], line[colon+1:]
	switch {
	case len(name) == len("Content-Length") && bytes.EqualFold(name, []byte("Content-Length")):
		n, ok := parseDecimal(bytes.TrimSpace(value))
		if !ok || (*sawLength && n != h.length) {
			return errNotHTTP
		}
		h.length, *sawLength, h.sized = n, true, true
	case len(name) == len("Transfer-Encoding") && bytes.EqualFold(name, []byte("Transfer-Encoding")):
		// The last coding of the last Transfer-Encoding decides.
		value = bytes.TrimSpace(value)
		last := value
		if i := bytes.LastIndexByte(value, ','); i >= 0 {
			last = bytes.TrimSpace(value[i+1:])
		}
		h.chunked, *sawTE = bytes.EqualFold(last, []byte("chunked")), true
	case len(name) == len("Upgrade") && bytes.EqualFold(name, []byte("Upgrade")):
		h.upgrade = true
	}
	return nil
}

// parseDecimal parses a Content-Length value.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// skipChunked reads a chunked body and its trailer section.
func skipChunked(br *bufio.Reader) error {
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return errNotHTTP
		}
		if size == 0 {
			for { // trailer fields, up to an empty line
				line, err := readLine(br)
				if err != nil {
					return err
				}
				if len(line) == 0 {
					return nil
				}
			}
		}
		if err := discard(br, size); err != nil {
			return err
		}
		line, err = readLine(br)
		if err != nil {
			return err
		}
		if len(line) != 0 {
			return errNotHTTP
		}
	}
}

// parseChunkSize parses the hexadecimal size of a chunk-size line,
// ignoring chunk extensions.
func parseChunkSize(line []byte) (int64, bool) {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range line {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	return n, true
}

// discard skips n bytes of br. A stream that ends first is io.EOF: a
// clean end for forwarding.
func discard(br *bufio.Reader, n int64) error {
	for n > 0 {
		k := int(min(n, 1<<30))
		d, err := br.Discard(k)
		n -= int64(d)
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			return err
		}
	}
	return nil
}
