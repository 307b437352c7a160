// Command overhead measures what monitoring costs hitrate's TCP proxy
// (package github.com/hitrate/hitrate/proxy): on loopback, it
// drives the proxy without and with a monitor in interleaved rounds of
// keep-alive HTTP load and reports the requests per second, the p99
// latency and the CPU time per request of each side, and the cost of
// monitoring with its confidence interval. bench/run.sh runs it for
// BENCHMARKS.md; run "overhead -h" for the flags. From the bench module:
//
//	go run ./cmd/overhead -rounds 160 -round-duration 250ms
//
// The exit status is 0 on success (and after Ctrl-C, with the rounds run
// so far), 2 for a usage error and 1 for other failures, among them a
// monitor whose counts do not match the requests sent.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the process at once
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError reports a usage error and returns exitUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(fs.Output(), "%s: %s\nrun '%s -h' for usage\n", fs.Name(), fmt.Sprintf(format, args...), fs.Name())
	return exitUsage
}
