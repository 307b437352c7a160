package netcount_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/netcount"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/hitrate/hitrate/ring.defaultRotator"))
}

func newMonitor(t testing.TB) *monitor.Monitor {
	t.Helper()
	m, err := monitor.New("tcp", netcount.Events(), netcount.Units(), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// totals returns the protocol totals of the four events.
func totals(m *monitor.Monitor) (in, out, rerr, werr uint64) {
	return m.Total(m.MustEvent(netcount.BytesIn)), m.Total(m.MustEvent(netcount.BytesOut)),
		m.Total(m.MustEvent(netcount.ReadErrors)), m.Total(m.MustEvent(netcount.WriteErrors))
}

func conns(m *monitor.Monitor) monitor.ConnCounts {
	return m.Snapshot(monitor.Query{}).Protocols[0].Conns
}

func TestNewListenerChecksMonitor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	noUnit, err := monitor.New("p", netcount.Events(), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer noUnit.Close()
	missing, err := monitor.New("q", []string{netcount.BytesIn, netcount.BytesOut, netcount.ReadErrors},
		netcount.Units(), monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer missing.Close()
	for _, tc := range []struct {
		name string
		l    net.Listener
		m    *monitor.Monitor
		want string
	}{
		{"nil monitor", ln, nil, "nil *monitor.Monitor"},
		{"nil listener", nil, newMonitor(t), "nil net.Listener"},
		{"bytes not declared", ln, noUnit, `event "bytes_in" of monitor "p" counts events, not bytes`},
		{"event missing", ln, missing, `monitor "q" has no event "write_errors"`},
	} {
		l, err := netcount.NewListener(tc.l, tc.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) || l != nil {
			t.Errorf("%s: NewListener = %v, %v; want an error with %q", tc.name, l, err, tc.want)
		}
	}
	if _, err := netcount.Wrap(nil, newMonitor(t)); err == nil {
		t.Error("Wrap(nil) gave no error")
	}
}

// spy counts, independently of netcount, what the connections under it
// read and write: the model the monitor's totals must equal.
type spy struct {
	net.Listener
	in, out atomic.Uint64
	sent    atomic.Uint64 // written by the raw connection's ReadFrom
}

func (s *spy) Accept() (net.Conn, error) {
	c, err := s.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &spyConn{TCPConn: c.(*net.TCPConn), s: s}, nil
}

// spyConn has every method of *net.TCPConn, and counts what passes.
type spyConn struct {
	*net.TCPConn
	s *spy
}

func (c *spyConn) Read(b []byte) (int, error) {
	n, err := c.TCPConn.Read(b)
	c.s.in.Add(uint64(n))
	return n, err
}

// ReadFrom passes on to the raw connection's ReadFrom (sendfile, splice).
func (c *spyConn) ReadFrom(r io.Reader) (int64, error) {
	n, err := c.TCPConn.ReadFrom(r)
	c.s.sent.Add(uint64(n))
	return n, err
}

// WriteTo passes on to the raw connection's WriteTo.
func (c *spyConn) WriteTo(w io.Writer) (int64, error) {
	n, err := c.TCPConn.WriteTo(w)
	c.s.in.Add(uint64(n))
	return n, err
}

func (c *spyConn) Write(b []byte) (int, error) {
	n, err := c.TCPConn.Write(b)
	c.s.out.Add(uint64(n))
	return n, err
}

// listen returns a counting listener on loopback over a spy.
func listen(t *testing.T, m *monitor.Monitor) (*netcount.Listener, *spy) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &spy{Listener: raw}
	l, err := netcount.NewListener(s, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, s
}

func TestEchoCountsExactly(t *testing.T) {
	m := newMonitor(t)
	l, s := listen(t, m)
	const clients, msgs = 4, 50
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // an echo server: one goroutine per connection
		defer wg.Done()
		for range clients {
			c, err := l.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				io.Copy(c, c) // Conn.WriteTo, then Conn.ReadFrom
			}()
		}
	}()
	var sent atomic.Uint64
	var cwg sync.WaitGroup
	for i := range clients {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			for j := range msgs {
				msg := bytes.Repeat([]byte{'a' + byte(i)}, 1+j*37)
				if _, err := c.Write(msg); err != nil {
					t.Error(err)
					return
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					t.Errorf("echo: %v", err)
					return
				}
				sent.Add(uint64(len(msg)))
			}
			c.(*net.TCPConn).CloseWrite()
			io.Copy(io.Discard, c)
		}()
	}
	cwg.Wait()
	wg.Wait()
	in, out, rerr, werr := totals(m)
	if in != sent.Load() || out != sent.Load() || in != s.in.Load() || out != s.out.Load()+s.sent.Load() {
		t.Errorf("bytes in %d out %d; the clients sent %d, the spy saw %d in %d out", in, out, sent.Load(), s.in.Load(), s.out.Load()+s.sent.Load())
	}
	if rerr != 0 || werr != 0 {
		t.Errorf("errors: read %d write %d, want 0 (io.EOF is no error)", rerr, werr)
	}
	if cc := conns(m); cc.Current != 0 || cc.Total != clients {
		t.Errorf("conns %+v, want current 0, total %d", cc, clients)
	}
}

