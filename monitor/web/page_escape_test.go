package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hitrate/hitrate/monitor"
	"github.com/hitrate/hitrate/monitor/web"
)

// charRef matches an HTML character reference, as html/template writes
// them: &amp; &lt; &#34; ...
var charRef = regexp.MustCompile(`&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);`)

// templateEscaper escapes a string as html/template does in HTML text and
// quoted attributes.
var templateEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;", "\x00", "\uFFFD",
)

// FuzzPageEscapes serves hostile monitor, event and connection names and
// checks that the page holds them only escaped, and the JSON too.
func FuzzPageEscapes(f *testing.F) {
	for _, seed := range [][3]string{
		{"<script>alert(1)</script>", `"onmouseover="alert(1)`, "</script><script>alert(2)</script>"},
		{`'><img src=x onerror=alert(1)>`, "&lt;b&gt;", "a&b"},
		{"&amp", "javascript:alert(1)", `\"'`},
		{"<!--", "]]><svg onload=alert(1)>", "</title></textarea></style>"},
		{"{{.Name}}", "${alert(1)}", "`backtick`"},
		{"\u2028<\u2029>", "\xff<\xfe", "\x00<\x00"},
		{"http", "requests", "10.0.0.1:5555"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, proto, event, conn string) {
		// A marker around each name keeps a bare `"` or `<` from matching
		// the page's own markup.
		names := []string{"zq" + proto + "qz", "zq" + event + "qz", "zq" + conn + "qz"}
		src := &hndSource{snap: monitor.Snapshot{
			Time: time.Unix(1, 0),
			Protocols: []monitor.Protocol{{
				Name:   names[0],
				Events: []monitor.EventStats{{Name: names[1], Total: 3, Rate: 1, History: []float64{1, 2}}},
				Dists: []monitor.DistStats{{Name: names[1], Second: monitor.DistWindow{Count: 1, P50: 1e6, P99: 2e6, Max: 3e6},
					History: []monitor.DistPoint{{Count: 1, P50: 1e6, P99: 2e6}}}},
				Conns: monitor.ConnCounts{Current: 1, Peak: 1, Total: 1},
				Open: []monitor.ConnInfo{{
					ID: 1, Name: names[2], Events: []monitor.ConnEvent{{Total: 3, Rate: 1}},
				}},
				OpenMatched: 1,
			}},
		}}
		h := web.NewHandler(src)

		rec := hndGet(t, h, "GET", "/")
		if rec.Code != http.StatusOK {
			t.Fatalf("page: code %d: %s", rec.Code, rec.Body)
		}
		page := rec.Body.String()
		// Every & in the page begins a character reference...
		bare := charRef.ReplaceAllString(page, "\x00")
		if i := strings.IndexByte(bare, '&'); i >= 0 {
			t.Fatalf("bare & in the page: %q", bare[max(0, i-40):min(len(bare), i+40)])
		}
		for _, n := range names {
			// ...so a name with a special character shows raw only if it
			// was not escaped.
			if strings.ContainsAny(n, `<>"'&`) && strings.Contains(bare, n) {
				t.Errorf("page holds the raw name %q", n)
			}
			// And it is there, escaped.
			if utf8.ValidString(n) && !strings.Contains(page, templateEscaper.Replace(n)) {
				t.Errorf("page lacks the escaped name %q", templateEscaper.Replace(n))
			}
		}

		rec = hndGet(t, h, "GET", "/json?conns")
		if rec.Code != http.StatusOK {
			t.Fatalf("json: code %d: %s", rec.Code, rec.Body)
		}
		js := rec.Body.String()
		for _, n := range names {
			if strings.ContainsAny(n, `<>&`) && strings.Contains(js, n) {
				t.Errorf("JSON holds the raw name %q", n)
			}
		}
		var back monitor.Snapshot
		if err := json.Unmarshal(rec.Body.Bytes(), &back); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		if utf8.ValidString(names[0]) && back.Protocols[0].Name != names[0] {
			t.Errorf("JSON name %q, want %q", back.Protocols[0].Name, names[0])
		}

		if rec = hndGet(t, h, "GET", "/metrics"); rec.Code != http.StatusOK {
			t.Fatalf("metrics: code %d", rec.Code)
		}
	})
}
