package proxy

import (
	"fmt"
	"sync"
	"time"
)

// logLimiter lets at most one line per interval through to out. A line
// that comes sooner is held back and counted; when the interval is over,
// the last line held back goes out with the count of the others, as in
//
//	dial tcp 127.0.0.1:1: connect: connection refused (and 41 more in the last 1s)
//
// so every line given to print is either printed or counted in a printed
// line, once flush has run. It serves rare paths (failed dials): it locks.
type logLimiter struct {
	every time.Duration
	out   func(string)
	now   func() time.Time
	// after calls f once d has passed; stop cancels that, reporting
	// whether it did. time.AfterFunc, but for tests.
	after func(d time.Duration, f func()) (stop func() bool)

	mu   sync.Mutex
	last time.Time   // when the last line went out; zero before any
	n    int         // lines held back since last
	held string      // the last of them
	stop func() bool // cancels the pending tick, nil if none
	gen  uint64      // numbers the ticks: a late one of a cancelled timer does nothing
}

func newLogLimiter(every time.Duration, out func(string)) *logLimiter {
	return &logLimiter{
		every: every,
		out:   out,
		now:   time.Now,
		after: func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop },
	}
}

// print prints line, or holds it back if a line went out less than an
// interval ago.
func (l *logLimiter) print(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.last.IsZero() || now.Sub(l.last) >= l.every {
		// The interval is over: a pending flush would print no sooner.
		if l.stop != nil {
			l.stop()
			l.stop = nil
		}
		l.emit(line, l.n, now)
		return
	}
	l.n++
	l.held = line
	if l.stop == nil {
		l.gen++
		gen := l.gen
		l.stop = l.after(l.last.Add(l.every).Sub(now), func() { l.tick(gen) })
	}
}

// tick ends an interval in which lines were held back: it prints the
// last of them, with the count of the others.
func (l *logLimiter) tick(gen uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if gen != l.gen || l.stop == nil {
		return // cancelled
	}
	l.stop = nil
	if l.n > 0 {
		l.emit(l.held, l.n-1, l.now())
	}
}

// flush prints what is held back now, and cancels the pending tick.
func (l *logLimiter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil {
		l.stop()
		l.stop = nil
	}
	if l.n > 0 {
		l.emit(l.held, l.n-1, l.now())
	}
}

// emit prints line, noting the more others held back with it, and starts
// an interval. l.mu must be held.
func (l *logLimiter) emit(line string, more int, now time.Time) {
	if more > 0 {
		line = fmt.Sprintf("%s (and %d more in the last %v)", line, more, l.every)
	}
	l.out(line)
	l.last, l.n, l.held = now, 0, ""
}