// accept1 dials l once and returns both ends.
func accept1(t *testing.T, l net.Listener) (server *netcount.Conn, client net.Conn) {
	t.Helper()
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		ch <- c
	}()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	c := <-ch
	if c == nil {
		t.FailNow()
	}
	return c.(*netcount.Conn), client
}

func TestClosedOnceWhoeverCloses(t *testing.T) {
	var summaries atomic.Int64
	m, err := monitor.New("tcp", netcount.Events(), netcount.Units(), monitor.WithManualSampling(),
		monitor.WithCloseHook(func(monitor.ConnSummary) { summaries.Add(1) }))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	l, _ := listen(t, m)
	c, _ := accept1(t, l)
	if cc := conns(m); cc.Current != 1 {
		t.Fatalf("current %d after Accept, want 1", cc.Current)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Close() }()
	}
	wg.Wait()
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Close again = %v, want net.ErrClosed", err)
	}
	// Through TLS: closing the tls.Conn closes the Conn under it.
	c2, _ := accept1(t, l)
	tc := tls.Server(c2, &tls.Config{})
	tc.Close()
	c2.Close()
	if cc := conns(m); cc.Current != 0 || cc.Total != 2 || summaries.Load() != 2 {
		t.Errorf("conns %+v, %d summaries; want current 0, total 2, 2 summaries", cc, summaries.Load())
	}
	if netcount.Find(tc) != c2 || netcount.Find(c2) != c2 || netcount.Find(c2.NetConn()) != nil {
		t.Error("Find does not find the Conn under a tls.Conn, or finds one in the raw conn")
	}
}

func TestErrors(t *testing.T) {
	m := newMonitor(t)
	l, s := listen(t, m)

	// A timeout is no error; a reset by the peer is a read error.
	c, client := accept1(t, l)
	c.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline = %v", err)
	}
	c.SetReadDeadline(time.Time{})
	client.(*net.TCPConn).SetLinger(0)
	client.Close() // RST
	if _, err := c.Read(make([]byte, 1)); err == nil || err == io.EOF {
		t.Fatalf("Read after a reset = %v, want an error", err)
	}
	// Writes to a reset connection fail, sooner or later.
	var werrs uint64
	for range 100 {
		if _, err := c.Write(make([]byte, 1<<10)); err != nil {
			werrs++
			if werrs == 3 {
				break
			}
		}
	}
	c.Close()
	// A read and a write on a closed connection are no errors of the peer's.
	c.Read(make([]byte, 1))
	c.Write([]byte("x"))
	in, out, rerr, werr := totals(m)
	if rerr != 1 || werr != werrs || werrs == 0 {
		t.Errorf("read errors %d (want 1), write errors %d (want %d, >0)", rerr, werr, werrs)
	}
	if in != s.in.Load() || out != s.out.Load() {
		t.Errorf("bytes in %d out %d, the spy saw %d %d", in, out, s.in.Load(), s.out.Load())
	}
}

