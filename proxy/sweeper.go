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
// after it. It takes the sweep's time from the sweeps kept; for a
// session idle longer than they span, the oldest kept, which is later:
// the close can only come later, not sooner. It costs a pass over the
// open sessions per tick.
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
		if now-p.sweepAfter(s.active.Load()) >= int64(p.idle) {
			idle = append(idle, s)
		}
	}
	p.mu.Unlock()
	for _, s := range idle {
		s.expire()
	}
}

// sweepAfter returns the time of the first sweep kept after t, or
// math.MaxInt64 if there is none. p.sweepMu must be held.
func (p *Proxy) sweepAfter(t int64) int64 {
	for _, s := range p.sweeps {
		if s > t {
			return s
		}
	}
	return math.MaxInt64
}
