package http1

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
)

// header is what the parsers need of a header block.
type header struct {
	length  int64 // the body's length, when not chunked
	sized   bool  // a Content-Length gave length
	chunked bool
	te      bool // a Transfer-Encoding: chunked, or (if not chunked) a body delimited by the end of the stream
	upgrade bool // an Upgrade header: the protocol may switch
	both    bool // a Content-Length and a Transfer-Encoding
	// closes is set by the scans for a message after which its recipient
	// must close the connection (RFC 9112 6.1): a request with both a
	// Content-Length and a Transfer-Encoding, or an HTTP/1.0 message with
	// a Transfer-Encoding. Its recipient may also frame it otherwise
	// (reject it, or use the Content-Length, or ignore an HTTP/1.0's
	// Transfer-Encoding as Go's net/http does).
	closes bool
}

// readHeader reads a header block up to its empty line. Conflicting
// Content-Lengths, a malformed line (no name, no colon, or whitespace
// between the name and its colon), or a line folded onto a
// Content-Length or a Transfer-Encoding are ErrNotHTTP.
//
// It reads the block a line at a time, for a head that br does not hold
// whole (else scanHead scans it in place); both judge each line alike
// (headerLine).
func readHeader(br *bufio.Reader) (header, error) {
	var h header
	var sawLength, sawTE bool
	framing := false // the last line is a Content-Length or a Transfer-Encoding
	for {
		line, err := readLine(br)
		if err != nil {
			return h, err
		}
		if len(line) == 0 {
			return h.end(sawTE), nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			// obsolete line folding: a continuation
			if framing {
				return h, ErrNotHTTP // see headerLine
			}
			continue
		}
		if framing, err = headerLine(&h, line, &sawLength, &sawTE); err != nil {
			return h, err
		}
	}
}

// scanHead scans a message head at the start of buf: its start line
// (buf[:first], without its line ending) and its header block. It
// returns what the block says and the head's length, through the block's
// empty line; n is 0 when buf does not hold the whole head. err is
// ErrNotHTTP for a malformed header line. It judges each header line as
// headerLine does, but finds the lines, and the colons in them, 64 bytes
// at a time (lineMasks), and hands headerLine only the lines whose name
// could be one it looks for (by their first byte and where their colon
// would be); of the others it checks only that they have a name, then a
// colon with no space or tab before it, as headerLine would.
func scanHead(buf []byte) (first int, h header, n int, err error) {
	var sawLength, sawTE bool
	var nl, colon [maskBatch]uint64
	s := 0           // where the current line starts
	firstColon := -1 // where the current line's first ':' is, if not before s
	framed := -1     // where the line after the last Content-Length or Transfer-Encoding starts
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
				if firstColon < s {
					// The colons of this chunk in the line: from s
					// (or the chunk's start) to the '\n'.
					if in := cols & (uint64(1)<<j - 1) &^ (uint64(1)<<max(s-at, 0) - 1); in != 0 {
						firstColon = at + bits.TrailingZeros64(in)
					}
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
					if start == framed {
						return first, h, 0, ErrNotHTTP // see headerLine
					}
				case firstColon <= start:
					return first, h, 0, ErrNotHTTP // no name, or no colon
				case buf[firstColon-1] == ' ' || buf[firstColon-1] == '\t':
					return first, h, 0, ErrNotHTTP // whitespace before the colon: see headerLine
				case c|0x20 == 'c' && len(line) > len("Content-Length") && line[len("Content-Length")] == ':':
					if n, ok := contentLength(line); ok {
						if sawLength && n != h.length {
							return first, h, 0, ErrNotHTTP
						}
						h.length, sawLength, h.sized = n, true, true
						framed = s
					} else if framing, err := headerLine(&h, line, &sawLength, &sawTE); err != nil {
						return first, h, 0, err
					} else if framing {
						framed = s
					}
				case c|0x20 == 't' && len(line) > len("Transfer-Encoding") && line[len("Transfer-Encoding")] == ':',
					c|0x20 == 'u' && len(line) > len("Upgrade") && line[len("Upgrade")] == ':':
					framing, err := headerLine(&h, line, &sawLength, &sawTE)
					if err != nil {
						return first, h, 0, err
					}
					if framing {
						framed = s
					}
				}
			}
			if firstColon < s {
				if in := cols &^ (uint64(1)<<max(s-at, 0) - 1); in != 0 {
					firstColon = at + bits.TrailingZeros64(in)
				}
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
		h.te, h.both, h.length, h.sized = true, h.sized, 0, false
	}
	return h
}

