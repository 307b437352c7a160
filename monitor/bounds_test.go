package monitor_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hitrate/hitrate/monitor"
)

// TestConnNameCapped opens connections with names up to 1 MiB, in ASCII
// and in multi-byte runes: a snapshot carries at most MaxConnNameLen
// bytes of each, valid UTF-8, cut on a rune boundary and marked with "…";
// a name that fits is carried whole.
func TestConnNameCapped(t *testing.T) {
	m, _ := newManual(t, "http", []string{"req"})
	names := []string{
		strings.Repeat("a", 1<<20),
		strings.Repeat("é", monitor.MaxConnNameLen),
		"x" + strings.Repeat("名", monitor.MaxConnNameLen),
		strings.Repeat("b", monitor.MaxConnNameLen),
		strings.Repeat("c", monitor.MaxConnNameLen+1),
		"10.0.0.1:1",
	}
	for _, n := range names {
		defer m.Open(n).Close()
	}
	open := m.Snapshot(monitor.Query{Conns: true}).Protocols[0].Open
	if len(open) != len(names) {
		t.Fatalf("listed %d connections, want %d", len(open), len(names))
	}
	for i, c := range open {
		full := names[i]
		if len(full) <= monitor.MaxConnNameLen {
			if c.Name != full {
				t.Errorf("name %d (%d bytes) changed to %q", i, len(full), c.Name)
			}
			continue
		}
		cut, ok := strings.CutSuffix(c.Name, "…")
		switch {
		case !ok:
			t.Errorf("name %d: %d bytes, not marked as cut", i, len(c.Name))
		case len(c.Name) > monitor.MaxConnNameLen || len(c.Name) < monitor.MaxConnNameLen-utf8.UTFMax-len("…"):
			t.Errorf("name %d: carried %d bytes, want at most MaxConnNameLen (%d) and near it", i, len(c.Name), monitor.MaxConnNameLen)
		case !utf8.ValidString(c.Name) || !strings.HasPrefix(full, cut):
			t.Errorf("name %d: %q is not a valid prefix of the name", i, c.Name)
		}
	}
	// The filter sees the whole name.
	if p := m.Snapshot(monitor.Query{Conns: true, Filter: "aaaa"}).Protocols[0]; p.OpenMatched != 1 {
		t.Errorf("filter matched %d, want 1", p.OpenMatched)
	}
}
