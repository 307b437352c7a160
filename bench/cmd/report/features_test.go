package main

import "testing"

// TestFeatureRows checks the rows of the latency, keyed and middleware
// targets against a small results file whose verdicts are known.
func TestFeatureRows(t *testing.T) {
	res := parseFile(t, "testdata/features.txt")
	want := map[string]string{
		"latency `Record`, one goroutine / `sync/atomic` Add|1":                                           "met",    // 1.4x <= 1.5x
		"latency `Record`, `RunParallel` on 2 CPUs / contended `sync/atomic` Add|2":                       "missed", // 0.4x > 0.3x
		"keyed: memory per key with 4 events, everything included|1":                                      "missed", // 498 > 256
		"keyed: count an event of a resident key, 100k keys, uniform|1":                                   "missed", // 250 > 40
		"keyed: a rate decision (`Rate` and compare), 100k keys|1":                                        "—",      // the file lacks it
		"HTTP middleware: the fewest ns added per request (counts and response times for the protocol)|1": "met",    // +140 < +200
		"HTTP middleware: the fewest ns added per request, counted per connection too|1":                  "missed", // +270 > +200
		"HTTP middleware: allocations added per request, counted per connection|1":                        "met",
		"read p50, p90, p99, p99.9 and max over the last second|1":                                        "—",
	}
	got := map[string]string{}
	cheapest := map[string]string{}
	for _, r := range res.featureRows() {
		if r.What == "latency `Record` costs less than every concurrent-safe histogram" {
			cheapest[r.Bench[len("`BenchmarkLatency/"):][:3]+"|"+r.CPU] = r.Result
			continue
		}
		got[r.What+"|"+r.CPU] = r.Result
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	// seq at -cpu 1: 14 < 20, met; par at -cpu 2: 8 > 6, missed; the
	// others are not in the file.
	for k, v := range map[string]string{"seq|1": "met", "seq|2": "—", "par|1": "—", "par|2": "missed"} {
		if cheapest[k] != v {
			t.Errorf("cheapest %s: %q, want %q", k, cheapest[k], v)
		}
	}
}
