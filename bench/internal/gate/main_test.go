package gate

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runMain(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestMainFiles(t *testing.T) {
	td := func(name string) string { return filepath.Join("testdata", name) }
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"slow", []string{"-old", td("base.txt"), "-new", td("head_slow.txt")}, ExitRegression,
			[]string{"FAIL: shard BenchmarkCounterInc-2 sec/op: slower by", "\nFAIL: 1 of 5"}},
		{"slow-tolerated", []string{"-tolerance", "0.5", "-old", td("base.txt"), "-new", td("head_slow.txt")}, ExitPass,
			[]string{"\nPASS: no regression in 5 benchmark(s) (tolerance 50%, alpha 0.05)"}},
		{"same", []string{"-old", td("base.txt"), "-new", td("head_same.txt")}, ExitPass,
			[]string{"pkg: github.com/hitrate/hitrate/ring", "\nPASS: no regression"}},
		{"allocs", []string{"-old", td("base.txt"), "-new", td("head_alloc.txt")}, ExitRegression,
			[]string{"allocs/op grew from 0 to 1"}},
		{"bytes", []string{"-fail-bytes", "-old", td("base.txt"), "-new", td("head_alloc.txt")}, ExitRegression,
			[]string{"FAIL: shard BenchmarkCounterAdd-2 B/op: B/op grew from 0 to 8"}},
		{"missing-in-head", []string{"-old", td("base.txt"), "-new", td("head_missing.txt")}, ExitRegression,
			[]string{"FAIL: shard BenchmarkCounterAdd-2: missing in head"}},
		{"missing-in-base", []string{"-old", td("head_missing.txt"), "-new", td("base.txt")}, ExitPass,
			[]string{"missing in base (new benchmark)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMain(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.wants {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

func TestMainFileErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(empty, []byte("PASS\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no-such-file", []string{"-old", "testdata/nope.txt", "-new", "testdata/base.txt"}, "reading -old"},
		{"empty", []string{"-old", empty, "-new", empty}, "no benchmark results"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMain(tc.args...)
			if code != ExitError || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d stderr %q stdout %q; want 2 and %q", code, stderr, stdout, tc.want)
			}
		})
	}
}

func TestMainFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined"},
		{[]string{"-count", "x"}, "invalid value"},
		{[]string{"-count", "3"}, "-count 3 is too low"},
		{[]string{"-count", "0", "-allow-low-count"}, "-count must be >= 1"},
		{[]string{"-old", "a.txt"}, "-old and -new must be used together"},
		{[]string{"-new", "a.txt"}, "-old and -new must be used together"},
		{[]string{"-old", "a", "-new", "b", "-count", "10"}, "-count cannot be used with -old/-new"},
		{[]string{"-tolerance", "-0.1"}, "-tolerance must be >= 0"},
		{[]string{"-alpha", "1"}, "-alpha must be in (0, 1)"},
		{[]string{"-bench", "("}, "-bench:"},
		{[]string{"-bench", ""}, "-bench must not be empty"},
		{[]string{"-benchtime", "fast"}, "-benchtime: invalid duration"},
		{[]string{"-benchtime", "0x"}, "-benchtime: invalid iteration count"},
		{[]string{"-base", "--all"}, "invalid -base revision"},
		{[]string{"-pkg", " , "}, "-pkg: no packages given"},
		{[]string{"extra"}, "unexpected arguments"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runMain(tc.args...)
			if code != ExitError || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

func TestMainHelp(t *testing.T) {
	code, stdout, stderr := runMain("-h")
	if code != ExitPass || stdout != "" {
		t.Errorf("-h: exit %d stdout %q", code, stdout)
	}
	for _, w := range []string{"usage: gate", "-base revision", "-old file", "-count"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("usage lacks %q:\n%s", w, stderr)
		}
	}
}

func TestPkgList(t *testing.T) {
	var p pkgList
	p.list = []string{"./default/"}
	p.Set("./shard/ ./ring/")
	p.Set("./monitor/,./bench/")
	if got := p.String(); got != "./shard/ ./ring/ ./monitor/ ./bench/" {
		t.Errorf("pkgList = %q", got)
	}
}

// gitRepo is a temporary git repository holding a tiny Go module.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	for _, tool := range []string{"git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
	r := &gitRepo{t, t.TempDir()}
	r.git("init", "-q")
	r.write("go.mod", "module example.com/tiny\n\ngo 1.21\n")
	r.write("README", "tiny\n")
	return r
}

func (r *gitRepo) write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o666); err != nil {
		r.t.Fatal(err)
	}
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=gate", "-c", "user.email=gate@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (r *gitRepo) commit(msg string) {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
}

// writePkg writes package p with one benchmark calling body.
func (r *gitRepo) writePkg(body string) {
	r.write("p/p.go", "package p\n\nvar sink *int\n\nfunc Inc() {\n\t"+body+"\n}\n")
	r.write("p/p_test.go", "package p\n\nimport \"testing\"\n\nfunc BenchmarkInc(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t\tInc()\n\t}\n}\n")
}

