package web

import (
	"math"

	"github.com/hitrate/hitrate/monitor"
)

// finiteSnapshot returns s with any NaN or infinite rate (the bounds of
// its interval and the averages and their spans included; or count or sum
// of a distribution) replaced by 0, and any event's Unit that is no Unit
// (from a Source of the user's own) replaced by Count, as the page shows
// it, so that it encodes as JSON; it copies only what it changes.
func finiteSnapshot(s monitor.Snapshot) monitor.Snapshot {
	bad := func(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }
	badUnit := func(u monitor.Unit) bool {
		_, err := u.MarshalText()
		return err != nil
	}
	fix := func(f float64) float64 {
		if bad(f) {
			return 0
		}
		return f
	}
	var protos []monitor.Protocol
	for i, p := range s.Protocols {
		dirty := false
		for _, e := range p.Events {
			dirty = dirty || bad(e.Rate) || bad(e.PeakRate) || bad(e.RateLow) || bad(e.RateHigh) || badUnit(e.Unit)
			for _, v := range e.History {
				dirty = dirty || bad(v)
			}
			for _, a := range e.Averages {
				dirty = dirty || bad(a.Rate) || bad(a.Span)
			}
		}
		for _, c := range p.Open {
			for _, e := range c.Events {
				dirty = dirty || bad(e.Rate)
			}
			for _, d := range c.Dists {
				dirty = dirty || bad(d.Count)
			}
		}
		for _, d := range p.Dists {
			for _, w := range []monitor.DistWindow{d.Second, d.TenSeconds, d.Minute} {
				dirty = dirty || bad(w.Count) || bad(w.Rate)
			}
			dirty = dirty || bad(d.Total.Sum)
		}
		if !dirty {
			continue
		}
		if protos == nil {
			protos = append([]monitor.Protocol(nil), s.Protocols...)
		}
		evs := make([]monitor.EventStats, len(p.Events))
		for j, e := range p.Events {
			e.Rate, e.PeakRate = fix(e.Rate), fix(e.PeakRate)
			e.RateLow, e.RateHigh = fix(e.RateLow), fix(e.RateHigh)
			if badUnit(e.Unit) {
				e.Unit = monitor.Count
			}
			if e.History != nil {
				hist := make([]float64, len(e.History))
				for k, v := range e.History {
					hist[k] = fix(v)
				}
				e.History = hist
			}
			if e.Averages != nil {
				avgs := make([]monitor.Average, len(e.Averages))
				for k, a := range e.Averages {
					a.Rate, a.Span = fix(a.Rate), fix(a.Span)
					avgs[k] = a
				}
				e.Averages = avgs
			}
			evs[j] = e
		}
		p.Events = evs
		if p.Open != nil {
			open := make([]monitor.ConnInfo, len(p.Open))
			for j, c := range p.Open {
				ce := make([]monitor.ConnEvent, len(c.Events))
				for k, e := range c.Events {
					e.Rate = fix(e.Rate)
					ce[k] = e
				}
				c.Events = ce
				if c.Dists != nil {
					cd := make([]monitor.ConnDist, len(c.Dists))
					for k, d := range c.Dists {
						d.Count = fix(d.Count)
						cd[k] = d
					}
					c.Dists = cd
				}
				open[j] = c
			}
			p.Open = open
		}
		if p.Dists != nil {
			ds := make([]monitor.DistStats, len(p.Dists))
			for j, d := range p.Dists {
				for _, w := range []*monitor.DistWindow{&d.Second, &d.TenSeconds, &d.Minute} {
					w.Count, w.Rate = fix(w.Count), fix(w.Rate)
				}
				d.Total.Sum = fix(d.Total.Sum)
				ds[j] = d
			}
			p.Dists = ds
		}
		protos[i] = p
	}
	if protos != nil {
		s.Protocols = protos
	}
	return s
}
