#!/usr/bin/env bash
# device-build.sh DIR builds the stripped test binaries that device.sh
# runs, into DIR: shard.test and monitor.test from the root module,
# bench.test from the bench module. Run it from anywhere, on the machine
# that has Go; copy DIR to the machine that runs device.sh (same GOARCH).
set -euo pipefail
[[ $# == 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$1"
dir=$(cd "$1" && pwd)
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/.." && pwd)
export CGO_ENABLED=0
(cd "$root" && go test -c -ldflags='-s -w' -o "$dir/shard.test" ./shard/)
(cd "$root" && go test -c -ldflags='-s -w' -o "$dir/monitor.test" ./monitor/)
(cd "$bench_dir" && go test -c -ldflags='-s -w' -o "$dir/bench.test" .)
git -C "$root" describe --always --dirty >"$dir/commit.txt"
ls -l "$dir"
