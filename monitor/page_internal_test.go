package monitor

import (
	"math"
	"strings"
	"testing"
	"time"
)

// pageFormatCases are how the server formats numbers; the end-to-end test
// (e2e/browser_test.go) checks that the page's script formats the same
// values the same way, from its own copy of the cases.
var pageFormatCases = []struct {
	in   float64
	want string
}{
	{0, "0"}, {0.5, "0.5"}, {1, "1"}, {1.25, "1.25"}, {9.994, "9.99"}, {9.996, "10"},
	{12.34, "12.3"}, {99.94, "99.9"}, {99.96, "100"}, {123.4, "123"}, {999.4, "999"},
	{999.5, "1k"}, {1000, "1k"}, {1234, "1.23k"}, {1200, "1.2k"}, {12345, "12.3k"},
	{123456, "123k"}, {999499, "999k"}, {999500, "1M"}, {3.4e6, "3.4M"}, {1e9, "1G"},
	{2.5e12, "2.5T"}, {7e15, "7P"}, {1.8e19, "18E"}, {5e21, "5000E"}, {-1234, "-1.23k"},
	{math.Inf(1), "∞"}, {math.NaN(), "NaN"},
}

func TestHumanFloat(t *testing.T) {
	for _, c := range pageFormatCases {
		if got := humanFloat(c.in); got != c.want {
			t.Errorf("humanFloat(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	for in, want := range map[uint64]string{0: "0", 999: "999", 1000: "1k", 1999: "2k", 1e6: "1M", math.MaxUint64: "18.4E"} {
		if got := humanUint(in); got != want {
			t.Errorf("humanUint(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[string]string{"": "", "1": "1", "123": "123", "1234": "1,234", "123456": "123,456", "-1234567": "-1,234,567"} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%q) = %q, want %q", in, got, want)
		}
	}
	if got := numRate(1234.5).Exact; got != "1,234.50/s" {
		t.Errorf("numRate(1234.5).Exact = %q", got)
	}
	if got := numInt(-1234); got.Text != "-1.23k" || got.Exact != "-1,234" {
		t.Errorf("numInt(-1234) = %+v", got)
	}
}

func TestHumanDuration(t *testing.T) {
	for in, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 999 * time.Millisecond: "0s", 42 * time.Second: "42s",
		185 * time.Second: "3m05s", 2*time.Hour + 7*time.Minute + 59*time.Second: "2h07m",
		76 * time.Hour: "3d04h",
	} {
		if got := humanDuration(in); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestSparkline(t *testing.T) {
	if s := makeSparkline(nil); s.OK {
		t.Errorf("empty history drew %+v", s)
	}
	s := makeSparkline([]float64{0, 10, 5})
	// The newest sample sits at the right edge, one step per second, and
	// the highest touches the top padding.
	if s.Line != "144.9,28.0 147.5,2.0 150.0,15.0" || s.X != "150.0" || s.Y != "15.0" || s.Max != "10" {
		t.Errorf("sparkline %+v", s)
	}
	if !strings.HasSuffix(s.Area, " 150.0,30 144.9,30") {
		t.Errorf("area %q", s.Area)
	}
	flat := makeSparkline([]float64{0, 0})
	if flat.Line != "147.5,28.0 150.0,28.0" {
		t.Errorf("flat sparkline %+v", flat)
	}
	long := make([]float64, 2*HistoryLen)
	long[0] = math.Inf(1)
	long[len(long)-1] = math.NaN()
	if l := makeSparkline(long); strings.Count(l.Line, " ")+1 != HistoryLen || !strings.HasPrefix(l.Line, "0.0,") {
		t.Errorf("long sparkline %+v", l)
	}
}
