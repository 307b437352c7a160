package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// pkgInfo is one package to benchmark.
type pkgInfo struct {
	display string // "./shard/", for messages
	rel     string // slash-separated directory relative to the git top level
	headDir string // absolute directory in the working tree
	baseDir string // absolute directory in the base worktree
	headBin string
	baseBin string
}

// relToHEAD matches revisions relative to HEAD, such as HEAD~1 or HEAD^^,
// which legitimately do not exist near the start of history.
var relToHEAD = regexp.MustCompile(`^(HEAD|@)([~^][0-9]*)+$`)

// errNothing reports that there is nothing to compare; Main passes.
type errNothing string

func (e errNothing) Error() string { return string(e) }

// runGate implements the git mode of Main.
func runGate(ctx context.Context, o *options, cfg Config, stdout, stderr io.Writer) int {
	err := runGit(ctx, o, cfg, stdout, stderr)
	var nothing errNothing
	switch {
	case err == nil:
		return ExitPass
	case errors.As(err, &nothing):
		fmt.Fprintf(stdout, "gate: %s\n", nothing)
		return ExitPass
	case errors.Is(err, errRegression):
		return ExitRegression
	}
	fmt.Fprintf(stderr, "gate: %v\n", err)
	return ExitError
}

var errRegression = errors.New("regression")

func runGit(ctx context.Context, o *options, cfg Config, stdout, stderr io.Writer) (err error) {
	for _, tool := range []string{"git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: %v", tool, err)
		}
	}
	dir := o.dir
	if dir == "" {
		dir = "."
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return err
	}
	top, err := output(ctx, dir, "git", "rev-parse", "--show-toplevel")
	if err != nil {
		return fmt.Errorf("%s is not in a git work tree: %v", dir, err)
	}
	if top, err = filepath.EvalSymlinks(top); err != nil {
		return err
	}

	sha, err := output(ctx, top, "git", "rev-parse", "--verify", "--quiet", o.base+"^{commit}")
	if err != nil {
		if !relToHEAD.MatchString(o.base) {
			return fmt.Errorf("unknown base revision %q", o.base)
		}
		if shallow, _ := output(ctx, top, "git", "rev-parse", "--is-shallow-repository"); shallow == "true" {
			return fmt.Errorf("base revision %s is not available in this shallow clone; fetch more history (e.g. git fetch --deepen=1, or actions/checkout with fetch-depth: 0)", o.base)
		}
		return errNothing(fmt.Sprintf("base revision %s does not exist (first commit?): no base revision, nothing to compare", o.base))
	}
	short := sha
	if len(short) > 12 {
		short = short[:12]
	}

	pkgs, err := listPackages(ctx, dir, top, o.pkgs.list)
	if err != nil {
		return err
	}
	// Keep only packages that exist in base.
	var present []*pkgInfo
	for _, p := range pkgs {
		ok, err := hasGoFiles(ctx, top, sha, p.rel)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintf(stderr, "gate: %s: package missing in base %s (%s), skipping\n", p.display, o.base, short)
			continue
		}
		present = append(present, p)
	}
	if len(present) == 0 {
		return errNothing(fmt.Sprintf("no package present in base %s (%s), nothing to compare", o.base, short))
	}

	tmp, err := os.MkdirTemp("", "gate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	wt := filepath.Join(tmp, "base")
	if out, err := combined(ctx, top, "git", "worktree", "add", "--detach", wt, sha); err != nil {
		return fmt.Errorf("git worktree add %s: %v\n%s", short, err, out)
	}
	defer func() {
		// Not ctx: clean up even after an interrupt.
		if out, rerr := combined(context.Background(), top, "git", "worktree", "remove", "--force", wt); rerr != nil {
			fmt.Fprintf(stderr, "gate: removing worktree %s: %v\n%s", wt, rerr, out)
			os.RemoveAll(wt)
			combined(context.Background(), top, "git", "worktree", "prune")
		}
	}()

	// Build.
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	var runnable []*pkgInfo
	for i, p := range present {
		p.baseDir = filepath.Join(wt, filepath.FromSlash(p.rel))
		p.headBin = filepath.Join(tmp, fmt.Sprintf("head-%d.test%s", i, exe))
		p.baseBin = filepath.Join(tmp, fmt.Sprintf("base-%d.test%s", i, exe))
		skip := false
		for _, b := range []struct{ side, dir, bin string }{
			{"base " + short, p.baseDir, p.baseBin},
			{"head (working tree)", p.headDir, p.headBin},
		} {
			fmt.Fprintf(stderr, "gate: building %s %s\n", b.side, p.display)
			if out, err := combined(ctx, b.dir, "go", "test", "-c", "-o", b.bin, "."); err != nil {
				return fmt.Errorf("building %s %s failed: %v\n%s", b.side, p.display, err, out)
			}
			if _, err := os.Stat(b.bin); err != nil {
				fmt.Fprintf(stderr, "gate: %s: no test files in %s, skipping\n", p.display, b.side)
				skip = true
				break
			}
		}
		if !skip {
			runnable = append(runnable, p)
		}
	}
	if len(runnable) == 0 {
		return errNothing("no package with tests in both base and head, nothing to compare")
	}

	// Run interleaved: base, head, base, head, ...
	var baseOut, headOut bytes.Buffer
	args := []string{"-test.run=^$", "-test.bench=" + o.bench, "-test.benchmem", "-test.count=1"}
	if o.benchtime != "" {
		args = append(args, "-test.benchtime="+o.benchtime)
	}
	for i := 1; i <= o.count; i++ {
		for _, p := range runnable {
			for _, r := range []struct {
				side, bin, dir string
				buf            *bytes.Buffer
			}{
				{"base", p.baseBin, p.baseDir, &baseOut},
				{"head", p.headBin, p.headDir, &headOut},
			} {
				fmt.Fprintf(stderr, "gate: run %d/%d %s %s\n", i, o.count, r.side, p.display)
				out, err := combined(ctx, r.dir, r.bin, args...)
				if err != nil {
					return fmt.Errorf("run %d/%d %s %s failed: %v\n%s", i, o.count, r.side, p.display, err, tail(out, 4000))
				}
				r.buf.Write(out)
			}
		}
	}

	if o.save != "" {
		if err := os.MkdirAll(o.save, 0o777); err != nil {
			return err
		}
		for name, b := range map[string][]byte{"base.txt": baseOut.Bytes(), "head.txt": headOut.Bytes()} {
			if err := os.WriteFile(filepath.Join(o.save, name), b, 0o666); err != nil {
				return err
			}
		}
	}

	base, err := ReadResults(&baseOut, "base "+short)
	if err != nil {
		return fmt.Errorf("parsing base results: %v", err)
	}
	head, err := ReadResults(&headOut, "head")
	if err != nil {
		return fmt.Errorf("parsing head results: %v", err)
	}
	if len(base) == 0 && len(head) == 0 {
		return fmt.Errorf("no benchmark matched -bench %q in %s", o.bench, o.pkgs.String())
	}
	rep := Compare(base, head, cfg)
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	if rep.Failed() {
		return errRegression
	}
	return nil
}

