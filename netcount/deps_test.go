package netcount_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps checks that netcount is core: it imports neither net/http nor
// crypto/tls (it finds a Conn under a *tls.Conn through NetConn).
func TestDeps(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to list the dependencies: %v", err)
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/hitrate/hitrate/netcount").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || deps[len(deps)-1] != "github.com/hitrate/hitrate/netcount" {
		t.Fatalf("go list -deps printed an unexpected list:\n%s", out)
	}
	for _, d := range deps {
		if d == "net/http" || strings.HasPrefix(d, "net/http/") || d == "crypto/tls" {
			t.Errorf("netcount depends on %s", d)
		}
	}
}
