package gate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
)

// Exit codes returned by Main.
const (
	ExitPass       = 0 // no regression, or nothing to compare
	ExitRegression = 1 // at least one benchmark failed the gate
	ExitError      = 2 // usage, git, build or run error
)

// MinCount is the smallest -count Main accepts without -allow-low-count.
// With 5 runs a side the Mann-Whitney U test can reach p=0.008, which
// leaves some power at alpha 0.05; 4 is the bare minimum (p=0.029) and
// 3 can never be significant.
const MinCount = 5

const usageText = `usage: gate [flags]
       gate [flags] -old base.txt -new head.txt

gate is a benchmark regression gate. It builds the benchmark test
binaries of the packages -pkg at the base revision -base (checked out
in a temporary git worktree) and in the working tree, runs them
interleaved (base, head, base, head, ...) -count times, and compares
the results with the Mann-Whitney U test (as benchstat does).

A benchmark fails when its sec/op median is more than -tolerance
slower with p < -alpha, when its allocs/op median grows at all (B/op
growth warns; -fail-bytes makes it fail), when it is missing in head,
or when there are too few samples for the test to ever reach p < alpha.

With -old and -new, gate compares two recorded "go test -bench"
outputs instead and builds nothing.

Exit status: 0 pass (or no base revision), 1 regression, 2 error.

flags:
`

type options struct {
	dir       string
	base      string
	pkgs      pkgList
	bench     string
	count     int
	benchtime string
	tolerance float64
	alpha     float64
	allowLow  bool
	failBytes bool
	old, new  string
	save      string
}

// pkgList is a flag.Value holding package patterns. Each -pkg flag may
// hold several patterns separated by spaces or commas; the first -pkg
// replaces the default.
type pkgList struct {
	list []string
	set  bool
}

func (p *pkgList) String() string { return strings.Join(p.list, " ") }

func (p *pkgList) Set(s string) error {
	if !p.set {
		p.list, p.set = nil, true
	}
	p.list = append(p.list, strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })...)
	return nil
}

// Main runs the gate command with the command-line arguments args (not
// including the program name), writing the result table and the final
// verdict to stdout and progress and errors to stderr. It returns
// ExitPass, ExitRegression or ExitError. See the package documentation
// for the flags. Main cancels its child processes on SIGINT/SIGTERM and
// always removes its temporary worktree.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o, code, ok := parseFlags(args, stderr)
	if !ok {
		return code
	}
	cfg := Config{Tolerance: o.tolerance, Alpha: o.alpha, FailOnBytes: o.failBytes, AllowLowCount: o.allowLow}
	if o.old != "" {
		return compareFiles(o, cfg, stdout, stderr)
	}
	return runGate(ctx, o, cfg, stdout, stderr)
}

