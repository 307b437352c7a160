package monitor_test

import (
	"log/slog"
	"os"
	"time"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/ring"
)

// A program logs one structured line per closed connection, with its
// duration and final totals.
func ExampleWithCloseHook() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "opened" {
				return slog.Attr{} // left out here, for a stable output
			}
			return a
		},
	}))
	clock := ring.NewManualClock() // leave WithClock out to share ring.Default()
	m, err := monitor.New("http", []string{"request", "bytes_out"},
		monitor.WithClock(clock.Clock),
		monitor.WithCloseHook(func(s monitor.ConnSummary) {
			logger.Info("conn closed", "conn", s)
		}))
	if err != nil {
		panic(err)
	}
	defer m.Close()
	request, bytesOut := m.MustEvent("request"), m.MustEvent("bytes_out")

	c := m.Open("10.0.0.1:50000")
	c.Log(request)
	c.Add(bytesOut, 5120)
	clock.Advance(2500 * time.Millisecond)
	c.Log(request)
	c.Add(bytesOut, 880)
	c.Close()
	// Output:
	// level=INFO msg="conn closed" conn.protocol=http conn.id=1 conn.name=10.0.0.1:50000 conn.duration=2.5s conn.events.request=2 conn.events.bytes_out=6000
}
