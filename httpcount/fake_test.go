package httpcount

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// fake is a ResponseWriter that records which of its methods were called;
// the types of writers_test.go give it each combination of the optional
// interfaces.
type fake struct {
	header http.Header
	status int
	body   []byte
	called map[string]int
}

func newFake() *fake { return &fake{header: http.Header{}, called: map[string]int{}} }

func (f *fake) Header() http.Header { return f.header }

func (f *fake) Write(b []byte) (int, error) {
	if f.status == 0 {
		f.status = 200
	}
	f.body = append(f.body, b...)
	return len(b), nil
}

func (f *fake) WriteHeader(code int) {
	if f.status == 0 {
		f.status = code
	}
}

func (f *fake) flush() { f.called["Flush"]++ }

func (f *fake) hijack() (net.Conn, *bufio.ReadWriter, error) {
	f.called["Hijack"]++
	return nil, nil, nil
}

func (f *fake) readFrom(src io.Reader) (int64, error) {
	f.called["ReadFrom"]++
	b, err := io.ReadAll(src)
	f.body = append(f.body, b...)
	return int64(len(b)), err
}

func (f *fake) push(string, *http.PushOptions) error {
	f.called["Push"]++
	return nil
}

func (f *fake) closeNotify() <-chan bool {
	f.called["CloseNotify"]++
	return nil
}

// nopConn stands for a connection in the benchmarks.
type nopConn struct{ net.Conn }

func (nopConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 50000} }
func (nopConn) Close() error         { return nil }
