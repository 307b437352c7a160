#!/usr/bin/env bash
# run.sh runs the bench module's benchmarks and renders BENCHMARKS.md at
# the repository root from them. Run it from anywhere, on a quiet machine:
#
#	bench/run.sh                               # COUNT=10 CPU=1,2 BENCHTIME=1s
#	COUNT=3 BENCHTIME=100ms bench/run.sh       # a quick, preliminary run
#	REPORT_ONLY=bench/results/F.txt bench/run.sh   # re-render from a results file
#	SKIP_EXTRA=1 bench/run.sh                  # the peer benchmarks only
#
# Environment:
#	COUNT      rounds: each round runs every benchmark once (default 10)
#	CPU        the -cpu list (default 1,2)
#	BENCHTIME  the -benchtime of each run (default 1s)
#	BENCH      the -bench regexp (default .)
#	HOST_KIND  names the results file (default <arch>-<cpu>-<cores>c, the
#	           CPU from /proc/cpuinfo's model name: x86_64-intel-xeon-2c;
#	           for AMD with the CPU family: x86_64-amd-epyc-f26-2c)
#	NOTE       a free-text note for the Machine table (e.g. "quiet")
#	OVERHEAD_ROUNDS  the -rounds of cmd/overhead (default 160)
#	SKIP_EXTRA   if 1, skip the core benchmarks and cmd/overhead (and,
#	             with REPORT_ONLY, leave their files out of the document);
#	             this day's -core.txt and -overhead.txt of the host kind,
#	             if any, stay and are rendered beside the new results
#	REPORT_ONLY  skip the benchmarks and render from this results file,
#	             and from its -core.txt and -overhead.txt siblings if any
#	SCALING    bench/device.sh's files of a larger machine, comma-separated,
#	           for the Scaling to N cores section (default: the newest
#	           results/*-shard.txt with its -monitor.txt and -bench.txt)
#
# The raw results go to bench/results/<date>-<host-kind>.txt, with the
# machine and the commands in configuration lines at the top. Unless
# SKIP_EXTRA=1, run.sh then runs the core packages' benchmarks from the
# repository root,
#
#	go test -run '^$' -bench . -benchmem -count $COUNT -cpu $CPU ./ring/ ./shard/ ./monitor/
#
# into bench/results/<date>-<host-kind>-core.txt (after a few hitrate-*
# configuration lines: date, commit, host kind, the command), and the
# proxy's overhead,
#
#	go run ./cmd/overhead -rounds $OVERHEAD_ROUNDS -round-duration 250ms
#
# whose stdout goes to bench/results/<date>-<host-kind>-overhead.txt; the
# report checks the project's targets against them. The files of this run
# are what BENCHMARKS.md is rendered from, so the older results files of
# the same host kind are removed; those of other host kinds stay. The headline is printed on stdout for the README.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/.." && pwd)
cd "$bench_dir"

COUNT=${COUNT:-10}
CPU=${CPU:-1,2}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}
cores=$(nproc)
# The host kind names the CPU, since rankings change with it: x86_64-intel-xeon-2c.
cpu_slug=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | tr 'A-Z' 'a-z' |
	sed -e 's/([^)]*)//g' -e 's/\b\(processor\|cpu\|[0-9]*-core\)\b//g' -e 's/@.*//' |
	tr -cs 'a-z0-9' '-' | sed -e 's/^-*//' -e 's/-*$//' | cut -c1-24 | sed 's/-*$//' || true)
# A virtual machine may name only the brand ("AMD EPYC"), which covers CPU
# generations that rank differently: an AMD host kind adds the CPU family
# (x86_64-amd-epyc-f26-2c; family 26 is Zen 5). Intel's is 6 for all.
cpu_field() { grep -m1 "^$1[[:space:]]*:" /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true; }
cpu_vendor=$(cpu_field vendor_id) cpu_family=$(cpu_field 'cpu family') cpu_modelno=$(cpu_field model)
[[ $cpu_vendor != AuthenticAMD || -z $cpu_family || -z $cpu_slug ]] || cpu_slug+=-f$cpu_family
HOST_KIND=${HOST_KIND:-$(uname -m)${cpu_slug:+-$cpu_slug}-${cores}c}
OVERHEAD_ROUNDS=${OVERHEAD_ROUNDS:-160}
SKIP_EXTRA=${SKIP_EXTRA:-0}
[[ $SKIP_EXTRA == 0 || $SKIP_EXTRA == 1 ]] || { echo "run.sh: SKIP_EXTRA must be 0 or 1" >&2; exit 2; }

