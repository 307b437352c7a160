package main

// The Other hosts section: the results files of other machines kept in
// bench/results/, each with the CPU it ran on, since rankings change with
// the CPU and a ratio measured on one does not carry over to another.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Host is one results file of another machine, as its configuration
// lines describe it.
type Host struct {
	Path     string // the file, as the document names it
	CPU      string // hitrate-cpu-model, with hitrate-cpu-id if any
	Cores    string // hitrate-cores
	Date     string // hitrate-date, or the file name's date
	Commit   string // hitrate-commit
	HostKind string // hitrate-host-kind
}

// hostKeys are the configuration lines a Host reads.
var hostKeys = []string{"hitrate-cpu-model", "hitrate-cpu-id", "hitrate-cores", "hitrate-date", "hitrate-commit", "hitrate-host-kind"}

// readHost reads the hitrate-* configuration lines at the top of file; ok
// is false if it has none naming a CPU.
func readHost(file, docPath string) (h Host, ok bool) {
	f, err := os.Open(file)
	if err != nil {
		return Host{}, false
	}
	defer f.Close()
	cfg := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan() && n < 40; n++ {
		k, v, found := strings.Cut(sc.Text(), ":")
		if found && slices.Contains(hostKeys, k) {
			if _, seen := cfg[k]; !seen {
				cfg[k] = strings.TrimSpace(v)
			}
		}
	}
	if cfg["hitrate-cpu-model"] == "" {
		return Host{}, false
	}
	date := cfg["hitrate-date"]
	if date == "" && len(filepath.Base(file)) >= 10 {
		date = filepath.Base(file)[:10]
	}
	return Host{Path: docPath, CPU: cpuName(cfg["hitrate-cpu-model"], cfg["hitrate-cpu-id"]), Cores: cfg["hitrate-cores"], Date: date,
		Commit: cfg["hitrate-commit"], HostKind: cfg["hitrate-host-kind"]}, true
}

// cpuName names a CPU by its model name and, when run.sh recorded it, its
// vendor, family and model numbers ("AuthenticAMD family 26 model 2"):
// a virtual machine's model name may give only the brand, which covers
// generations that rank differently.
func cpuName(model, id string) string {
	if id == "" {
		return model
	}
	return model + " (" + id + ")"
}

// OtherHosts returns the results files in dir, other than those in skip
// (file names), that name the CPU they ran on; docDir is dir as the
// document names it.
func OtherHosts(dir, docDir string, skip []string) []Host {
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	slices.Sort(files)
	var hs []Host
	for _, f := range files {
		if slices.Contains(skip, filepath.Base(f)) {
			continue
		}
		if h, ok := readHost(f, docDir+"/"+filepath.Base(f)); ok {
			hs = append(hs, h)
		}
	}
	return hs
}

// hostsSection writes the Other hosts section.
func hostsSection(w io.Writer, hs []Host) {
	if len(hs) == 0 {
		return
	}
	fmt.Fprintln(w, "## Other hosts")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Results of other machines, kept per host kind: the CPU under a machine changes the ranking (pinning to a P costs less than a locked add on Intel Xeon, more on AMD EPYC), so no ratio above is claimed for them. Older files ran older commits; render one with `REPORT_ONLY=<file> bench/run.sh`, or read it with benchstat.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| file | CPU | cores | date | commit |")
	fmt.Fprintln(w, "| --- | --- | ---: | --- | --- |")
	for _, h := range hs {
		fmt.Fprintf(w, "| [%s](%s) | %s | %s | %s | %s |\n", filepath.Base(h.Path), h.Path, h.CPU,
			orUnknown(h.Cores), orUnknown(h.Date), orUnknown(h.Commit))
	}
	fmt.Fprintln(w)
}
