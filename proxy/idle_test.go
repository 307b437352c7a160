package proxy

import (
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// startIdleProxy serves a Proxy with an idle timeout to an echo upstream,
// on a clock the test sets (set it before the sweeper's ticks matter: the
// proxy's own sweeps read it too).
func startIdleProxy(t *testing.T, idle time.Duration) (p *Proxy, addr string, clock *atomic.Int64) {
	t.Helper()
	m := newMonitor(t, "tcp")
	up := startEcho(t, "", false)
	p, err := New(Config{Upstream: up.addr, Monitor: m, IdleTimeout: idle})
	if err != nil {
		t.Fatal(err)
	}
	clock = new(atomic.Int64)
	p.elapsed = func() time.Duration { return time.Duration(clock.Load()) }
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	t.Cleanup(func() {
		p.Close()
		<-done
	})
	return p, ln.Addr().String(), clock
}

// closedByProxy reports whether the proxy has closed c: a read ends
// with EOF (or a reset) within a short wait, rather than timing out.
func closedByProxy(t *testing.T, c net.Conn, wait time.Duration) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	defer c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(make([]byte, 1))
	if n > 0 {
		t.Fatalf("read %d unexpected bytes", n)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

// On the proxy's clock, swept every tick: a connection is closed once the
// timeout has passed since the first sweep after its last read (the
// proxy knows the read came before it), never sooner; bytes either way
// keep it open; a late sweep delays a close, never advances it; the close
// counts idle_closed, not an error.
func TestIdleTimeout(t *testing.T) {
	const idle, tick = time.Second, 100 * time.Millisecond
	p, addr, clock := startIdleProxy(t, idle)
	if p.tick != tick {
		t.Fatalf("tick %v, want %v", p.tick, tick)
	}
	m := p.mon
	now := time.Duration(0)
	at := func(d time.Duration) { // one sweep at d
		now = d
		clock.Store(int64(d))
		p.sweep()
	}
	advance := func(to time.Duration) { // sweeps a tick apart, up to to
		for now+tick <= to {
			at(now + tick)
		}
	}

	a, b, c := dial(t, addr), dial(t, addr), dial(t, addr)
	defer a.Close()
	defer b.Close()
	defer c.Close()
	echo(t, a, "a") // between the sweeps at 0 and 0.1 s
	echo(t, b, "b")
	poll(t, func() bool { return p.Active() == 3 })

	advance(500 * time.Millisecond)
	echo(t, b, "b") // b: between 0.5 and 0.6 s
	c.CloseWrite()  // c: half-closed; the upstream half-closes too
	if n, err := io.Copy(io.Discard, c); n != 0 || err != nil {
		t.Fatalf("half-close: %d bytes, %v", n, err)
	}
	poll(t, func() bool { return p.Active() == 2 }) // c ends by itself

	advance(idle) // a: 0.9 s since the sweep after its last read
	if closedByProxy(t, a, 20*time.Millisecond) {
		t.Fatal("a closed before the timeout")
	}
	advance(idle + tick) // a: 1 s: closed
	if !closedByProxy(t, a, 5*time.Second) {
		t.Fatal("a not closed after the timeout")
	}
	if closedByProxy(t, b, 20*time.Millisecond) {
		t.Fatal("b closed, idle for 0.5 s")
	}
	echo(t, b, "b") // b: between 1.1 and 1.2 s

	// A late sweep: the proxy knows only that the read came before it.
	at(1900 * time.Millisecond)
	advance(2800 * time.Millisecond)
	if closedByProxy(t, b, 20*time.Millisecond) {
		t.Fatal("b closed less than the timeout after the late sweep")
	}
	advance(2900 * time.Millisecond)
	if !closedByProxy(t, b, 5*time.Second) {
		t.Fatal("b not closed after the timeout")
	}
	poll(t, func() bool { return p.Active() == 0 })
	checkTotals(t, m, map[string]uint64{IdleClosed.Name(): 2, Errors.Name(): 0})
}

// On the real clock, an idle connection is closed after the timeout,
// never before, and within a bound; a connection that talks stays open.
func TestIdleTimeoutRealClock(t *testing.T) {
	const idle = 50 * time.Millisecond
	m := newMonitor(t, "tcp")
	up := startEcho(t, "", false)
	p, err := New(Config{Upstream: up.addr, Monitor: m, IdleTimeout: idle})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	defer func() {
		p.Close()
		<-done
	}()

	c := dial(t, ln.Addr().String())
	defer c.Close()
	sent := time.Now() // before the proxy's last read
	echo(t, c, "ping")
	n, err := io.Copy(io.Discard, c) // until the proxy closes it
	gap := time.Since(sent)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("not closed within %v", gap)
	}
	if n != 0 {
		t.Errorf("read %d unexpected bytes", n)
	}
	if gap < idle {
		t.Errorf("closed %v after the last byte, before the timeout (%v)", gap, idle)
	}
	t.Logf("closed %v after the last byte (timeout %v)", gap, idle)
	poll(t, func() bool { return p.Active() == 0 })
	checkTotals(t, m, map[string]uint64{IdleClosed.Name(): 1, Errors.Name(): 0})
}

func TestIdleTimeoutNegative(t *testing.T) {
	if _, err := New(Config{Upstream: "127.0.0.1:1", IdleTimeout: -time.Second}); err == nil {
		t.Error("New accepted a negative idle timeout")
	}
}

// With a timeout much longer than the sweeps kept span (the tick is at
// most 1 s, the CLI's default timeout 5 min), an idle connection is still
// closed within two ticks after the timeout, and not before it.
func TestIdleTimeoutLong(t *testing.T) {
	const idle, tick = 5 * time.Minute, time.Second
	p, addr, clock := startIdleProxy(t, idle)
	if p.tick != tick {
		t.Fatalf("tick %v, want %v", p.tick, tick)
	}
	now := time.Duration(0)
	advance := func(to time.Duration) { // sweeps a tick apart, up to to
		for now+tick <= to {
			now += tick
			clock.Store(int64(now))
			p.sweep()
		}
	}
	a := dial(t, addr)
	defer a.Close()
	echo(t, a, "a") // between the sweeps at 0 and 1 s
	advance(idle)
	if closedByProxy(t, a, 20*time.Millisecond) {
		t.Fatal("closed before the timeout")
	}
	advance(idle + 2*tick)
	if !closedByProxy(t, a, 5*time.Second) {
		t.Fatalf("not closed %v after its last byte (timeout %v)", idle+2*tick, idle)
	}
	checkTotals(t, p.mon, map[string]uint64{IdleClosed.Name(): 1, Errors.Name(): 0})
}
