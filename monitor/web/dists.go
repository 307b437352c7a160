package web

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/monitor"
)

// The view model of a protocol's latency distributions (the "dists"
// template of page.html): a row per distribution with p50, p99 and max
// over 1 s, 10 s and 60 s, and a chart of p50 and p99 per second.
type (
	pageDist struct {
		Name    string
		Rate    pageNum       // values per second over the last second
		Windows [3]pageWindow // 1 s, 10 s, 60 s
		Chart   distChart
	}
	// pageWindow is one window of a distribution: its quantiles and max,
	// formatted, with the window's count in the tooltip.
	pageWindow struct {
		Label         string // "1 s"
		P50, P99, Max string
		Exact         string // the tooltip
		None          bool   // no value in the window
	}
	// distChart is a chart (see chart.go) of two series: P99's line (the
	// chart's Line, with the area under it) and P50's.
	distChart struct {
		chart
		P50Line string
	}
)

// makeDists returns the view of a protocol's distributions.
func makeDists(ds []monitor.DistStats) []pageDist {
	var out []pageDist
	for _, d := range ds {
		pd := pageDist{
			Name:  d.Name,
			Rate:  pageNum{human.Float(d.Second.Rate), human.ExactRate(d.Second.Rate) + " over the last second"},
			Chart: makeDistChart(d.History),
		}
		for i, w := range []struct {
			secs int
			win  monitor.DistWindow
		}{{1, d.Second}, {10, d.TenSeconds}, {60, d.Minute}} {
			pd.Windows[i] = makeWindow(w.secs, w.win)
		}
		out = append(out, pd)
	}
	return out
}

// makeWindow formats one window of a distribution, of secs seconds.
func makeWindow(secs int, w monitor.DistWindow) pageWindow {
	label := strconv.Itoa(secs) + " s"
	pw := pageWindow{Label: label}
	if !(w.Count > 0) {
		pw.P50, pw.P99, pw.Max, pw.None = "–", "–", "–", true
		pw.Exact = "no values in the last " + label
		return pw
	}
	pw.P50, pw.P99, pw.Max = human.Latency(w.P50), human.Latency(w.P99), human.Latency(w.Max)
	pw.Exact = "last " + label + ": " + human.Float(w.Count) + " values, mean " + human.Latency(w.Mean) +
		", p90 " + human.Latency(w.P90) + ", p99.9 " + human.Latency(w.P999) + " (quantiles within 1%)"
	if w.Span > 0 && w.Span < time.Duration(secs)*time.Second-time.Second/2 {
		pw.Exact += "; over " + strconv.FormatFloat(math.Round(w.Span.Seconds()), 'f', 0, 64) + " s so far"
	}
	return pw
}

// distChartLabel is the readout of a second off seconds older than the
// newest.
func distChartLabel(off int, p monitor.DistPoint) string {
	at := "now"
	if off > 0 {
		at = strconv.Itoa(off) + " s ago"
	}
	if p.Count == 0 {
		return at + ": no values"
	}
	return at + ": p50 " + human.Latency(p.P50) + ", p99 " + human.Latency(p.P99)
}

// maxDistScale is the highest latency a distribution chart scales to (31
// years; a Monitor's latencies stop at latency.Max, 1 h): a nice number
// itself, so that niceScale's scale for any top at or below it is at most
// it, well below math.MaxInt64 ns.
const maxDistScale = time.Duration(1e18)

// makeDistChart draws h, the p50 and p99 of each second, oldest first,
// on the axes of chart.go: time over the last HistoryLen seconds, the
// newest at the right; latency from 0 up. A second without values sits at
// 0.
func makeDistChart(h []monitor.DistPoint) distChart {
	if len(h) > monitor.HistoryLen {
		h = h[len(h)-monitor.HistoryLen:]
	}
	c := distChart{chart: chart{W: chartW, H: chartH, X0: chartX0, X1: chartX1, Y0: chartY0, Y1: chartY1, PlotH: chartY1 - chartY0}}
	if len(h) == 0 {
		return c
	}
	c.OK = true
	var top time.Duration
	for _, p := range h {
		top = max(top, p.P99, p.P50)
	}
	// The ticks are time.Durations: a latency above maxDistScale is drawn
	// at the top of a scale to it.
	top = min(top, maxDistScale)
	step, scale := niceScale(float64(top))
	if top == 0 {
		step, scale = float64(500*time.Microsecond), float64(time.Millisecond) // 0 to 1 ms
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	yOf := func(v time.Duration) float64 {
		return chartY1 - math.Min(max(float64(v), 0), scale)/scale*(chartY1-chartY0)
	}
	for v := 0.0; v <= scale*(1+1e-9); v += step {
		c.YTicks = append(c.YTicks, chartTick{Pos: f(yOf(time.Duration(v))), Label: human.Latency(time.Duration(v))})
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
	var p99, p50 strings.Builder
	var x float64
	for i, p := range h {
		off := len(h) - 1 - i
		x = xOf(float64(off))
		y99, y50 := yOf(p.P99), yOf(p.P50)
		if i > 0 {
			p99.WriteByte(' ')
			p50.WriteByte(' ')
		}
		p99.WriteString(f(x) + "," + f(y99))
		p50.WriteString(f(x) + "," + f(y50))
		lo, hi := math.Max(x-band/2, chartX0), math.Min(x+band/2, chartX1)
		c.Points = append(c.Points, chartPoint{
			X: f(x), Y: f(y99), HitX: f(lo), HitW: f(hi - lo),
			Off: off, Label: distChartLabel(off, p),
		})
	}
	c.Line, c.P50Line = p99.String(), p50.String()
	x0 := xOf(float64(len(h) - 1))
	c.Area = c.Line + " " + f(x) + "," + strconv.Itoa(chartY1) + " " + f(x0) + "," + strconv.Itoa(chartY1)
	c.Now = c.Points[len(c.Points)-1].Label
	return c
}
