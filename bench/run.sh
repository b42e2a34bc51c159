#!/usr/bin/env bash
# bench/run.sh: runs every benchmark of bench/ and bench/peers in one go,
# summarises them with benchstat, and writes bench/RESULTS.md and the chart
# it shows, bench/chart.svg. About 7 minutes on a 2-core machine.
#
#   bash bench/run.sh                 # from anywhere in the repository
#   COUNT=10 bash bench/run.sh        # more repetitions (default 6)
#   OUT=/tmp/bench bash bench/run.sh  # keep the raw output there
#
# The raw `go test -bench` output, benchstat's tables and the profiles stay
# in $OUT (a new temporary directory by default), printed at the end.
# bench/analysis.md, if present, is a hand-written reading of a run that
# RESULTS.md includes: check it still matches after a new run.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-6}
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da # golang.org/x/perf
work=${OUT:-$(mktemp -d -t spillway-bench.XXXXXX)}
mkdir -p "$work/raw" "$work/stat" "$work/prof"
procs=$(nproc)
started=$(date +%s)

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "go: $(go version | cut -d' ' -f3-)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "nproc: $procs"
	echo "kernel: $(uname -sr)"
	echo "load_before: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
	echo "count: $COUNT"
} >"$work/meta.txt"

echo "== building (results in $work)"
go test -c -o "$work/bench.test" ./bench
(cd bench/peers && go test -c -o "$work/peers.test" .)
GOBIN="$work" go install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"

# settle writes back the dirty pages the previous suite left, so that one
# suite's files do not slow the next one's writes.
settle() { sync; }

# suite NAME BINARY BENCHTIME CPU REGEXP: runs the matching benchmarks
# COUNT times into raw/NAME.txt and summarises them into stat/NAME.txt.
suite() {
	local name=$1 bin=$2 benchtime=$3 cpu=$4 regexp=$5
	echo "== $name: -bench '$regexp' -benchtime $benchtime -cpu $cpu -count $COUNT"
	settle
	"$work/$bin" -test.run '^$' -test.bench "$regexp" -test.benchmem \
		-test.benchtime "$benchtime" -test.cpu "$cpu" -test.count "$COUNT" >"$work/raw/$name.txt"
	grep -q '^ok\|^PASS' "$work/raw/$name.txt" || { cat "$work/raw/$name.txt"; exit 1; }
	"$work/benchstat" "$name=$work/raw/$name.txt" >"$work/stat/$name.txt"
}

# Send latency: b.N is the total number of Sends (at least 1M in a burst).
suite clock bench.test 1000000x "1,$procs" '^BenchmarkClockFloor$'
suite send-burst bench.test 1000000x "1,$procs" '^BenchmarkSend$/^shape=burst$'
suite send-paced bench.test 40000x "1,$procs" '^BenchmarkSend$/^shape=paced$'
suite send-full bench.test 200000x "1,$procs" '^BenchmarkSend$/^shape=full$'
# Throughput, encoding and the peers: b.N is the number of events.
suite sustained bench.test 300000x "$procs" '^BenchmarkSustained$'
suite encode bench.test 200000x "$procs" '^BenchmarkEncode$'
suite peers peers.test 200000x "$procs" '^BenchmarkPeers$'

# profile ID BINARY BENCHTIME REGEXP: one longer run of a benchmark under
# -cpuprofile, its top in prof/ID.txt. RESULTS.md shows it when a target
# read from that benchmark is missed. (Paced runs have none: their Sends
# take too little CPU time for a profile to sample.)
profile() {
	local id=$1 bin=$2 benchtime=$3 regexp=$4
	echo "== profile $id"
	settle
	"$work/$bin" -test.run '^$' -test.bench "$regexp" -test.benchtime "$benchtime" -test.cpu "$procs" \
		-test.cpuprofile "$work/prof/$id.prof" >/dev/null
	go tool pprof -top -nodecount=30 "$work/$bin" "$work/prof/$id.prof" >"$work/prof/$id.txt" 2>/dev/null
}

profile send_burst_drop_8 bench.test 20000000x '^BenchmarkSend$/^shape=burst$/^strategy=drop$/^producers=8$'
profile send_full_drop_8 bench.test 20000000x '^BenchmarkSend$/^shape=full$/^strategy=drop$/^producers=8$'
profile sustained_never_typical_8 bench.test 3000000x '^BenchmarkSustained$/^event=typical$/^sink=spillway$/^sync=never$/^producers=8$'
profile sustained_batch_typical_8 bench.test 2000000x '^BenchmarkSustained$/^event=typical$/^sink=spillway$/^sync=batch$/^producers=8$'
profile peers_spillway_typical_8 peers.test 3000000x '^BenchmarkPeers$/^event=typical$/^sink=spillway$/^producers=8$'

{
	echo "load_after: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
	echo "duration: $((($(date +%s) - started) / 60)) min"
} >>"$work/meta.txt"

echo "== writing bench/RESULTS.md and bench/chart.svg"
go run ./bench/internal/report -dir "$work" -out bench/RESULTS.md -chart bench/chart.svg -analysis bench/analysis.md
echo "raw output, benchstat tables and profiles: $work"