kept_core= kept_overhead=
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ -n ${REPORT_ONLY:-} ]]; then
	results_rel=${REPORT_ONLY#bench/}
	[[ -f $results_rel ]] || { echo "run.sh: no results file $REPORT_ONLY" >&2; exit 2; }
	case $results_rel in
	*-core.txt | *-overhead.txt | *-shard.txt | *-monitor.txt | *-bench.txt)
		echo "run.sh: REPORT_ONLY names the peer results file, not its -core.txt or -overhead.txt sibling" >&2
		exit 2
		;;
	esac
	# The siblings of the results file, where they exist.
	core_rel= overhead_rel=
	if [[ $SKIP_EXTRA == 0 ]]; then
		[[ ! -f ${results_rel%.txt}-core.txt ]] || core_rel=${results_rel%.txt}-core.txt
		[[ ! -f ${results_rel%.txt}-overhead.txt ]] || overhead_rel=${results_rel%.txt}-overhead.txt
	fi
else
	results_rel=results/$(date -u +%Y-%m-%d)-$HOST_KIND.txt
	core_rel= overhead_rel=
	if [[ $SKIP_EXTRA == 0 ]]; then
		core_rel=${results_rel%.txt}-core.txt
		overhead_rel=${results_rel%.txt}-overhead.txt
	else
		# The peers alone: this day's core and overhead files, from an
		# earlier run (their own lines say when and at which commit),
		# stay, and the document is rendered with them.
		[[ ! -f ${results_rel%.txt}-core.txt ]] || kept_core=${results_rel%.txt}-core.txt
		[[ ! -f ${results_rel%.txt}-overhead.txt ]] || kept_overhead=${results_rel%.txt}-overhead.txt
	fi
	core_cmd="go test -run '^\$' -bench . -benchmem -count $COUNT -cpu $CPU ./ring/ ./shard/ ./monitor/"
	overhead_cmd="go run ./cmd/overhead -rounds $OVERHEAD_ROUNDS -round-duration 250ms"
	report_cmd="go run ./cmd/report -o ../BENCHMARKS.md"
	[[ -z ${core_rel:-$kept_core} ]] || report_cmd+=" -core ${core_rel:-$kept_core}"
	[[ -z ${overhead_rel:-$kept_overhead} ]] || report_cmd+=" -overhead ${overhead_rel:-$kept_overhead}"
	report_cmd+=" -results bench/$results_rel $results_rel"
	bin=$tmp/bench.test
	round="./bench.test -test.run '^\$' -test.bench '$BENCH' -test.benchmem -test.count 1 -test.cpu $CPU -test.benchtime $BENCHTIME"
	cpu_model=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
	commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
	run="COUNT=$COUNT CPU=$CPU BENCHTIME=$BENCHTIME bench/run.sh"
	[[ $BENCH == . ]] || run="BENCH='$BENCH' $run"
	[[ $SKIP_EXTRA == 0 ]] || run="SKIP_EXTRA=1 $run"
	[[ $SKIP_EXTRA == 1 || $OVERHEAD_ROUNDS == 160 ]] || run="OVERHEAD_ROUNDS=$OVERHEAD_ROUNDS $run"

	echo "run.sh: building the test binary" >&2
	go test -c -o "$bin" .

	out=$tmp/results.txt
	{
		echo "hitrate-date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "hitrate-cpu-model: ${cpu_model:-unknown}"
		[[ -z $cpu_vendor ]] || echo "hitrate-cpu-id: $cpu_vendor family $cpu_family model $cpu_modelno"
		echo "hitrate-cores: $cores"
		echo "hitrate-kernel: $(uname -srm)"
		echo "hitrate-go: $(go version)"
		echo "hitrate-commit: $commit"
		echo "hitrate-host-kind: $HOST_KIND"
		[[ -z ${NOTE:-} ]] || echo "hitrate-note: $NOTE"
		echo "hitrate-count: $COUNT"
		echo "hitrate-cpu: $CPU"
		echo "hitrate-benchtime: $BENCHTIME"
		echo "hitrate-run: $run"
		echo "hitrate-build: go test -c -o bench.test ."
		echo "hitrate-round: $round"
		echo "hitrate-benchstat: go tool benchstat $results_rel > benchstat.txt"
		if [[ -n $core_rel ]]; then
			echo "hitrate-core: (cd .. && $core_cmd) > $core_rel"
			echo "hitrate-core-benchstat: go tool benchstat $core_rel > benchstat-core.txt"
			echo "hitrate-overhead: $overhead_cmd > $overhead_rel"
		fi
		echo "hitrate-report: $report_cmd"
		echo
	} >"$out"
	start=$SECONDS
	for ((i = 1; i <= COUNT; i++)); do
		echo "run.sh: round $i/$COUNT ($((SECONDS - start))s so far)" >&2
		"$bin" -test.run '^$' -test.bench "$BENCH" -test.benchmem -test.count 1 \
			-test.cpu "$CPU" -test.benchtime "$BENCHTIME" >>"$out"
	done
	echo "run.sh: $COUNT rounds in $((SECONDS - start))s" >&2

	if [[ -n $core_rel ]]; then
		core_out=$tmp/core.txt
		{
			echo "hitrate-date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
			echo "hitrate-commit: $commit"
			echo "hitrate-host-kind: $HOST_KIND"
			echo "hitrate-core-run: $core_cmd"
			echo "hitrate-core-benchstat: go tool benchstat $core_rel"
			echo
		} >"$core_out"
		echo "run.sh: core benchmarks: $core_cmd" >&2
		start=$SECONDS
		(cd "$root" && go test -run '^$' -bench . -benchmem -count "$COUNT" -cpu "$CPU" ./ring/ ./shard/ ./monitor/) >>"$core_out"
		echo "run.sh: core benchmarks in $((SECONDS - start))s" >&2

		overhead_out=$tmp/overhead.txt
		echo "run.sh: proxy overhead: $overhead_cmd" >&2
		start=$SECONDS
		go run ./cmd/overhead -rounds "$OVERHEAD_ROUNDS" -round-duration 250ms >"$overhead_out"
		echo "run.sh: proxy overhead in $((SECONDS - start))s" >&2
	fi

	# Keep the files of this run only, of this host kind: results of other
	# host kinds (other CPUs) stay, since rankings change with the CPU.
	mkdir -p results
	for old in results/*-"$HOST_KIND".txt results/*-"$HOST_KIND"-core.txt results/*-"$HOST_KIND"-overhead.txt; do
		[[ -e $old && $old != "$results_rel" && $old != "$core_rel" && $old != "$overhead_rel" &&
			$old != "$kept_core" && $old != "$kept_overhead" ]] || continue
		echo "run.sh: removing $old (BENCHMARKS.md no longer comes from it)" >&2
		rm -- "$old"
	done
	mv "$out" "$results_rel"
	if [[ -n $core_rel ]]; then
		mv "$core_out" "$core_rel"
		mv "$overhead_out" "$overhead_rel"
	fi
	core_rel=${core_rel:-$kept_core} overhead_rel=${overhead_rel:-$kept_overhead}
fi

# The newest bench/device.sh run on a larger machine, if any: its files
# end in -shard.txt, -monitor.txt and -bench.txt, beside one another.
if [[ -z ${SCALING+set} ]]; then
	SCALING=
	newest=$(ls results/*-shard.txt 2>/dev/null | sort | tail -n 1)
	if [[ -n $newest ]]; then
		for part in shard monitor bench; do
			f=${newest%-shard.txt}-$part.txt
			[[ ! -f $f ]] || SCALING+=${SCALING:+,}$f
		done
	fi
fi

report=(go run ./cmd/report -o "$root/BENCHMARKS.md")
[[ -z $core_rel ]] || report+=(-core "$core_rel")
[[ -z $overhead_rel ]] || report+=(-overhead "$overhead_rel")
[[ -z $SCALING ]] || report+=(-scaling "$SCALING")
"${report[@]}" -results "bench/$results_rel" "$results_rel"
echo "run.sh: wrote BENCHMARKS.md from bench/$results_rel${core_rel:+, bench/$core_rel}${overhead_rel:+, bench/$overhead_rel}" >&2
