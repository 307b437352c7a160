package monitor_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps checks that importing monitor registers nothing and serves
// nothing: neither it nor what it imports brings in net/http (and with it
// http.DefaultServeMux), html/template or expvar (whose init publishes on
// the default mux). Those live in monitor/web and monitor/expvarpub.
func TestDeps(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to list the dependencies: %v", err)
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/hitrate/hitrate/monitor").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || deps[len(deps)-1] != "github.com/hitrate/hitrate/monitor" {
		t.Fatalf("go list -deps printed an unexpected list:\n%s", out)
	}
	for _, d := range deps {
		switch {
		case d == "net/http", strings.HasPrefix(d, "net/http/"),
			d == "html/template", d == "text/template", d == "expvar":
			t.Errorf("monitor depends on %s", d)
		case !strings.Contains(strings.SplitN(d, "/", 2)[0], "."):
			// the standard library
		case strings.HasPrefix(d, "github.com/hitrate/hitrate/"),
			strings.HasPrefix(d, "github.com/puzpuzpuz/xsync/"),
			strings.HasPrefix(d, "go.uber.org/atomic"):
		default:
			t.Errorf("monitor depends on %s, outside the library's dependencies", d)
		}
	}
}
