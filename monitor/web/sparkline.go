package web

import (
	"math"
	"strconv"
	"strings"

	"github.com/hitrate/hitrate/monitor"
)

// Sparkline geometry, in SVG user units; page.html's viewBox matches.
const (
	sparkW   = 150
	sparkH   = 30
	sparkPad = 2
)

// sparkline is the SVG of one event's recent rates: Line is the points of
// a polyline, Area those of the polygon under it, and (X, Y) the newest
// point. The newest sample sits at the right edge, one step per second, so
// that a young monitor's line grows from the right.
type sparkline struct {
	Line, Area string
	X, Y       string
	Max        string
	OK         bool
}

func makeSparkline(h []float64, u monitor.Unit) sparkline {
	if len(h) > monitor.HistoryLen {
		h = h[len(h)-monitor.HistoryLen:]
	}
	if len(h) == 0 {
		return sparkline{}
	}
	max := 0.0
	for _, v := range h {
		if v > max && !math.IsInf(v, 1) {
			max = v
		}
	}
	step := float64(sparkW) / (monitor.HistoryLen - 1)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	var line strings.Builder
	var x, y float64
	for i, v := range h {
		if !(v > 0) { // NaN and negatives sit at the bottom
			v = 0
		}
		v = math.Min(v, max)
		x = sparkW - float64(len(h)-1-i)*step
		y = sparkH - sparkPad
		if max > 0 { // v/max, not v times a scale of 1/max: that is +Inf for a tiny max
			y -= v / max * (sparkH - 2*sparkPad)
		}
		if i > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(f(x) + "," + f(y))
	}
	x0 := sparkW - float64(len(h)-1)*step
	area := line.String() + " " + f(x) + "," + strconv.Itoa(sparkH) + " " + f(x0) + "," + strconv.Itoa(sparkH)
	return sparkline{Line: line.String(), Area: area, X: f(x), Y: f(y), Max: amountString(u, max), OK: true}
}
