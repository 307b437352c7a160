// Command hitrate runs the hitrate demo and a monitored TCP proxy. (The
// proxy's overhead measurement and the benchmark regression gate live in
// the bench module: bench/cmd/overhead and bench/cmd/gate.)
//
// Usage:
//
//	hitrate <command> [flags]
//
// "hitrate version" (or "hitrate -version") prints the module version,
// "(devel)" for a build from a checkout, and the Go version.
//
// The commands are:
//
//	demo      the live demo: an HTTP upstream on loopback, the proxy in front
//	          of it and a load generator with changing rates (HTTP through
//	          the proxy, plus synthetic "dns" and "smtp" monitors), with the
//	          stats page on -stats (default 127.0.0.1:8080, or a free port
//	          if it is busy) and a live table in the terminal; Ctrl-C stops
//	          it, or -duration.
//	proxy     a TCP proxy from -listen to -upstream that counts connections,
//	          bytes_in, bytes_out, errors and (for HTTP/1.x traffic)
//	          requests, with the stats page on -stats if given.
//
// Run "hitrate <command> -h" for a command's flags. The exit status is 0 on
// success (and after Ctrl-C), 2 for a usage error, and 1 for other
// failures.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
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

// command is a subcommand: run gets its arguments (without its name) and
// returns the exit status; it stops when ctx is done.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"demo", "the live demo: an upstream, the proxy, changing load and the stats page", runDemo},
		{"proxy", "a TCP proxy that counts its traffic, with a stats page", runProxy},
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: hitrate <command> [flags]

hitrate counts events and per-second rates at nanosecond cost. Commands:

`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-9s %s\n", "version", "print the version of hitrate and of Go (also: hitrate -version)")
	fmt.Fprint(w, `
Run "hitrate <command> -h" for the flags of a command.
Start with: hitrate demo
`)
}

// run runs the command line args (without the program name) and returns
// the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, stdout, stderr)
		}
		usage(stderr)
		return exitOK
	case "version", "-version", "--version":
		return runVersion(ctx, args[1:], stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	if strings.HasPrefix(name, "-") {
		fmt.Fprintf(stderr, "hitrate: flag %s before any command\n\n", name)
	} else {
		fmt.Fprintf(stderr, "hitrate: unknown command %q\n\n", name)
	}
	usage(stderr)
	return exitUsage
}

// newFlagSet returns a FlagSet for the command name whose usage prints
// synopsis, then text, then the flags.
func newFlagSet(name, synopsis, text string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("hitrate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: hitrate %s %s\n\n%s\nflags:\n", name, synopsis, text)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs; when ok is false, the command must
// return code: 0 for -h (its help printed), 2 for a usage error (already
// reported, as usageError does: not above the whole help, which would
// scroll it off a terminal).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the flag package's error and help: printed below
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case err == flag.ErrHelp:
		fs.Usage()
		return exitOK, false
	case err != nil:
		return usageError(fs, "%v", err), false
	}
	if fs.NArg() > 0 {
		return usageError(fs, "unexpected arguments: %q", fs.Args()), false
	}
	return 0, true
}

// usageError reports a usage error of fs's command and returns exitUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(fs.Output(), "%s: %s\nrun '%s -h' for usage\n", fs.Name(), fmt.Sprintf(format, args...), fs.Name())
	return exitUsage
}

// checkListenAddr returns an error if addr, a flag's value, is not a
// host:port whose port is a number from 0 to 65535 or a service name (0,
// or none, "host:", takes a free port). The host is not looked up: that
// it does not resolve is a failure when it is used, not a usage error.
// (proxy.New checks the upstream's address, whose port 0 is an error.)
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = net.LookupPort("tcp", port)
	}
	return err
}
