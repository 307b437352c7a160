package monitor_test

import (
	"net/url"
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

// TestParseQueryBounds gives every key a 200 KB bad value: each error
// quotes at most a 32-byte prefix of it. A filter of invalid UTF-8 is
// refused as sort and protocol are.
func TestParseQueryBounds(t *testing.T) {
	big := strings.Repeat("9", 200<<10)
	for _, key := range []string{"conns", "desc", "limit", "protocol", "sort", "filter"} {
		v := url.Values{key: {big + "\xff"}}
		_, err := monitor.ParseQuery(v)
		if err == nil {
			t.Errorf("%s: a 200 KB value was accepted", key)
			continue
		}
		if msg := err.Error(); len(msg) > 160 || strings.Contains(msg, strings.Repeat("9", 33)) {
			t.Errorf("%s: error of %d bytes quotes more than a 32-byte prefix: %.200s", key, len(msg), msg)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"filter=%ff", `monitor: query key "filter": "\xff" is not valid UTF-8`},
		{"filter=ab%c3", `monitor: query key "filter": "ab\xc3" is not valid UTF-8`},
		{"limit=" + big, `monitor: query key "limit": "99999999999999999999999999999999"... is not an integer in [1, 10000]`},
		{"conns=" + big, `monitor: query key "conns": "99999999999999999999999999999999"... is not a bool`},
		{"filter=" + big, `monitor: query key "filter": "99999999999999999999999999999999"... is 204800 bytes long, over MaxFilterLen (256)`},
		{"sort=" + big, `monitor: query key "sort": "99999999999999999999999999999999"... is 204800 bytes long, over MaxNameLen (128)`},
		{"sort=total:" + big, `monitor: query key "sort": the event name in "total:99999999999999999999999999"... is 204800 bytes long, over MaxNameLen (128)`},
		{"protocol=" + big, `monitor: query key "protocol": "99999999999999999999999999999999"... is 204800 bytes long, over MaxNameLen (128)`},
	} {
		v, err := url.ParseQuery(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := monitor.ParseQuery(v); err == nil || err.Error() != tt.want {
			t.Errorf("ParseQuery(%.40q...):\n got %v\nwant %s", tt.in, err, tt.want)
		}
	}
	if q, err := monitor.ParseQuery(url.Values{"filter": {"名前"}}); err != nil || q.Filter != "名前" {
		t.Errorf("a valid UTF-8 filter: %+v, %v", q, err)
	}
}
