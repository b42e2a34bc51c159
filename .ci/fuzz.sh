#!/usr/bin/env bash
# fuzz.sh runs every fuzz target in the repository for FUZZTIME each
# (default 5s), one `go test -fuzz` per target, since Go fuzzes one target
# at a time. Targets are found with grep, so a new Fuzz function is picked
# up without editing this script; nested modules (a directory with its own
# go.mod) are fuzzed from their module root.
#
# Usage: .ci/fuzz.sh [grep -E filter on "pkgdir FuzzName"]
# Environment: FUZZTIME (default 5s), GOFLAGS as usual.
# It runs every target even after one fails, then exits 1 if any failed,
# printing where the failing input was saved (testdata/fuzz/FuzzX/...).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fuzztime=${FUZZTIME:-5s}
filter=${1:-}

# module_root DIR prints the nearest directory at or above DIR with a go.mod.
module_root() {
	local d=$1
	while [[ ! -f $d/go.mod ]]; do
		d=$(dirname "$d")
	done
	printf '%s\n' "$d"
}

mapfile -t targets < <(
	grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' . |
		grep -v '/vendor/' |
		sed -E 's#^\./##; s#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)$#\1 \2#; s#^[^/ ]*_test\.go:func (Fuzz[A-Za-z0-9_]*)$#. \1#' |
		sort -u
)

if [[ -n $filter ]]; then
	mapfile -t targets < <(printf '%s\n' "${targets[@]}" | grep -E -- "$filter" || true)
fi
if [[ ${#targets[@]} -eq 0 || -z ${targets[0]} ]]; then
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 0
fi

failed=()
for t in "${targets[@]}"; do
	dir=${t% *}
	name=${t#* }
	mod=$(module_root "$dir")
	if [[ $mod == "$dir" ]]; then
		rel=.
	elif [[ $mod == . ]]; then
		rel=./$dir
	else
		rel=./${dir#"$mod"/}
	fi
	echo "=== fuzz $dir $name ($fuzztime)"
	if ! (cd "$mod" && go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$rel"); then
		failed+=("$dir $name")
	fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
	echo "fuzz.sh: ${#failed[@]} of ${#targets[@]} fuzz targets failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz.sh: ${#targets[@]} fuzz targets passed"