// fastArgs keep the git-mode tests short: 2 runs of 100 iterations.
var fastArgs = []string{"-bench", "Inc", "-count", "2", "-allow-low-count", "-benchtime", "100x"}

// gitArgs returns the arguments to run the gate in dir on packages pkgs
// with fastArgs and extra.
func gitArgs(dir, pkgs string, extra ...string) []string {
	return append(append([]string{"-C", dir, "-pkg", pkgs}, fastArgs...), extra...)
}

func TestMainGitFirstCommit(t *testing.T) {
	r := newGitRepo(t)
	r.writePkg("sink = nil")
	r.commit("one")
	code, stdout, stderr := runMain(gitArgs(r.dir, "./p/")...)
	if code != ExitPass || !strings.Contains(stdout, "no base revision, nothing to compare") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestMainGitNoCommits(t *testing.T) {
	r := newGitRepo(t)
	r.writePkg("sink = nil")
	code, stdout, stderr := runMain(gitArgs(r.dir, "./p/")...)
	if code != ExitPass || !strings.Contains(stdout, "no base revision") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestMainGitUnknownRevision(t *testing.T) {
	r := newGitRepo(t)
	r.writePkg("sink = nil")
	r.commit("one")
	code, _, stderr := runMain(gitArgs(r.dir, "./p/", "-base", "no-such-rev")...)
	if code != ExitError || !strings.Contains(stderr, `unknown base revision "no-such-rev"`) {
		t.Errorf("exit %d stderr:\n%s", code, stderr)
	}
}

func TestMainGitNotARepo(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	code, _, stderr := runMain(gitArgs(t.TempDir(), "./p/")...)
	if code != ExitError || !strings.Contains(stderr, "not in a git work tree") {
		t.Errorf("exit %d stderr:\n%s", code, stderr)
	}
}

func TestMainGitPackageMissingInBase(t *testing.T) {
	r := newGitRepo(t)
	r.commit("one: no package yet")
	r.writePkg("sink = nil")
	r.commit("two: add package")
	code, stdout, stderr := runMain(gitArgs(r.dir, "./p/")...)
	if code != ExitPass || !strings.Contains(stderr, "./p/: package missing in base HEAD~1") ||
		!strings.Contains(stdout, "nothing to compare") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	code, _, stderr = runMain(gitArgs(r.dir, "./p/ ./nope/")...)
	if code != ExitError || !strings.Contains(stderr, "nope") {
		t.Errorf("unknown package: exit %d\nstderr:\n%s", code, stderr)
	}
}

// TestMainGitFull runs the whole build-and-run path: the working tree
// allocates where the base did not.
func TestMainGitFull(t *testing.T) {
	r := newGitRepo(t)
	r.writePkg("sink = nil")
	r.commit("one")
	r.writePkg("sink = new(int)") // uncommitted: head is the working tree
	save := filepath.Join(t.TempDir(), "raw")
	// Run from the package directory: -pkg is relative to -C, while
	// the base worktree mirrors the repository root.
	code, stdout, stderr := runMain(gitArgs(filepath.Join(r.dir, "p"), ".", "-save", save, "-base", "HEAD")...)
	if code != ExitRegression {
		t.Errorf("exit %d, want 1", code)
	}
	for _, w := range []string{"gate: building base", "gate: run 1/2 base ./p/\ngate: run 1/2 head ./p/\ngate: run 2/2 base ./p/\ngate: run 2/2 head ./p/\n"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	for _, w := range []string{"pkg: example.com/tiny/p", "FAIL: p BenchmarkInc", "allocs/op grew from 0 to 1", "too few samples (n=2+2)", "\nFAIL: 1 of 1 benchmark(s) failed"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	for _, f := range []string{"base.txt", "head.txt"} {
		if b, err := os.ReadFile(filepath.Join(save, f)); err != nil || !strings.Contains(string(b), "BenchmarkInc") {
			t.Errorf("-save %s: %v %q", f, err, b)
		}
	}
	if wt := r.git("worktree", "list"); strings.Count(wt, "\n") != 1 {
		t.Errorf("temporary worktree left behind:\n%s", wt)
	}

	// A -bench matching nothing is an error, not a pass.
	code, _, stderr = runMain(gitArgs(r.dir, "./p/", "-base", "HEAD", "-bench", "NoSuchBench")...)
	if code != ExitError || !strings.Contains(stderr, "no benchmark matched") {
		t.Errorf("no match: exit %d stderr:\n%s", code, stderr)
	}

	// A build failure in head is an error, and still cleans up.
	r.write("p/p.go", "package p\n\nfunc Inc() { syntax error }\n")
	code, _, stderr = runMain(gitArgs(r.dir, "./p/", "-base", "HEAD")...)
	if code != ExitError || !strings.Contains(stderr, "building head (working tree) ./p/ failed") {
		t.Errorf("build failure: exit %d stderr:\n%s", code, stderr)
	}
	if wt := r.git("worktree", "list"); strings.Count(wt, "\n") != 1 {
		t.Errorf("temporary worktree left behind after failure:\n%s", wt)
	}
}
