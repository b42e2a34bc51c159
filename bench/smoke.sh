#!/usr/bin/env bash
# bench/smoke.sh: runs every benchmark of bench/ and bench/peers once
# (-benchtime 1x), the peers' own tests, and the report generator on that
# output, so that none of them rots. CI calls it; the real run is
# bench/run.sh. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/raw"

echo "== bench: every benchmark once"
go test -run '^$' -bench . -benchtime 1x ./bench/... | tee "$tmp/raw/bench.txt"

echo "== bench/peers: vet, tests, every benchmark once"
(
	cd bench/peers
	go vet ./...
	go test ./...
	go test -run '^$' -bench . -benchtime 1x ./...
) | tee "$tmp/raw/peers.txt"

echo "== bench/internal/report on that output"
printf 'nproc: %s\ncount: 1\n' "$(nproc)" >"$tmp/meta.txt"
go run ./bench/internal/report -dir "$tmp" -out "$tmp/RESULTS.md" -chart "$tmp/chart.svg"
grep -q '^## Targets' "$tmp/RESULTS.md"
grep -q '</svg>' "$tmp/chart.svg"
echo "smoke: every benchmark ran"