// headerLine notes in h what a header line (not empty, not a
// continuation) says; a line with no name, no colon, or a space or tab
// before its first colon is ErrNotHTTP. framing reports whether the line is a
// Content-Length or a Transfer-Encoding: a line folded onto it (obs-fold)
// would change its value for a recipient that unfolds it (RFC 9112 5.2:
// a user agent must, a server may, else rejects the message), so the
// framing would not be what the line alone says; the callers then stop
// (ErrNotHTTP).
func headerLine(h *header, line []byte, sawLength, sawTE *bool) (framing bool, err error) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 || line[colon-1] == ' ' || line[colon-1] == '\t' {
		// No name, or whitespace between it and its colon: a server
		// must reject the message, a proxy must remove the whitespace
		// from a response (RFC 9112 5.1), and a lenient recipient may
		// take "Content-Length :" for a Content-Length.
		return false, ErrNotHTTP
	}
	// Switch on the length first: most headers are none of these.
	name, value := line[:colon], line[colon+1:]
	switch {
	case len(name) == len("Content-Length") && bytes.EqualFold(name, []byte("Content-Length")):
		n, ok := parseDecimal(trimOWS(value))
		if !ok || (*sawLength && n != h.length) {
			return false, ErrNotHTTP
		}
		h.length, *sawLength, h.sized = n, true, true
		return true, nil
	case len(name) == len("Transfer-Encoding") && bytes.EqualFold(name, []byte("Transfer-Encoding")):
		// The final coding decides: the last of the list that the
		// field's lines make, joined with commas (RFC 9110 5.3), empty
		// elements ignored (RFC 9110 5.6.1). A line of only empty
		// elements (or an empty value) leaves the final coding of the
		// lines before it; with none, the field is present with no
		// coding, so chunked is not its final coding: a request's
		// length is unknown and a response's body runs to the end of
		// the stream (RFC 9112 6.3 item 4), as for an unknown coding.
		if last, ok := lastElement(value); ok {
			h.chunked = bytes.EqualFold(last, []byte("chunked"))
		}
		*sawTE = true
		return true, nil
	case len(name) == len("Upgrade") && bytes.EqualFold(name, []byte("Upgrade")):
		h.upgrade = true
	}
	return false, nil
}

// lastElement returns the last element of a comma-separated list value
// that is not empty, without its optional whitespace; ok is false when
// every element is empty (only spaces and tabs, RFC 9110 5.6.1), or the
// value is. It splits at every comma, one in a quoted string (a
// transfer-parameter's value) too; the empty elements it skips hold
// only spaces and tabs, so they all come after the last closing quote,
// and an element it returns that holds a quote is not "chunked" (which
// has no parameters) either way.
func lastElement(value []byte) (last []byte, ok bool) {
	for {
		i := bytes.LastIndexByte(value, ',')
		if last = trimOWS(value[i+1:]); len(last) > 0 {
			return last, true
		}
		if i < 0 {
			return nil, false
		}
		value = value[:i]
	}
}

// trimOWS returns b without its leading and trailing optional whitespace:
// spaces and tabs (RFC 9110 5.6.3), not the other bytes that
// bytes.TrimSpace trims (a bare CR, a vertical tab, a no-break space...),
// which make a Content-Length invalid and a coding unknown.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
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
			return ErrNotHTTP
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
			return ErrNotHTTP
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
