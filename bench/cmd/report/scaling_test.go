package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func deviceFiles() ([]string, []string) {
	files := []string{"testdata/device/shard.txt", "testdata/device/monitor.txt", "testdata/device/bench.txt"}
	paths := []string{"bench/results/shard.txt", "bench/results/monitor.txt", "bench/results/bench.txt"}
	return files, paths
}

func TestScalingSection(t *testing.T) {
	files, paths := deviceFiles()
	sc, err := ParseScaling(files, paths)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Peers == nil {
		t.Fatal("bench.txt was not read as the peers' file")
	}
	var buf bytes.Buffer
	scalingSection(&buf, sc)
	doc := buf.String()
	for _, want := range []string{
		"## Scaling to 16 cores",
		"Test CPU 16-Core, 16 cores (commit abc1234",
		"[bench/results/shard.txt](bench/results/shard.txt)",
		"| benchmark | -cpu 1 | -cpu 16 |",
		"| `shard.Counter.Inc`, `RunParallel` / `AtomicAddParallel` | 6.00 *0.60x* | 0.50 *0.03x* |", // 6/10 and 0.5/20
		"| `monitor.Conn`, proxy pattern / `ProxyPadded` | 12.0 *1.50x* | 1.20 *2.40x* |",
		"| Inc/par / shard | 6.00 *0.60x* | 0.50 *0.03x* |",
		"| Inc/par / xsync | 30.0 *3.00x* | 1.00 *0.05x* |",
		// The goals: Inc at 16 CPUs, the proxy pattern's ratio and spread.
		"| `shard.Counter.Inc` / `sync/atomic` Add, `RunParallel` on 16 CPUs | shard: `BenchmarkCounterIncParallel` / `BenchmarkAtomicAddParallel` | 16 | 0.03x (0.50 / 20.0 ns) | ≤ 0.05x | met |",
		"| proxy pattern: `monitor.Conn` / padded atomics, per event | monitor: `BenchmarkConnProxy` / `BenchmarkProxyPadded` | 1, 16 | 1.50x, 2.40x | ≤ 3x | met |",
		"| proxy pattern: slowest run / median | monitor: `BenchmarkConnProxy` | 1, 16 | 1.00, 2.00 | ≤ 1.5 | missed |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("scaling section lacks %q:\n%s", want, doc)
		}
	}
	// A row whose benchmarks are absent is left out, not shown empty.
	if strings.Contains(doc, "`monitor.Monitor.Log`") {
		t.Errorf("scaling section shows a row without results:\n%s", doc)
	}
}

func TestParseScalingErrors(t *testing.T) {
	if _, err := ParseScaling([]string{"testdata/device/nope.txt"}, []string{"x"}); err == nil {
		t.Error("missing file: nil error")
	}
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(empty, []byte("hitrate-cores: 16\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseScaling([]string{empty}, []string{"x"}); err == nil {
		t.Error("file without results: nil error")
	}
}

func TestOtherHosts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("2026-11-25-x86_64-amd-epyc-2c.txt", "hitrate-date: 2026-11-25T10:11:24Z\nhitrate-cpu-model: AMD EPYC\nhitrate-cores: 2\nhitrate-commit: bed4be1\n\nBenchmarkX 1 1 ns/op\n")
	write("2026-11-26-x86_64-intel-xeon-2c.txt", "hitrate-cpu-model: Intel(R) Xeon(R) Processor\n")
	write("2026-11-26-x86_64-intel-xeon-16c-lscpu.txt", "Architecture: x86_64\n") // no hitrate- lines: not a results file
	write("2026-12-02-x86_64-amd-epyc-f26-2c.txt", "hitrate-date: 2026-12-02T18:00:00Z\nhitrate-cpu-model: AMD EPYC\nhitrate-cpu-id: AuthenticAMD family 26 model 2\nhitrate-cores: 2\nhitrate-commit: abc1234\n")
	hs := OtherHosts(dir, "bench/results", []string{"2026-11-26-x86_64-intel-xeon-2c.txt"})
	if len(hs) != 2 {
		t.Fatalf("OtherHosts = %+v, want the two AMD EPYC files only", hs)
	}
	var buf bytes.Buffer
	hostsSection(&buf, hs)
	for _, want := range []string{
		"| [2026-11-25-x86_64-amd-epyc-2c.txt](bench/results/2026-11-25-x86_64-amd-epyc-2c.txt) | AMD EPYC | 2 | 2026-11-25T10:11:24Z | bed4be1 |",
		"| [2026-12-02-x86_64-amd-epyc-f26-2c.txt](bench/results/2026-12-02-x86_64-amd-epyc-f26-2c.txt) | AMD EPYC (AuthenticAMD family 26 model 2) | 2 | 2026-12-02T18:00:00Z | abc1234 |",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("hosts section lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	hostsSection(&buf, nil)
	if buf.Len() != 0 {
		t.Errorf("no other hosts: section %q", buf.String())
	}
}

func TestReadersSection(t *testing.T) {
	const text = `pkg: github.com/hitrate/hitrate/monitor
BenchmarkSnapshotConns/conns=100k/limit=100/sort=id-2 	 300	 4000000 ns/op	 4.5 cpu-ms/op	 19000 B/op	 210 allocs/op
BenchmarkSnapshotConns/conns=100k/limit=100/sort=req-2 	 20	 60000000 ns/op	 65 cpu-ms/op	 19000 B/op	 210 allocs/op
BenchmarkSnapshotConns/conns=1000k/limit=10000/sort=id-2 	 2	 900000000 ns/op	 950 cpu-ms/op	 1780000 B/op	 20100 allocs/op
`
	c, err := ParseCore(strings.NewReader(text), "core.txt")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	readersSection(&buf, c)
	doc := buf.String()
	for _, want := range []string{
		"## Cost per reader",
		"| 100,000 | 100 | id | 4.00 ms | 4.50 ms | 19.0 kB | 210 |",
		"| 100,000 | 100 | req | 60 ms | 65 ms | 19.0 kB | 210 |",
		"| 1,000,000 | 10000 | id | 900 ms | 950 ms | 1.78 MB | 20100 |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("readers section lacks %q:\n%s", want, doc)
		}
	}
	rows := c.readerRows()
	if rows[0].Result != verdictMet || rows[0].Measured != "19.0 kB" || rows[1].Result != verdictMet || rows[1].Measured != "4.50 ms" {
		t.Errorf("reader rows = %+v", rows)
	}
	// Without the benchmark, no section.
	buf.Reset()
	readersSection(&buf, &Core{samples: map[coreKey]map[string][]float64{}, procs: []int{1}})
	if buf.Len() != 0 {
		t.Errorf("no SnapshotConns: section %q", buf.String())
	}
}
