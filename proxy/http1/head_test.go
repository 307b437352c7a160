package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// scanHead, which visits only some lines, judges a head as the line at a
// time path does (readLine and readHeader, which judge every line with
// headerLine): the same header, the same length, the same error, on
// random heads of lines that are and are not what it looks for, cut
// short at random, with random bytes past their end in the buffer's
// capacity.
func TestScanHeadAgreesWithReadHeader(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lines := []string{
		"Host: example.com", "Content-Length: 12", "content-length:  7 ", "CONTENT-LENGTH: 7",
		"Content-Length: 1x", "Content-Length:", "Content-Type: text/plain", "Cookie: a=b; c=d",
		"Transfer-Encoding: chunked", "transfer-encoding: gzip, chunked", "Transfer-Encoding: gzip",
		"TE: trailers", "Upgrade: websocket", "upgrade:h2c", "User-Agent: x/1.0", "Connection: close",
		"X-No-Colon", "cookie without colon", ": no name", " folded: continuation", "\tfolded",
		"Cache-Control: no-cache", "Accept: */*", "U:", "c:", "t", "u",
		"X-Long: " + string(bytes.Repeat([]byte("v"), 150)),
		"Content-Length-Extra: 5", "Content-Lengt: 5", "X-Colon-In-Value: a:b:c",
		// Whitespace before the first colon (RFC 9112 5.1), or after it.
		"Content-Length : 12", "Transfer-Encoding\t: chunked", "upgrade :h2c", "Cookie\t:a",
		"Content-Lengt :5", "Transfer-Encodin\t: chunked", "X-Ws \t : v", "X A : b:c",
		"Host:  x : y", "X-Empty: :", "X-Tab:\t: ",
		// Empty list elements (RFC 9110 5.6.1), and no coding at all.
		"Transfer-Encoding: chunked,", "transfer-encoding: , chunked ,\t", "Transfer-Encoding: gzip, ,chunked",
		"Transfer-Encoding: chunked, , gzip", "Transfer-Encoding: ,", "Transfer-Encoding:", "Transfer-Encoding: \t, ,",
	}
	var backing [1024]byte
	for round := range 20000 {
		var b bytes.Buffer
		if r.IntN(2) == 0 {
			b.WriteString("GET /p:q HTTP/1.1")
		} else {
			b.WriteString("HTTP/1.1 200 OK" + string(bytes.Repeat([]byte("!"), r.IntN(100))))
		}
		nl := func() {
			if r.IntN(4) == 0 {
				b.WriteString("\n")
			} else {
				b.WriteString("\r\n")
			}
		}
		nl()
		for range r.IntN(12) {
			b.WriteString(lines[r.IntN(len(lines))])
			nl()
		}
		nl()
		b.WriteString("BODY")
		in := b.Bytes()
		if r.IntN(3) == 0 {
			in = in[:r.IntN(len(in))+1] // cut short
		}
		for i := range backing {
			backing[i] = "\n:cCtTuU \r\x00a"[r.IntN(12)]
		}
		buf := backing[:copy(backing[:], in)]
		if r.IntN(4) == 0 {
			buf = buf[:len(buf):len(buf)] // no stale bytes to read
		}

		first, h, n, err := scanHead(buf)

		br := bufio.NewReaderSize(bytes.NewReader(in), 4096)
		line, rerr := readLine(br)
		var want header
		wantN := 0
		if rerr == nil {
			want, rerr = readHeader(br)
			wantN = len(in) - br.Buffered()
		}
		switch {
		case errors.Is(rerr, ErrNotHTTP):
			if err != ErrNotHTTP {
				t.Fatalf("round %d: %q: scanHead = %v, n %d; want ErrNotHTTP", round, in, err, n)
			}
		case rerr == io.EOF:
			// Incomplete: scanHead must wait for more.
			if err != nil || n != 0 {
				t.Fatalf("round %d: %q: scanHead = %v, n %d; want an incomplete head", round, in, err, n)
			}
		case rerr != nil:
			t.Fatalf("round %d: reference: %v", round, rerr)
		default:
			if err != nil || n != wantN || h != want || first != len(line) {
				t.Fatalf("round %d: %q: scanHead = first %d, %+v, n %d, %v; want first %d, %+v, n %d",
					round, in, first, h, n, err, len(line), want, wantN)
			}
		}
	}
}

// BenchmarkScanHead is scanHead on a browser-like GET of about 400 bytes
// in a buffer with room past it, as bufio's.
func BenchmarkScanHead(b *testing.B) {
	head := "GET /api/v1/items?page=2&sort=recent HTTP/1.1\r\n" +
		"Host: upstream.example\r\n" +
		"User-Agent: hitrate-overhead/1.0\r\n" +
		"Accept: application/json, text/plain, */*\r\n" +
		"Accept-Encoding: gzip, deflate\r\n" +
		"Accept-Language: en-US,en;q=0.9\r\n" +
		"Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n" +
		"X-Request-Id: 7f3c9a1e-5b2d-4c8e-9f10-2a3b4c5d6e7f\r\n" +
		"\r\n"
	buf := make([]byte, 4096)
	buf = buf[:copy(buf, head)]
	b.SetBytes(int64(len(head)))
	for b.Loop() {
		if _, _, n, err := scanHead(buf); n != len(head) || err != nil {
			b.Fatalf("scanHead = n %d, %v", n, err)
		}
	}
}
