package main

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/perf/benchmath"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/hitrate/hitrate/ring.defaultRotator"))
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stderr
	}{
		{[]string{"-h"}, exitOK, "-round-duration"},
		{[]string{"-clients", "0"}, exitUsage, "-clients must be > 0"},
		{[]string{"-nope"}, exitUsage, "flag provided but not defined: -nope"},
		{[]string{"extra"}, exitUsage, "unexpected arguments"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("overhead %q: exit %d, want %d; stderr should hold %q:\n%s", tc.args, code, tc.code, tc.want, stderr.String())
		}
	}
}

func TestOverhead(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-rounds", "2", "-round-duration", "100ms", "-warmup", "50ms", "-clients", "2"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"off req/s", "throughput cost of monitoring: median ", "(95% CI needs 6 rounds or more)", "verdict: undecided: too few rounds", "2 keep-alive clients", "2 rounds of 100ms", "CPU cost of monitoring: median ", "check: the monitor counted"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	t.Logf("output:\n%s", stdout.String())
}

func TestVerdict(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{-inf, inf, "undecided: too few rounds"},
		{0.5, 1.9, "met: the whole 95% CI (0.50% to 1.90%) is under the 2% target"},
		{2, 3, "missed: the whole 95% CI (2.00% to 3.00%) is at or over the 2% target"},
		{0.51, 2.66, "undecided: the 95% CI (0.51% to 2.66%) is too wide to decide the 2% target"},
	} {
		got := verdict(benchmath.Summary{Center: (tc.lo + tc.hi) / 2, Lo: tc.lo, Hi: tc.hi}, targetCost)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("verdict(%v, %v) = %q, want prefix %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 requests", 1: "1 request", 2: "2 requests"} {
		if got := plural(n, "request"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestSplitFlags runs the control and the timing-off runs: a control run
// has no monitor on either side, so it checks no counts and says what
// its CI shows; a run without timing still counts every request.
func TestSplitFlags(t *testing.T) {
	for _, tc := range []struct {
		flag string
		want []string
		not  []string
	}{
		{"-control", []string{"control run: \"on\" has no monitor either", "control: "}, []string{"verdict:", "check: the monitor counted"}},
		{"-timing=false", []string{"without timing: \"on\" counts and parses but reads no clock", "verdict: ", "check: the monitor counted"}, []string{"control"}},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{tc.flag, "-rounds", "2", "-round-duration", "50ms", "-warmup", "0", "-clients", "2"}, &stdout, &stderr)
		if code != exitOK {
			t.Fatalf("%s: exit %d; stderr:\n%s", tc.flag, code, stderr.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.flag, w, stdout.String())
			}
		}
		for _, w := range tc.not {
			if strings.Contains(stdout.String(), w) {
				t.Errorf("%s: output has %q:\n%s", tc.flag, w, stdout.String())
			}
		}
	}
}

func TestControlVerdict(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{-inf, inf, "undecided: too few rounds"},
		{-0.5, 0.4, "no bias seen: 0 is inside the 95% CI (-0.50% to 0.40%)"},
		{0.2, 1.1, "biased: the 95% CI (0.20% to 1.10%) excludes 0"},
		{-1.3, -0.1, "biased: the 95% CI (-1.30% to -0.10%) excludes 0"},
	} {
		got := controlVerdict(benchmath.Summary{Lo: tc.lo, Hi: tc.hi})
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("controlVerdict(%g, %g) = %q, want prefix %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}
