package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
)

// Shutdown stops accepting, waits for the open connections, and counts
// no error.
func TestShutdownGraceful(t *testing.T) {
	m := newMonitor(t, "tcp")
	up := startEcho(t, "", false)
	p, err := New(Config{Upstream: up.addr, Monitor: m})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()

	c := dial(t, ln.Addr().String())
	defer c.Close()
	echo(t, c, "one")
	poll(t, func() bool { return p.Active() == 1 })

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- p.Shutdown(ctx)
	}()
	if err := <-served; err != ErrClosed {
		t.Fatalf("Serve returned %v, want ErrClosed", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("the proxy still accepts after Shutdown")
	}
	echo(t, c, "two") // the open connection still works
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a connection open", err)
	default:
	}
	c.CloseWrite()
	io.Copy(io.Discard, c)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	checkTotals(t, m, map[string]uint64{Errors.Name(): 0, BytesIn.Name(): 6})
	if err := p.Serve(listen(t)); err != ErrClosed {
		t.Errorf("Serve after Shutdown: %v, want ErrClosed", err)
	}
}

// A Shutdown whose context ends closes the open connections.
func TestShutdownTimeout(t *testing.T) {
	m := newMonitor(t, "tcp")
	up := startEcho(t, "", false)
	p, err := New(Config{Upstream: up.addr, Monitor: m})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()
	c := dial(t, ln.Addr().String())
	defer c.Close()
	echo(t, c, "one")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want %v", err, context.DeadlineExceeded)
	}
	if p.Active() != 0 {
		t.Errorf("%d connections left after Shutdown", p.Active())
	}
	if n, _ := io.Copy(io.Discard, c); n != 0 {
		t.Errorf("read %d bytes after Shutdown", n)
	}
	if err := <-served; err != ErrClosed {
		t.Errorf("Serve returned %v, want ErrClosed", err)
	}
	checkTotals(t, m, map[string]uint64{Errors.Name(): 0})
	if cur := m.Snapshot(monitor.Query{}).Protocols[0].Conns.Current; cur != 0 {
		t.Errorf("%d connections still open in the monitor", cur)
	}
}

func TestNewErrors(t *testing.T) {
	other, err := monitor.New("other", []string{"requests", "bytes_in"}, monitor.WithManualSampling())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for _, cfg := range []Config{
		{Upstream: "nohostport"},
		{Upstream: "127.0.0.1:0"},
		{Upstream: "127.0.0.1:65536"},
		{Upstream: "127.0.0.1:-1"},
		{Upstream: "127.0.0.1:"},
		{Upstream: "127.0.0.1:1", DialTimeout: -1},
		{Upstream: "127.0.0.1:1", Monitor: other},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) did not fail", cfg)
		} else {
			t.Log(err)
		}
	}
}

// TestCloseAbortsDialsWithoutErrors closes the proxy while dials to the
// upstream hang: Close must end them and count no error.
func TestCloseAbortsDialsWithoutErrors(t *testing.T) {
	m := newMonitor(t, "tcp")
	p, err := New(Config{Upstream: "127.0.0.1:1", Monitor: m, DialTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var dialing sync.WaitGroup
	const clients = 20
	dialing.Add(clients)
	p.dialer.ControlContext = func(ctx context.Context, _, _ string, _ syscall.RawConn) error {
		dialing.Done()
		<-ctx.Done() // hang until Close aborts the dial
		return ctx.Err()
	}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	for range clients {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	dialing.Wait()
	p.Close()
	if err := <-done; err != ErrClosed {
		t.Errorf("Serve returned %v, want ErrClosed", err)
	}
	if n := m.Total(m.MustEvent(Errors.Name())); n != 0 {
		t.Errorf("Close counted %d errors, want 0", n)
	}
	if n := m.Snapshot(monitor.Query{}).Protocols[0].Conns.Total; n != clients {
		t.Errorf("%d connections opened, want %d", n, clients)
	}
}

// scriptedListener's Accept returns its errors in turn, then accepts
// from the listener it wraps.
type scriptedListener struct {
	net.Listener
	errs chan error
}

func (l *scriptedListener) Accept() (net.Conn, error) {
	select {
	case err := <-l.errs:
		return nil, err
	default:
		return l.Listener.Accept()
	}
}

type tempErr struct{}

func (tempErr) Error() string   { return "temporary" }
func (tempErr) Temporary() bool { return true }
func (tempErr) Timeout() bool   { return false }

// Serve retries an Accept error that says it is temporary, as net/http
// does, and returns any other: a listener that failed for good ends it.
func TestServeAcceptErrors(t *testing.T) {
	up := startEcho(t, "", false)
	p, err := New(Config{Upstream: up.addr})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ln := &scriptedListener{Listener: listen(t), errs: make(chan error, 4)}
	ln.errs <- tempErr{}
	ln.errs <- fmt.Errorf("wrapped: %w", tempErr{})
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	c := dial(t, ln.Addr().String())
	echo(t, c, "after two temporary errors")
	c.Close()

	permanent := errors.New("the listener is gone")
	ln.errs <- permanent
	d := dial(t, ln.Addr().String()) // wakes the Accept that waits
	defer d.Close()
	select {
	case err := <-done:
		if !errors.Is(err, permanent) {
			t.Fatalf("Serve returned %v, want %v", err, permanent)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after a permanent Accept error")
	}
}

// A Shutdown with no connection open returns nil, even with a context
// that is already done (as "hitrate proxy -shutdown-timeout 0" gives
// it): nothing was left to close. A select between the two ready cases
// once returned the context's error at random.
func TestShutdownDrainedWithDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 100 {
		p, err := New(Config{Upstream: "127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown %d with no connection open: %v, want nil", i, err)
		}
	}
}
