package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
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
	for _, want := range []string{"off req/s", "throughput cost of monitoring: median ", "(95% CI needs 6 rounds or more)", "CPU cost of monitoring: median ", "check: the monitor counted"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	t.Logf("output:\n%s", stdout.String())
}
