// Package gate is a benchmark regression gate built on
// golang.org/x/perf/benchfmt (parsing "go test -bench" output) and
// golang.org/x/perf/benchmath (medians, confidence intervals and the
// Mann-Whitney U test, as used by benchstat).
//
// Compare judges two sets of results and Report.WriteTable prints a
// benchstat-style table with a verdict per benchmark and unit:
//
//   - sec/op fails when the head median is more than Config.Tolerance
//     (default 10%) slower than the base median and the Mann-Whitney
//     U test gives p < Config.Alpha (default 0.05);
//   - allocs/op fails on any growth of the median (allocation counts
//     are deterministic, so no test is needed); B/op growth warns, or
//     fails with Config.FailOnBytes;
//   - a benchmark present in base but missing in head fails; one
//     missing in base (new) is noted and passes;
//   - too few samples fails: when the sample sizes n1, n2 are so small
//     that the smallest p-value the test can produce, 2/C(n1+n2, n1),
//     is not below alpha (fewer than 4 samples a side at alpha 0.05),
//     a sec/op comparison cannot detect anything and is reported as
//     "too few samples" instead of silently passing. With
//     Config.AllowLowCount it is a warning.
//
// Main implements the "gate" command:
//
//	gate [-base REV] [-pkg 'PATTERNS'] [-bench REGEXP] [-count N] [-benchtime D]
//	     [-tolerance F] [-alpha F] [-fail-bytes] [-allow-low-count] [-save DIR] [-C DIR]
//	gate [-tolerance F] [-alpha F] [-fail-bytes] [-allow-low-count] -old base.txt -new head.txt
//
// In the first form it resolves -base (default HEAD~1), checks the base
// out with "git worktree add --detach" into a temporary directory
// (removed afterwards, also on failure or interrupt), builds the test
// binary of each -pkg package (default "./shard/ ./ring/") at base and
// in the working tree with "go test -c", and runs them interleaved,
// base, head, base, head, ..., -count times (default 10; at least
// MinCount unless -allow-low-count) with
//
//	-test.run ^$ -test.bench REGEXP -test.benchmem -test.count 1 -test.benchtime D
//
// printing "gate: run 3/10 base ./shard/" progress lines on stderr. The
// table and a one-line verdict go to stdout. A package missing in base
// is skipped with a message; a -base of the form HEAD~N that does not
// exist (the first commit) prints "no base revision, nothing to
// compare" and passes, unless the clone is shallow, which is an error.
// In the second form it compares two recorded outputs and builds nothing.
//
// Exit status: 0 pass, 1 regression, 2 usage, git, build or run error
// (including a -bench that matches no benchmark at all).
//
// Typical CI use (make gate), from the bench module:
//
//	cd bench && go run ./cmd/gate -C .. -base HEAD~1 -pkg ./shard/ -bench BenchmarkCounterInc -count 10 -benchtime 100ms
package gate
