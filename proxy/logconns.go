package proxy

import (
	"log/slog"

	"github.com/hitrate/hitrate/monitor"
)

// LogConns returns an option for NewMonitor that logs one line per closed
// connection on logger, at level Info: the message "conn closed" and the
// connection's monitor.ConnSummary under the key "conn" (its id, remote
// address, open time, duration, and its final requests, bytes_in,
// bytes_out and errors). A connection closes on the Monitor once both of
// its directions have ended, so the totals are exact.
func LogConns(logger *slog.Logger) monitor.Option {
	return monitor.WithCloseHook(func(s monitor.ConnSummary) {
		logger.Info("conn closed", "conn", s)
	})
}