// listPackages resolves the package patterns in the working tree dir.
func listPackages(ctx context.Context, dir, top string, patterns []string) ([]*pkgInfo, error) {
	args := append([]string{"list", "-e", "-json=Dir,ImportPath,Error"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v\n%s", strings.Join(patterns, " "), err, stderr.Bytes())
	}
	var pkgs []*pkgInfo
	seen := make(map[string]bool)
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var lp struct {
			Dir, ImportPath string
			Error           *struct{ Err string }
		}
		if err := dec.Decode(&lp); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("parsing go list output: %v", err)
		}
		pkgDir, importPath := lp.Dir, lp.ImportPath
		if pkgDir == "" {
			msg := "not found"
			if lp.Error != nil {
				msg = lp.Error.Err
			}
			return nil, fmt.Errorf("package %s: %s", importPath, msg)
		}
		if st, err := os.Stat(pkgDir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("package %s: directory %s not found in the working tree", importPath, pkgDir)
		}
		real, err := filepath.EvalSymlinks(pkgDir)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(top, real)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("package %s is outside the git work tree %s", importPath, top)
		}
		rel = filepath.ToSlash(rel)
		if seen[rel] {
			continue
		}
		seen[rel] = true
		display := "./"
		if rel != "." {
			display = "./" + rel + "/"
		}
		pkgs = append(pkgs, &pkgInfo{display: display, rel: rel, headDir: real})
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no packages matched %s\n%s", strings.Join(patterns, " "), stderr.Bytes())
	}
	return pkgs, nil
}

// hasGoFiles reports whether directory rel (slash-separated, relative to
// the top level) contains .go files at commit sha.
func hasGoFiles(ctx context.Context, top, sha, rel string) (bool, error) {
	args := []string{"ls-tree", "--name-only", sha}
	if rel != "." {
		args = append(args, "--", rel+"/")
	}
	out, err := output(ctx, top, "git", args...)
	if err != nil {
		return false, fmt.Errorf("git ls-tree %s %s: %v", sha, rel, err)
	}
	for _, f := range strings.Split(out, "\n") {
		if strings.HasSuffix(f, ".go") && (path.Dir(f) == rel) {
			return true, nil
		}
	}
	return false, nil
}

// output runs a command in dir and returns its trimmed stdout.
func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && stderr.Len() > 0 {
		err = fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), err
}

// combined runs a command in dir and returns its stdout and stderr.
func combined(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// tail returns at most the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
