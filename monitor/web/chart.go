package web

import (
	"math"
	"strconv"
	"strings"

	"github.com/hitrate/hitrate/monitor"
)

// Chart geometry, in SVG user units: the plot area spans [chartX0,
// chartX1] × [chartY0, chartY1] of a chartW × chartH view box, with room
// for the value labels on the left and the time labels below.
const (
	chartW  = 320
	chartH  = 132
	chartX0 = 42
	chartX1 = 310
	chartY0 = 8
	chartY1 = 110
	// chartSpan is the seconds the time axis spans: HistoryLen samples
	// one a second, the newest at the right edge.
	chartSpan = monitor.HistoryLen
)

// chart is the SVG of one event's rate over the last minute, with axes:
// every coordinate and label already formatted for the template.
type chart struct {
	OK             bool
	W, H           int
	X0, X1, Y0, Y1 int
	PlotH          int
	Line, Area     string       // points of the polyline and of the polygon under it
	YTicks, XTicks []chartTick  // value and time axes
	Points         []chartPoint // one per sample, oldest first, for the pointer
	Now            string       // the newest sample, as the readout shows it
}

// chartTick is an axis label at Pos (y for values, x for times).
type chartTick struct{ Pos, Label string }

// chartPoint is one sample: its position (X, Y), the band of the plot
// (HitX, HitW) the pointer selects it in, its age in seconds (Off), and
// the readout for it.
type chartPoint struct {
	X, Y, HitX, HitW string
	Off              int
	Label            string
}

// chartLabel is the readout of a sample off seconds older than the newest.
func chartLabel(u monitor.Unit, off int, v float64) string {
	at := "now"
	if off > 0 {
		at = strconv.Itoa(off) + " s ago"
	}
	return at + ": " + rateString(u, v)
}

// makeChart draws h, the once-a-second rates of an event of unit u,
// oldest first.
func makeChart(h []float64, u monitor.Unit) chart {
	if len(h) > monitor.HistoryLen {
		h = h[len(h)-monitor.HistoryLen:]
	}
	c := chart{W: chartW, H: chartH, X0: chartX0, X1: chartX1, Y0: chartY0, Y1: chartY1, PlotH: chartY1 - chartY0}
	if len(h) == 0 {
		return c
	}
	c.OK = true
	clean := make([]float64, len(h))
	max := 0.0
	for i, v := range h {
		switch {
		case !(v > 0): // NaN and negatives sit at the bottom
			v = 0
		case math.IsInf(v, 1):
			v = math.MaxFloat64 // clamped to the top below
		}
		clean[i] = v
		if v > max && v < math.MaxFloat64 {
			max = v
		}
	}
	step, top := niceScale(max)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	for v := 0.0; v <= top*(1+1e-9); v += step {
		y := chartY1 - v/top*(chartY1-chartY0)
		c.YTicks = append(c.YTicks, chartTick{Pos: f(y), Label: amountString(u, v)})
	}
	xOf := func(off float64) float64 { return chartX1 - off/chartSpan*(chartX1-chartX0) }
	for off := chartSpan; off >= 0; off -= 15 {
		label := "now"
		if off > 0 {
			label = "-" + strconv.Itoa(off) + "s"
		}
		c.XTicks = append(c.XTicks, chartTick{Pos: f(xOf(float64(off))), Label: label})
	}
	band := float64(chartX1-chartX0) / chartSpan
	var line strings.Builder
	var x float64
	for i, v := range clean {
		off := len(clean) - 1 - i
		x = xOf(float64(off))
		y := chartY1 - math.Min(v, top)/top*(chartY1-chartY0)
		if i > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(f(x) + "," + f(y))
		lo, hi := math.Max(x-band/2, chartX0), math.Min(x+band/2, chartX1)
		c.Points = append(c.Points, chartPoint{
			X: f(x), Y: f(y), HitX: f(lo), HitW: f(hi - lo),
			Off: off, Label: chartLabel(u, off, h[i]),
		})
	}
	c.Line = line.String()
	x0 := xOf(float64(len(clean) - 1))
	c.Area = c.Line + " " + f(x) + "," + strconv.Itoa(chartY1) + " " + f(x0) + "," + strconv.Itoa(chartY1)
	c.Now = c.Points[len(c.Points)-1].Label
	return c
}

// The limits of the max of niceScale: above maxScale, its top (up to
// 3.3 times max) would overflow to +Inf and its ticks never end; below
// minScale, its step would be subnormal or 0.
const (
	minScale = 1e-300
	maxScale = math.MaxFloat64 / 10
)

// niceScale returns the step between the value axis's ticks, a 1, 2, 2.5
// or 5 times a power of ten, and its top, the first step multiple at or
// above max: two to four steps in all. A max of 0 gives a scale of 0 to 1;
// a max above maxScale is taken as maxScale (the chart draws higher
// values at its top), one below minScale as minScale.
func niceScale(max float64) (step, top float64) {
	if !(max > 0) || math.IsInf(max, 0) {
		return 0.5, 1
	}
	max = math.Min(math.Max(max, minScale), maxScale)
	raw := max / 3
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * p
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	top = math.Ceil(max/step-1e-9) * step
	return step, top
}
