package web

import (
	"math"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
)

func TestNiceScale(t *testing.T) {
	for _, c := range []struct{ max, step, top float64 }{
		{0, 0.5, 1},
		{math.NaN(), 0.5, 1},
		{1, 0.5, 1},
		{4, 2, 4},
		{6, 2, 6},
		{7, 2.5, 7.5},
		{0.3, 0.1, 0.3},
		{3456.7, 2000, 4000},
		{1e6, 500e3, 1e6},
	} {
		step, top := niceScale(c.max)
		if math.Abs(step-c.step) > 1e-9*c.step || math.Abs(top-c.top) > 1e-9*c.top {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", c.max, step, top, c.step, c.top)
		}
		if n := top / step; n < 2-1e-9 || n > 4+1e-9 {
			t.Errorf("niceScale(%v): %v steps", c.max, n)
		}
	}
}

func TestChart(t *testing.T) {
	if c := makeChart(nil, monitor.Count); c.OK || c.Points != nil {
		t.Errorf("empty history drew %+v", c)
	}
	c := makeChart([]float64{0, 10, 5}, monitor.Count)
	if !c.OK || len(c.Points) != 3 {
		t.Fatalf("chart %+v", c)
	}
	// The newest sample sits at the right edge, one second a step; the
	// value axis goes 0, 5, 10 from the bottom, the time axis -60s to now.
	if c.Points[2].X != "310.0" || c.Points[1].X != "305.5" || c.Points[0].Y != "110.0" || c.Points[1].Y != "8.0" || c.Points[2].Y != "59.0" {
		t.Errorf("points %+v", c.Points)
	}
	var ys, xs []string
	for _, tk := range c.YTicks {
		ys = append(ys, tk.Label+"@"+tk.Pos)
	}
	for _, tk := range c.XTicks {
		xs = append(xs, tk.Label+"@"+tk.Pos)
	}
	if got := strings.Join(ys, " "); got != "0@110.0 5@59.0 10@8.0" {
		t.Errorf("value ticks %s", got)
	}
	if got := strings.Join(xs, " "); got != "-60s@42.0 -45s@109.0 -30s@176.0 -15s@243.0 now@310.0" {
		t.Errorf("time ticks %s", got)
	}
	if c.Points[0].Off != 2 || c.Points[0].Label != "2 s ago: 0/s" || c.Now != "now: 5/s" {
		t.Errorf("labels %+v, now %q", c.Points, c.Now)
	}
	// The pointer bands tile the plot without overlap, inside it.
	if c.Points[2].HitX != "307.8" || c.Points[2].HitW != "2.2" || c.Points[1].HitW != "4.5" {
		t.Errorf("bands %+v", c.Points)
	}
	if !strings.HasSuffix(c.Area, " 310.0,110 301.1,110") || !strings.HasPrefix(c.Area, c.Line) {
		t.Errorf("area %q, line %q", c.Area, c.Line)
	}

	// A long history keeps its last HistoryLen samples; infinities clamp
	// to the top and NaN to the bottom, and the labels say what they were.
	long := make([]float64, 2*monitor.HistoryLen)
	long[len(long)-2] = math.Inf(1)
	long[len(long)-1] = math.NaN()
	l := makeChart(long, monitor.Count)
	if len(l.Points) != monitor.HistoryLen || l.Points[0].X != "46.5" || l.Points[0].Off != monitor.HistoryLen-1 {
		t.Errorf("long chart: %d points, first %+v", len(l.Points), l.Points[0])
	}
	if inf, nan := l.Points[len(l.Points)-2], l.Points[len(l.Points)-1]; inf.Y != "8.0" || nan.Y != "110.0" || inf.Label != "1 s ago: ∞/s" || nan.Label != "now: NaN/s" {
		t.Errorf("inf %+v, nan %+v", inf, nan)
	}
}

// TestChartExtremeRates draws rates at the ends of float64: a scale up
// to a rate near math.MaxFloat64 would overflow to +Inf (and its ticks
// never end), one down to a subnormal rate would have a step of 0. The
// scale stays finite with two to four steps, a huge rate is drawn at the
// top (a subnormal one near the bottom of a scale to 1e-300), and the
// readout still says what each was.
func TestChartExtremeRates(t *testing.T) {
	for _, max := range []float64{1e-320, 5e-324, 1e-300, 1e307, 1e308, 1.5e308, 1.7e308, math.MaxFloat64} {
		step, top := niceScale(max)
		if !(step > 0) || math.IsInf(top, 0) || !(top > 0) {
			t.Fatalf("niceScale(%v) = %v, %v: not a finite scale", max, step, top)
		}
		if n := top / step; n < 2-1e-9 || n > 4+1e-9 {
			t.Errorf("niceScale(%v): %v steps", max, n)
		}
		c := makeChart([]float64{0, max}, monitor.Count)
		if n := len(c.YTicks); n < 3 || n > 5 {
			t.Errorf("chart of %v: %d value ticks", max, n)
		}
		for _, p := range c.Points {
			for _, s := range []string{p.X, p.Y, p.HitX, p.HitW} {
				if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
					t.Errorf("chart of %v: point %+v", max, p)
				}
			}
		}
		if p := c.Points[1]; p.Label != "now: "+rateString(monitor.Count, max) || max >= 1e-300 && p.Y != "8.0" {
			t.Errorf("chart of %v: the newest point %+v is not at the top with its value", max, p)
		}
	}
}
