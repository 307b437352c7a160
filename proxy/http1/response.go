package http1

import "bufio"

// ScanResponses reads HTTP/1.x responses from br, calling o.Response
// with the status code once each response's header is complete, until br
// fails (io.EOF at a clean end) or counting stops (ErrNotHTTP): the
// stream is not HTTP/1.x responses, the protocol switches (101, or a 2xx
// to a CONNECT), a body runs to the end of the stream, a final response
// cannot be paired with a request of q, or the client must close the
// connection after it (RFC 9112 6.1: an HTTP/1.0 response with a
// Transfer-Encoding). The framing follows RFC 9112 6.3: no body for 1xx,
// 204, 304 and responses to HEAD; else chunked, Content-Length, or the
// end of the stream.
//
// Like ScanRequests it allocates nothing. Interim (1xx) responses are
// reported too. If o is a Timer, each request pushed with a start
// (PushAt, as ScanRequests does for a Timer) has its first response timed
// (see Timer).
func ScanResponses(br *bufio.Reader, o Observer, q *Queue) error {
	tm, _ := o.(Timer)
	timed := false // the oldest request's response is timed already (by an interim one)
	for {
		code, h, err := nextResponse(br)
		if err != nil {
			return err
		}
		var now int64
		if tm != nil {
			now = tm.Now()
		}
		o.Response(code)
		if code < 200 {
			if tm != nil && !timed {
				if start, ok := q.headStart(); ok {
					tm.ResponseTime(now - start)
					timed = true
				}
			}
			if code == 101 {
				return ErrNotHTTP // Switching Protocols
			}
			continue // interim: the final response follows
		}
		kind, start, ok := q.popTimed()
		if !ok {
			return ErrNotHTTP
		}
		if tm != nil && kind&timedBit != 0 && !timed {
			tm.ResponseTime(now - start)
		}
		timed = false
		kind &^= timedBit
		switch {
		case h.closes:
			return ErrNotHTTP // the client closes after it, whatever its framing
		case kind == Connect && code < 300:
			return ErrNotHTTP // a tunnel, after any 2xx (RFC 9110 9.3.6), a 204 too
		case kind == Head || code == 204 || code == 304:
			continue
		case h.chunked:
			err = skipChunked(br)
		case h.te || !h.sized:
			return ErrNotHTTP // the body runs to the end of the stream
		default:
			err = discard(br, h.length)
		}
		if err != nil {
			return err
		}
	}
}

// nextResponse reads the next response's head. When br holds the whole
// head (the common case), it scans it in place (scanHead); else it reads
// it a line at a time. Both judge it alike.
func nextResponse(br *bufio.Reader) (code int, h header, err error) {
	buf, err := buffered(br)
	if err != nil {
		return 0, h, err
	}
	if c := buf[0]; c != '\r' && c != '\n' {
		if first, h, n, err := scanHead(buf); n > 0 || err != nil {
			code, ok := parseStatusLine(buf[:first])
			if !ok {
				return 0, h, ErrNotHTTP
			}
			if err == nil {
				br.Discard(n) // buffered: cannot fail
			}
			h.closes = h.te && buf[7] == '0' // HTTP/1.0
			return code, h, err
		}
	}
	for {
		line, err := readLine(br)
		if err != nil {
			return 0, h, err
		}
		if len(line) == 0 {
			continue // a stray line ending between responses
		}
		code, ok := parseStatusLine(line)
		if !ok {
			return 0, h, ErrNotHTTP
		}
		http10 := line[7] == '0' // line is invalid after the next read
		h, err = readHeader(br)
		h.closes = h.te && http10
		return code, h, err
	}
}

// parseStatusLine returns the status code, 100 to 599, of an HTTP/1.x
// status line: HTTP/1.d SP 3DIGIT [SP reason].
func parseStatusLine(line []byte) (int, bool) {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[7] < '0' || line[7] > '9' || line[8] != ' ' {
		return 0, false
	}
	if len(line) > 12 && line[12] != ' ' {
		return 0, false
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, false
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 || code > 599 {
		return 0, false
	}
	return code, true
}
