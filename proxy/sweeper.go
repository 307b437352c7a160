package proxy

import (
	"math"
	"time"
)

// sweeper closes the idle sessions every tick, until the proxy is closed
// and drained.
func (p *Proxy) sweeper() {
	t := time.NewTicker(p.tick)
	defer t.Stop()
	for {
		select {
		case <-p.drained:
			return
		case <-t.C:
			p.sweep()
		}
	}
}

// maxSweeps is how many sweep times the sweeper keeps: enough to span
// the timeout and two ticks (12 ticks), with room for irregular ticks.
const maxSweeps = 16

// sweep advances the clock and closes the sessions with no byte read
// since the timeout.
//
// A read notes the clock, the time of the last sweep: it happened after
// that sweep and before the next one (which it would otherwise have seen).
// So a session is closed once the timeout has passed since the sweep that
// followed the clock its last read noted: never before the timeout, even
// when sweeps come late, and with sweeps a tick apart, at most two ticks
// after it. The first sweep to see a clock noted in a session finds the
// sweep after it among the sweeps kept (the clock is then at most a
// sweep or two old) and notes it in the session, so a timeout longer
// than the sweeps kept span is timed from it too. It costs a pass over
// the open sessions per tick.
func (p *Proxy) sweep() {
	p.sweepMu.Lock()
	defer p.sweepMu.Unlock()
	now := int64(p.elapsed())
	p.clock.Store(now)
	if n := len(p.sweeps); n == 0 || p.sweeps[n-1] != now {
		if n == maxSweeps {
			copy(p.sweeps, p.sweeps[1:])
			p.sweeps = p.sweeps[:n-1]
		}
		p.sweeps = append(p.sweeps, now)
	}
	var idle []*session
	p.mu.Lock()
	for s := range p.sessions {
		a := s.active.Load()
		if !s.swept || s.noted != a {
			// math.MaxInt64 (a read noted this sweep's clock) is not
			// noted: the next sweep finds the sweep after it.
			after := p.sweepAfter(a)
			s.swept, s.noted, s.after = after != math.MaxInt64, a, after
		}
		if now-s.after >= int64(p.idle) {
			idle = append(idle, s)
		}
	}
	p.mu.Unlock()
	for _, s := range idle {
		s.expire()
	}
}

// sweepAfter returns the time of the first sweep kept after t, or
// math.MaxInt64 if there is none (the first sweep after t is yet to
// come). For a t older than the sweeps kept, it returns the oldest kept,
// which is later than the sweep after t: a close can only come later.
// p.sweepMu must be held.
func (p *Proxy) sweepAfter(t int64) int64 {
	for _, s := range p.sweeps {
		if s > t {
			return s
		}
	}
	return math.MaxInt64
}
