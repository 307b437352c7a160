package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

const versionText = `version prints the version of hitrate's module, "(devel)" when built
from a checkout, and the Go version and platform it was built with.
`

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "", versionText, stderr)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), "usage: hitrate version\n\n%s", versionText) }
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fmt.Fprintln(stdout, versionLine())
	return exitOK
}

// versionLine returns "hitrate VERSION GOVERSION GOOS/GOARCH", VERSION
// being the main module's version from the build information: a tag for
// "go install ...@vX.Y.Z", "(devel)" for a build from a checkout.
func versionLine() string {
	v, goVersion := "", runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
	}
	if v == "" {
		v = "(devel)" // test binaries carry no main module version
	}
	return fmt.Sprintf("hitrate %s %s %s/%s", v, goVersion, runtime.GOOS, runtime.GOARCH)
}
