package web

import (
	"testing"
	"time"

	"github.com/hitrate/hitrate/monitor"
)

func TestWindowWords(t *testing.T) {
	for _, tc := range []struct {
		ws   []time.Duration
		want string
	}{
		{[]time.Duration{10 * time.Second}, "10 s"},
		{[]time.Duration{10 * time.Second, time.Minute}, "10 s and 60 s"},
		{[]time.Duration{10 * time.Second, time.Minute, 5 * time.Minute}, "10 s, 60 s and 300 s"},
	} {
		if got := windowWords(tc.ws); got != tc.want {
			t.Errorf("windowWords(%v) = %q, want %q", tc.ws, got, tc.want)
		}
	}
}

// A bare event name sorts by its rate, unless it reads as another key:
// then the page links to "rate:" and the name.
func TestRateKey(t *testing.T) {
	for ev, want := range map[string]string{
		"requests": "requests", "age": "rate:age", "id": "rate:id", "name": "rate:name",
		"rate:x": "rate:rate:x", "total:x": "rate:total:x", "ages": "ages",
		"mean:x": "rate:mean:x", "count:x": "rate:count:x", "means": "means",
	} {
		if got := rateKey(ev); got != want {
			t.Errorf("rateKey(%q) = %q, want %q", ev, got, want)
		}
		by, err := parseSort(rateKey(ev))
		if err != nil || by != monitor.ByRate(ev) {
			t.Errorf("parseSort(rateKey(%q)) = %v, %v; want the rate of %q", ev, by, err, ev)
		}
	}
}