// parseFlags parses and validates args. When ok is false, Main must
// return code.
func parseFlags(args []string, stderr io.Writer) (o *options, code int, ok bool) {
	o = &options{pkgs: pkgList{list: []string{"./shard/", "./ring/"}}}
	fs := flag.NewFlagSet("gate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.dir, "C", "", "run in `dir` (a directory of the git work tree) instead of the current directory")
	fs.StringVar(&o.base, "base", "HEAD~1", "base git `revision` to compare the working tree against")
	fs.Var(&o.pkgs, "pkg", "package `patterns` to benchmark, separated by spaces or commas; may be repeated")
	fs.StringVar(&o.bench, "bench", "Inc|Add", "run only benchmarks matching `regexp` (as go test -bench)")
	fs.IntVar(&o.count, "count", 10, fmt.Sprintf("number of interleaved runs per side; at least %d unless -allow-low-count", MinCount))
	fs.StringVar(&o.benchtime, "benchtime", "100ms", "run each benchmark for duration `d` or Nx iterations (as go test -benchtime)")
	fs.Float64Var(&o.tolerance, "tolerance", DefaultTolerance, "accepted relative sec/op slowdown (0.10 is 10%)")
	fs.Float64Var(&o.alpha, "alpha", DefaultAlpha, "significance level of the Mann-Whitney U test")
	fs.BoolVar(&o.allowLow, "allow-low-count", false, "allow -count below the minimum; too-few-sample comparisons then warn instead of failing")
	fs.BoolVar(&o.failBytes, "fail-bytes", false, "fail (rather than warn) when B/op grows")
	fs.StringVar(&o.old, "old", "", "compare recorded results: base `file` (requires -new; nothing is built)")
	fs.StringVar(&o.new, "new", "", "compare recorded results: head `file` (requires -old)")
	fs.StringVar(&o.save, "save", "", "write the raw base.txt and head.txt benchmark outputs to `dir`")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, ExitPass, false
		}
		return nil, ExitError, false // flag has printed the error and usage
	}
	bad := func(format string, a ...any) (*options, int, bool) {
		fmt.Fprintf(stderr, "gate: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run 'gate -h' for usage")
		return nil, ExitError, false
	}
	if fs.NArg() > 0 {
		return bad("unexpected arguments: %q", fs.Args())
	}
	if !(o.tolerance >= 0) {
		return bad("-tolerance must be >= 0, got %v", o.tolerance)
	}
	if !(o.alpha > 0 && o.alpha < 1) {
		return bad("-alpha must be in (0, 1), got %v", o.alpha)
	}
	if (o.old == "") != (o.new == "") {
		return bad("-old and -new must be used together")
	}
	if o.old != "" {
		var conflict []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "base", "pkg", "bench", "count", "benchtime", "save", "C":
				conflict = append(conflict, "-"+f.Name)
			}
		})
		if len(conflict) > 0 {
			return bad("%s cannot be used with -old/-new", strings.Join(conflict, ", "))
		}
		return o, 0, true
	}
	if o.base == "" || strings.HasPrefix(o.base, "-") {
		return bad("invalid -base revision %q", o.base)
	}
	if len(o.pkgs.list) == 0 {
		return bad("-pkg: no packages given")
	}
	for _, p := range o.pkgs.list {
		if strings.HasPrefix(p, "-") {
			return bad("-pkg: invalid package pattern %q", p)
		}
	}
	if o.bench == "" {
		return bad("-bench must not be empty")
	}
	if _, err := regexp.Compile(o.bench); err != nil {
		return bad("-bench: %v", err)
	}
	if o.count < 1 {
		return bad("-count must be >= 1, got %d", o.count)
	}
	if o.count < MinCount && !o.allowLow {
		return bad("-count %d is too low: Mann-Whitney needs >= 4 runs a side to ever reach p<0.05; use -count >= %d (10 recommended) or -allow-low-count", o.count, MinCount)
	}
	if err := checkBenchtime(o.benchtime); err != nil {
		return bad("-benchtime: %v", err)
	}
	return o, 0, true
}

// checkBenchtime validates a -test.benchtime value: a positive
// duration or a positive iteration count "Nx". Empty means the testing
// package default.
func checkBenchtime(s string) error {
	if s == "" {
		return nil
	}
	if n, ok := strings.CutSuffix(s, "x"); ok {
		if v, err := strconv.Atoi(n); err != nil || v <= 0 {
			return fmt.Errorf("invalid iteration count %q", s)
		}
		return nil
	}
	if d, err := time.ParseDuration(s); err != nil || d <= 0 {
		return fmt.Errorf("invalid duration %q", s)
	}
	return nil
}

// compareFiles implements the -old/-new mode.
func compareFiles(o *options, cfg Config, stdout, stderr io.Writer) int {
	base, err := ReadFile(o.old)
	if err != nil {
		fmt.Fprintf(stderr, "gate: reading -old: %v\n", err)
		return ExitError
	}
	head, err := ReadFile(o.new)
	if err != nil {
		fmt.Fprintf(stderr, "gate: reading -new: %v\n", err)
		return ExitError
	}
	if len(base) == 0 && len(head) == 0 {
		fmt.Fprintf(stderr, "gate: no benchmark results in %s or %s\n", o.old, o.new)
		return ExitError
	}
	return report(Compare(base, head, cfg), stdout, stderr)
}

// report prints rep and returns the exit code for it.
func report(rep *Report, stdout, stderr io.Writer) int {
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "gate: writing table: %v\n", err)
		return ExitError
	}
	if rep.Failed() {
		return ExitRegression
	}
	return ExitPass
}
