package web

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/monitor"
)

func TestDistChart(t *testing.T) {
	if c := makeDistChart(nil); c.OK || c.Points != nil {
		t.Errorf("empty history drew %+v", c)
	}
	ms := time.Millisecond
	h := []monitor.DistPoint{{Count: 5, P50: 2 * ms, P99: 8 * ms}, {}, {Count: 1, P50: 3 * ms, P99: 3 * ms}}
	c := makeDistChart(h)
	if !c.OK || len(c.Points) != 3 {
		t.Fatalf("chart %+v", c)
	}
	// The value axis: niceScale of the highest p99.
	step, top := niceScale(float64(8 * ms))
	labels := []string{}
	for _, tk := range c.YTicks {
		labels = append(labels, tk.Label)
	}
	if len(c.YTicks) != int(top/step)+1 || labels[0] != "0" || labels[len(labels)-1] != strings.TrimSpace(labelOf(time.Duration(top))) {
		t.Errorf("y ticks %q (top %v, step %v)", labels, top, step)
	}
	yOf := func(v time.Duration) float64 { return chartY1 - float64(v)/top*(chartY1-chartY0) }
	p99, p50 := strings.Fields(c.Line), strings.Fields(c.P50Line)
	if len(p99) != 3 || len(p50) != 3 {
		t.Fatalf("lines %q %q", c.Line, c.P50Line)
	}
	for i, p := range h {
		for _, l := range []struct {
			pt string
			v  time.Duration
		}{{p99[i], p.P99}, {p50[i], p.P50}} {
			xy := strings.Split(l.pt, ",")
			y, _ := strconv.ParseFloat(xy[1], 64)
			if d := y - yOf(l.v); d > 0.05 || d < -0.05 {
				t.Errorf("point %d: y %v, want %v", i, y, yOf(l.v))
			}
		}
	}
	if c.Now != "now: p50 3ms, p99 3ms" || c.Points[1].Label != "1 s ago: no values" || c.Points[0].Label != "2 s ago: p50 2ms, p99 8ms" {
		t.Errorf("labels %q, %q, %q", c.Points[0].Label, c.Points[1].Label, c.Now)
	}
	// All empty: a 0 to 1 ms scale, lines at the bottom.
	c = makeDistChart([]monitor.DistPoint{{}, {}})
	if !c.OK || c.YTicks[len(c.YTicks)-1].Label != "1ms" || !strings.HasSuffix(c.Line, ","+strconv.Itoa(chartY1)+".0") {
		t.Errorf("empty seconds: %+v", c)
	}
	// Longer than HistoryLen: the newest HistoryLen.
	long := make([]monitor.DistPoint, monitor.HistoryLen+7)
	if c = makeDistChart(long); len(c.Points) != monitor.HistoryLen {
		t.Errorf("%d points", len(c.Points))
	}
}

func labelOf(d time.Duration) string { return human.Latency(d) }

func TestMakeWindow(t *testing.T) {
	ms := time.Millisecond
	w := makeWindow(10, monitor.DistWindow{Span: 4 * time.Second, Count: 40, Rate: 10, Mean: 3 * ms, P50: 2 * ms, P90: 5 * ms, P99: 9 * ms, P999: 12 * ms, Max: 15 * ms})
	if w.Label != "10 s" || w.P50 != "2ms" || w.P99 != "9ms" || w.Max != "15ms" || w.None {
		t.Errorf("window %+v", w)
	}
	if !strings.Contains(w.Exact, "40 values, mean 3ms, p90 5ms, p99.9 12ms") || !strings.Contains(w.Exact, "over 4 s so far") {
		t.Errorf("tooltip %q", w.Exact)
	}
	if w = makeWindow(1, monitor.DistWindow{Span: time.Second}); !w.None || w.P99 != "–" {
		t.Errorf("empty window %+v", w)
	}
}

// TestDistChartHugeLatency draws a p99 of math.MaxInt64 ns (292 years,
// from a Source of its own: a Monitor's stop at latency.Max): the scale,
// in time.Duration, must not pass math.MaxInt64 (its top tick read "0",
// at the bottom), and the point sits at the top.
func TestDistChartHugeLatency(t *testing.T) {
	c := makeDistChart([]monitor.DistPoint{{Count: 1, P50: 1, P99: math.MaxInt64}})
	prev := math.Inf(1)
	for _, tk := range c.YTicks {
		y, err := strconv.ParseFloat(tk.Pos, 64)
		if err != nil || !(y < prev) || strings.HasPrefix(tk.Label, "-") {
			t.Errorf("value ticks %+v: not rising from 0", c.YTicks)
			break
		}
		prev = y
	}
	if last := c.YTicks[len(c.YTicks)-1]; last.Pos != "8.0" || last.Label == "0" {
		t.Errorf("top tick %+v", last)
	}
	if p := c.Points[0]; p.Y != "8.0" {
		t.Errorf("the p99 of MaxInt64 is at y %s, not at the top", p.Y)
	}
}
