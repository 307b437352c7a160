package monitor_test

import (
	"bytes"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hitrate/hitrate/latency"
	"github.com/hitrate/hitrate/monitor"
)

// TestCloseHookDists checks the distributions in a closed connection's
// summary: the count of the values recorded on the connection and their
// mean, against a model that rounds each value to the microsecond and
// clamps it as the distribution does; a distribution with no value reads
// 0 and 0; values recorded on other connections, or after the Close, are
// not in it; the slog group shows them.
func TestCloseHookDists(t *testing.T) {
	var h hookLog
	m, _ := newManual(t, "http", []string{"req"}, monitor.WithDistributions("response_time", "connect_time"),
		monitor.WithCloseHook(h.hook))
	rt := m.MustDist("response_time")
	vals := []time.Duration{
		100 * time.Microsecond, 300 * time.Microsecond, 250400 * time.Nanosecond, 1499 * time.Nanosecond,
		-time.Second, 2 * latency.Max, 17 * time.Millisecond,
	}
	a, b := m.Open("a"), m.Open("b")
	for _, v := range vals {
		a.Record(rt, v)
	}
	b.Record(rt, time.Hour/2)
	a.Close()
	a.Record(rt, time.Second) // after Close: not in the summary

	var sumMicros float64
	for _, v := range vals {
		v = min(max(v, 0), latency.Max)
		sumMicros += math.Round(float64(v) / float64(time.Microsecond))
	}
	mean := time.Duration(math.Round(sumMicros * 1000 / float64(len(vals))))
	got := h.all()
	if len(got) != 1 {
		t.Fatalf("%d summaries, want 1", len(got))
	}
	want := []monitor.DistSummary{
		{Name: "response_time", Count: uint64(len(vals)), Mean: mean},
		{Name: "connect_time"},
	}
	if !reflect.DeepEqual(got[0].Dists, want) {
		t.Fatalf("Dists = %+v, want %+v", got[0].Dists, want)
	}

	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("closed", "conn", got[0])
	if line := buf.String(); !strings.Contains(line, "conn.distributions.response_time.count=7 conn.distributions.response_time.mean="+mean.String()) ||
		!strings.Contains(line, "conn.distributions.connect_time.count=0 conn.distributions.connect_time.mean=0s") {
		t.Errorf("slog line lacks the distributions: %s", line)
	}

	// Without distributions, the summary has none, nor the JSON.
	var h2 hookLog
	m2, _ := newManual(t, "http", []string{"req"}, monitor.WithCloseHook(h2.hook))
	m2.Open("c").Close()
	if s := h2.all(); len(s) != 1 || s[0].Dists != nil {
		t.Fatalf("summary without distributions: %+v", s)
	}
}