func TestFeaturesOfTheWrappedConn(t *testing.T) {
	m := newMonitor(t)
	l, _ := listen(t, m)
	c, client := accept1(t, l)
	f, err := c.File()
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	f.Close()
	if _, ok := any(c).(syscall.Conn); ok {
		t.Error("a Conn is a syscall.Conn: os.File.WriteTo would sendfile around its count")
	}
	if _, ok := c.NetConn().(*spyConn); !ok {
		t.Errorf("NetConn is a %T, want the wrapped *spyConn", c.NetConn())
	}
	c.Write([]byte("bye"))
	if err := c.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	got, err := io.ReadAll(client) // the half-close is an EOF to the client
	if err != nil || string(got) != "bye" {
		t.Errorf("client read %q, %v", got, err)
	}
	if err := c.CloseRead(); err != nil {
		t.Errorf("CloseRead: %v", err)
	}
	if conns(m).Current != 1 {
		t.Error("a half-close closed the connection on the monitor")
	}
	c.Close()

	// Over a connection without them: ErrUnsupported, and ReadFrom and
	// WriteTo still count.
	p1, p2 := net.Pipe()
	defer p2.Close()
	pc, err := netcount.Wrap(p1, m)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.File(); err != netcount.ErrUnsupported {
		t.Errorf("File over a pipe: %v", err)
	}
	if err := pc.CloseWrite(); err != netcount.ErrUnsupported {
		t.Errorf("CloseWrite over a pipe: %v", err)
	}
	if err := pc.CloseRead(); err != netcount.ErrUnsupported {
		t.Errorf("CloseRead over a pipe: %v", err)
	}
	in0, out0, _, _ := totals(m)
	go func() {
		io.Copy(io.Discard, io.LimitReader(p2, 1000))
		p2.Write(make([]byte, 300))
		p2.Close()
	}()
	if n, err := pc.ReadFrom(strings.NewReader(strings.Repeat("x", 1000))); n != 1000 || err != nil {
		t.Fatalf("ReadFrom = %d, %v", n, err)
	}
	if n, err := pc.WriteTo(io.Discard); n != 300 || err != nil {
		t.Fatalf("WriteTo = %d, %v", n, err)
	}
	in, out, _, _ := totals(m)
	if in-in0 != 300 || out-out0 != 1000 {
		t.Errorf("over a pipe: in %d out %d, want 300 and 1000", in-in0, out-out0)
	}
}

// TestSendfile sends a file with ReadFrom, as net/http does, and checks
// the wrapped *net.TCPConn's ReadFrom (sendfile) did it, counted.
func TestSendfile(t *testing.T) {
	m := newMonitor(t)
	l, s := listen(t, m)
	c, client := accept1(t, l)
	path := filepath.Join(t.TempDir(), "f")
	const size = 1 << 20
	if err := os.WriteFile(path, bytes.Repeat([]byte("0123456789abcdef"), size/16), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	done := make(chan int64)
	go func() {
		n, _ := io.Copy(io.Discard, client)
		done <- n
	}()
	n, err := io.Copy(c, f) // io.Copy calls c.ReadFrom
	if n != size || err != nil {
		t.Fatalf("io.Copy = %d, %v", n, err)
	}
	c.Close()
	if got := <-done; got != size {
		t.Errorf("the client read %d bytes, want %d", got, size)
	}
	_, out, _, _ := totals(m)
	if out != size {
		t.Errorf("bytes_out %d, want %d", out, size)
	}
	if s.out.Load() != 0 || s.sent.Load() != size {
		t.Errorf("the raw connection's Write wrote %d bytes and ReadFrom %d: ReadFrom went around sendfile", s.out.Load(), s.sent.Load())
	}
}

func TestReadWriteAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts do not hold under the race detector")
	}
	m := newMonitor(t)
	c, err := netcount.Wrap(nopConn{}, m)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := make([]byte, 512)
	if a := testing.AllocsPerRun(1000, func() {
		c.Read(b)
		c.Write(b)
	}); a != 0 {
		t.Errorf("Read+Write allocate %v times, want 0", a)
	}
	in, out, _, _ := totals(m)
	if in != 1001*512 || out != 1001*512 {
		t.Errorf("in %d out %d, want %d", in, out, 1001*512)
	}
}

