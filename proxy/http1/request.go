package http1

import (
	"bufio"
	"bytes"
	"strings"
)

// ScanRequests reads HTTP/1.x requests from br, calling o.Request once
// each request's header is complete, until br fails (io.EOF at a clean
// end) or the stream is not, or no longer, HTTP/1.x that it can follow
// (ErrNotHTTP): a request line or header that is not HTTP/1.x, a body of
// unknown length, or a request that may switch protocols (CONNECT, an
// Upgrade header) or after which the server must close the connection
// (RFC 9112 6.1: both a Content-Length and a Transfer-Encoding, or a
// Transfer-Encoding in HTTP/1.0), which is counted and then stops the
// scan. It pushes the kind of each request on q (which may be nil) as
// soon as its request line is read, for ScanResponses; if o is a Timer,
// with o.Now() as the request's start (PushAt).
//
// It allocates nothing: it finds request boundaries (the request line,
// the header block, and a Content-Length or chunked body) without
// building requests. A line longer than br's buffer is ErrNotHTTP.
func ScanRequests(br *bufio.Reader, o Observer, q *Queue) error {
	tm, _ := o.(Timer)
	for {
		connect, h, err := nextRequest(br, q, tm)
		if err != nil {
			return err
		}
		if h.te && !h.chunked {
			return ErrNotHTTP // a request body of unknown length
		}
		o.Request()
		if connect || h.upgrade || h.closes {
			return ErrNotHTTP // may switch to another protocol, or the server closes
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
func nextRequest(br *bufio.Reader, q *Queue, tm Timer) (connect bool, h header, err error) {
	buf, err := buffered(br)
	if err != nil {
		return false, h, err
	}
	if c := buf[0]; c != '\r' && c != '\n' {
		if first, h, n, err := scanHead(buf); n > 0 || err != nil {
			connect, ok := parseRequestLine(buf[:first])
			if !ok {
				return false, h, ErrNotHTTP
			}
			pushKind(q, buf[:first], connect, tm)
			if err == nil {
				br.Discard(n) // buffered: cannot fail
			}
			h.closes = h.both || h.te && buf[first-1] == '0' // HTTP/1.0
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
			return false, h, ErrNotHTTP
		}
		pushKind(q, line, connect, tm)
		http10 := line[len(line)-1] == '0' // line is invalid after the next read
		h, err = readHeader(br)
		h.closes = h.both || h.te && http10
		return connect, h, err
	}
}

// pushKind pushes on q the kind of the request whose request line is
// line, with tm's Now as its start if tm is not nil.
func pushKind(q *Queue, line []byte, connect bool, tm Timer) {
	k := Other
	switch {
	case connect:
		k = Connect
	case bytes.HasPrefix(line, []byte("HEAD ")):
		k = Head
	}
	if tm != nil {
		q.PushAt(k, tm.Now())
		return
	}
	q.Push(k)
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
// "\n"). A line longer than br's buffer is ErrNotHTTP. The line is valid
// until the next read of br.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			return nil, ErrNotHTTP
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
