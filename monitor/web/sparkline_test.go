package web

import (
	"math"
	"strings"
	"testing"

	"github.com/hitrate/hitrate/monitor"
)

func TestSparkline(t *testing.T) {
	if s := makeSparkline(nil, monitor.Count); s.OK {
		t.Errorf("empty history drew %+v", s)
	}
	s := makeSparkline([]float64{0, 10, 5}, monitor.Count)
	// The newest sample sits at the right edge, one step per second, and
	// the highest touches the top padding.
	if s.Line != "144.9,28.0 147.5,2.0 150.0,15.0" || s.X != "150.0" || s.Y != "15.0" || s.Max != "10" {
		t.Errorf("sparkline %+v", s)
	}
	if !strings.HasSuffix(s.Area, " 150.0,30 144.9,30") {
		t.Errorf("area %q", s.Area)
	}
	flat := makeSparkline([]float64{0, 0}, monitor.Count)
	if flat.Line != "147.5,28.0 150.0,28.0" {
		t.Errorf("flat sparkline %+v", flat)
	}
	long := make([]float64, 2*monitor.HistoryLen)
	long[0] = math.Inf(1)
	long[len(long)-1] = math.NaN()
	if l := makeSparkline(long, monitor.Count); strings.Count(l.Line, " ")+1 != monitor.HistoryLen || !strings.HasPrefix(l.Line, "0.0,") {
		t.Errorf("long sparkline %+v", l)
	}
}

// TestSparklineTinyRates: rates so small that 1/max overflows (a Source of
// the user's own) draw like any others; the scale of 26/max was +Inf, and
// the points -Inf and NaN.
func TestSparklineTinyRates(t *testing.T) {
	for _, h := range [][]float64{{1e-310, 0}, {5e-324}, {0, 1e-308}} {
		s := makeSparkline(h, monitor.Count)
		if strings.Contains(s.Line+s.Area+s.X+s.Y, "Inf") || strings.Contains(s.Line+s.Area+s.X+s.Y, "NaN") {
			t.Errorf("%v: sparkline %+v", h, s)
		}
		if s.Y != "2.0" && h[len(h)-1] > 0 {
			t.Errorf("%v: the newest, highest point at y %s, want 2.0 (the top)", h, s.Y)
		}
	}
}