// nopConn reads and writes everything at once.
type nopConn struct{ net.Conn }

func (nopConn) Read(b []byte) (int, error)  { return len(b), nil }
func (nopConn) Write(b []byte) (int, error) { return len(b), nil }
func (nopConn) Close() error                { return nil }
func (nopConn) RemoteAddr() net.Addr        { return nil }

// TestCopyCountsAsItGoes copies between a counted connection and a raw
// one with io.Copy, as a proxy does, one way then the other (through the
// Conn's WriteTo, then its ReadFrom): the bytes are counted as they pass,
// not when the copy ends (which, for a proxy, is when the connection
// closes: its rates would be nothing until then), and exactly.
func TestCopyCountsAsItGoes(t *testing.T) {
	for _, counted := range []string{"source", "destination"} {
		t.Run(counted, func(t *testing.T) {
			m := newMonitor(t)
			l, _ := listen(t, m)
			c, client := accept1(t, l)
			raw, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			other, err := net.Dial("tcp", raw.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			rc, err := raw.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			// The bytes go from the writer, through the copy, to the reader.
			var dst, src net.Conn = rc, c
			writer, reader := client, other
			ev := netcount.BytesIn
			if counted == "destination" {
				dst, src = c, rc
				writer, reader = other, client
				ev = netcount.BytesOut
			}
			copied := make(chan int64)
			go func() {
				n, _ := io.Copy(dst, src)
				dst.(interface{ CloseWrite() error }).CloseWrite()
				copied <- n
			}()
			msg := bytes.Repeat([]byte("p"), 100)
			for i := range 2 {
				if _, err := writer.Write(msg); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(reader, make([]byte, len(msg))); err != nil {
					t.Fatal(err)
				}
				// The copy counted the first 100 bytes before it read the
				// second.
				if got := m.Total(m.MustEvent(ev)); i == 1 && got < 100 {
					t.Errorf("%s %d while the copy runs, after 200 bytes went through; want at least 100", ev, got)
				}
			}
			writer.(*net.TCPConn).CloseWrite()
			if n := <-copied; n != 200 {
				t.Errorf("io.Copy copied %d bytes, want 200", n)
			}
			in, out, rerr, werr := totals(m)
			if (counted == "source" && (in != 200 || out != 0)) || (counted == "destination" && (in != 0 || out != 200)) || rerr != 0 || werr != 0 {
				t.Errorf("in %d out %d, errors %d %d, after the copy", in, out, rerr, werr)
			}
		})
	}
}

// A Close that loses the race to close the connection on the monitor
// returns only once the winner has closed it there: net/http's Shutdown
// closes an idle connection while its own goroutine does, and after
// Shutdown the monitor must not count it open. The close hook holds the
// winner until the loser has had every chance to return.
func TestCloseWaitsForTheOtherClose(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var hooked atomic.Bool
	m, err := monitor.New("tcp", netcount.Events(), netcount.Units(), monitor.WithManualSampling(),
		monitor.WithCloseHook(func(monitor.ConnSummary) {
			close(entered)
			<-release
			hooked.Store(true)
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	l, _ := listen(t, m)
	c, _ := accept1(t, l)
	first := make(chan struct{})
	go func() { defer close(first); c.Close() }()
	<-entered // the first Close is in the monitor's close
	second := make(chan bool)
	go func() {
		c.Close()
		second <- hooked.Load()
	}()
	select {
	case <-second:
		t.Fatal("the second Close returned while the first was still closing the connection on the monitor")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if !<-second {
		t.Error("the second Close returned before the close hook ended")
	}
	<-first
	if cc := conns(m); cc.Current != 0 {
		t.Errorf("current %d after both Closes, want 0", cc.Current)
	}
}
