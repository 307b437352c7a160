package web

import (
	"time"

	"github.com/hitrate/hitrate/internal/human"
	"github.com/hitrate/hitrate/monitor/exposition"
)

// Bounds on what the options of NewHandler put in the page's header.
const (
	// MaxInfos is the most WithInfo facts the page shows; later ones are
	// dropped.
	MaxInfos = 16
	// MaxInfoLen is the longest label or value of WithInfo, in bytes;
	// longer ones are cut, at a character boundary, and end in "…".
	MaxInfoLen = 256
)

// Option configures the handler that NewHandler returns.
type Option func(*handler)

// WithInfo adds a fact about what the page watches to its header, as a
// label and its value: WithInfo("listen", "127.0.0.1:8080"),
// WithInfo("version", "v1.2.0"). Facts show in the order given, escaped as
// text. An empty label drops the fact; invalid UTF-8 is replaced; a label
// or value over MaxInfoLen bytes is cut, and facts beyond MaxInfos are
// dropped.
func WithInfo(label, value string) Option {
	label, value = bound(label), bound(value)
	return func(h *handler) {
		if label != "" && len(h.info) < MaxInfos {
			h.info = append(h.info, pageParam{Name: label, Value: value})
		}
	}
}

// WithStart makes the page's header show the uptime since start, such as
// when the process started. The zero time shows no uptime.
func WithStart(start time.Time) Option {
	return func(h *handler) { h.start = start }
}

// bound returns s as valid UTF-8 of at most MaxInfoLen bytes.
func bound(s string) string {
	s = exposition.ValidUTF8(s)
	if len(s) <= MaxInfoLen {
		return s
	}
	const ellipsis = "…"
	return s[:human.RuneCut(s, MaxInfoLen-len(ellipsis))] + ellipsis
}
