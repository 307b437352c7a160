package proxy

import (
	"bytes"
	"log"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTimers drives a logLimiter's clock and timers by hand.
type fakeTimers struct {
	now     time.Time
	pending []fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped *bool
}

func (ft *fakeTimers) after(d time.Duration, f func()) func() bool {
	stopped := new(bool)
	ft.pending = append(ft.pending, fakeTimer{ft.now.Add(d), f, stopped})
	return func() bool {
		was := !*stopped
		*stopped = true
		return was
	}
}

// advance moves the clock by d, running the timers due on the way, in
// order.
func (ft *fakeTimers) advance(d time.Duration) {
	end := ft.now.Add(d)
	for {
		i := -1
		for j, t := range ft.pending {
			if !*t.stopped && !t.at.After(end) && (i < 0 || t.at.Before(ft.pending[i].at)) {
				i = j
			}
		}
		if i < 0 {
			break
		}
		t := ft.pending[i]
		*t.stopped = true
		ft.now = t.at
		t.f()
	}
	ft.now = end
}

func TestLogLimiter(t *testing.T) {
	ft := &fakeTimers{now: time.Date(2026, 11, 26, 6, 31, 31, 0, time.UTC)}
	var lines []string
	l := newLogLimiter(time.Second, func(s string) { lines = append(lines, s) })
	l.now = func() time.Time { return ft.now }
	l.after = ft.after
	expect := func(want ...string) {
		t.Helper()
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
		lines = nil
	}

	l.print("e1") // the first goes out at once
	expect("e1")
	for i := 2; i <= 43; i++ { // 42 more within the second: held back
		ft.advance(10 * time.Millisecond)
		l.print("e" + strconv.Itoa(i))
	}
	expect()
	ft.advance(579 * time.Millisecond) // 0.999 s after e1
	expect()
	ft.advance(time.Millisecond) // the second is over: the last, and the count
	expect("e43 (and 41 more in the last 1s)")

	ft.advance(5 * time.Second) // quiet: the next goes out at once
	l.print("e44")
	expect("e44")
	ft.advance(500 * time.Millisecond)
	l.print("e45") // one held back: no count to add
	ft.advance(500 * time.Millisecond)
	expect("e45")

	// A line after the interval, while lines are held back (a late
	// timer), goes out at once with their count; the timer does nothing.
	ft.advance(100 * time.Millisecond)
	l.print("e46")
	l.print("e47")
	l.now = func() time.Time { return ft.now.Add(time.Second) } // the timer is late
	l.print("e48")
	expect("e48 (and 2 more in the last 1s)")
	l.now = func() time.Time { return ft.now }
	ft.advance(2 * time.Second)
	expect()

	// flush prints what is held back at once, and cancels the timer.
	l.print("e49")
	expect("e49")
	l.print("e50")
	l.print("e51")
	l.flush()
	expect("e51 (and 1 more in the last 1s)")
	ft.advance(5 * time.Second)
	l.flush()
	expect()
}

// Every failed dial is logged, or counted in a logged line, once the
// proxy is closed; with fewer lines than dials when they come fast.
func TestDialErrorsRateLimited(t *testing.T) {
	var buf syncWriter
	m := newMonitor(t, "tcp")
	p, err := New(Config{Upstream: closedAddr(t), Monitor: m, ErrorLog: log.New(&buf, "hitrate proxy: ", log.LstdFlags)})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	const clients = 50
	for range clients {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	poll(t, func() bool { return m.Total(m.MustEvent(Errors.Name())) == clients })
	p.Close()
	<-done

	re := regexp.MustCompile(`^hitrate proxy: \d{4}/\d\d/\d\d \d\d:\d\d:\d\d dial tcp [^ ]+: connect: connection refused(?: \(and (\d+) more in the last 1s\))?$`)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	sum := 0
	for _, line := range lines {
		m := re.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unexpected log line %q", line)
		}
		sum++
		if m[1] != "" {
			n, _ := strconv.Atoi(m[1])
			sum += n
		}
	}
	if sum != clients {
		t.Errorf("the log accounts for %d failed dials, want %d:\n%s", sum, clients, buf.String())
	}
	t.Logf("%d failed dials in %d lines", clients, len(lines))
}

// syncWriter is a bytes.Buffer safe for concurrent use.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
