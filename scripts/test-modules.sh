#!/usr/bin/env bash
# Runs go mod tidy -diff, go vet and go test -race in every nested Go module
# of the repository (sink/nats, sink/kafka, examples/fleet, bench/peers, and
# any other directory with a go.mod), each of which keeps its heavy
# dependencies out of the root module. The tidy check runs with GOWORK=off,
# as an adopter builds the module. The root module itself is left to
# .ci/run. Every module is run even when one fails; the script exits
# non-zero if any did.
#
#	bash scripts/test-modules.sh            # every nested module
#	bash scripts/test-modules.sh sink/nats  # only those named
set -uo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then
	modules=("$@")
else
	mapfile -t modules < <(find . -name go.mod -not -path ./go.mod \
		-not -path '*/testdata/*' -not -path '*/vendor/*' -not -path './.*' \
		-exec dirname {} \; | sed 's|^\./||' | sort)
fi
if [ ${#modules[@]} -eq 0 ]; then
	echo "test-modules: no nested module found" >&2
	exit 1
fi

# The version .ci/run uses for the root module.
STATICCHECK_VERSION=${STATICCHECK_VERSION:-$(sed -n 's/^STATICCHECK_VERSION=//p' .ci/run)}

failed=()
for m in "${modules[@]}"; do
	if [ ! -f "$m/go.mod" ]; then
		echo "test-modules: $m has no go.mod" >&2
		failed+=("$m")
		continue
	fi
	printf '\n-- %s: go mod tidy -diff\n' "$m"
	if ! (cd "$m" && GOWORK=off go mod tidy -diff); then
		failed+=("$m (not tidy: run GOWORK=off go mod tidy there)")
	fi
	printf -- '-- %s: go vet ./...\n' "$m"
	if ! (cd "$m" && go vet ./...); then
		failed+=("$m (vet)")
		continue
	fi
	printf -- '-- %s: staticcheck %s\n' "$m" "$STATICCHECK_VERSION"
	if ! (cd "$m" && go run "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ./...); then
		failed+=("$m (staticcheck)")
	fi
	printf -- '-- %s: go test -race ./...\n' "$m"
	if ! (cd "$m" && go test -race ./...); then
		failed+=("$m (test)")
	fi
done

echo
if [ ${#failed[@]} -gt 0 ]; then
	printf 'test-modules: FAILED: %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "test-modules: ${#modules[@]} modules passed: ${modules[*]}"
