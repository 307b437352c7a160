#!/usr/bin/env bash
# device.sh DIR runs the hot-path benchmarks from the test binaries that
# device-build.sh put in DIR, at -cpu 1,2,4,8,16, 5 runs each, and writes
# each binary's output to "$OUT"/<name>.txt (OUT defaults to ./device-out)
# with the CPU model, core count and commit at the top. It takes about 3
# minutes on 16 cores (under 6). Compare with benchstat, e.g.
#
#	cd bench && go tool benchstat -col /cpu "$OUT"/shard.txt
#
# Commit the three files as bench/results/<date>-<host kind>-shard.txt,
# -monitor.txt and -bench.txt (host kind as run.sh names it: arch, CPU,
# cores, e.g. x86_64-intel-xeon-16c); run.sh then renders the newest such
# set as BENCHMARKS.md's Scaling to N cores section.
#
# shard:   Counter.Inc (one goroutine, RunParallel) beside sync/atomic
# monitor: Conn.Log, Monitor.Log, the proxy pattern (ConnProxy against
#          ProxyPadded) and one connection's two directions
# bench:   Inc/seq and Inc/par of atomic, xsync, shard, monitor and
#          monitor-conn, and ProxyPattern (padded, atomic, xsync, monitor)
set -euo pipefail
[[ $# == 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
OUT=${OUT:-./device-out}
mkdir -p "$OUT"
CPUS=${CPUS:-1,2,4,8,16}
COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-100ms}

header() {
	echo "hitrate-cpu-model: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "hitrate-cores: $(nproc)"
	echo "hitrate-commit: $(cat "$dir/commit.txt" 2>/dev/null || echo unknown)"
	echo "hitrate-run: -test.cpu $CPUS -test.count $COUNT -test.benchtime $BENCHTIME"
	echo
}

run() { # name regex
	local name=$1 regex=$2
	echo "device.sh: $name: $regex" >&2
	"$dir/$name.test" -test.run '^$' -test.bench "$regex" -test.cpu "$CPUS" \
		-test.count "$COUNT" -test.benchtime "$BENCHTIME" -test.benchmem
}

start=$SECONDS
{
	header
	run shard 'AtomicAdd$|AtomicAddParallel$|CounterInc$|CounterIncParallel$'
} >"$OUT/shard.txt"
{
	header
	run monitor 'AtomicAdd$|ConnLog$|ConnLogParallel$|MonitorLog$|MonitorLogParallel$|ConnProxy$|ProxyPadded$|TwoDirections$'
} >"$OUT/monitor.txt"
{
	header
	run bench '^BenchmarkInc$/^(seq|par)$/^(atomic|xsync|shard|monitor|monitor-conn)$'
	run bench '^BenchmarkProxyPattern$'
} >"$OUT/bench.txt"
echo "device.sh: done in $((SECONDS - start))s" >&2
