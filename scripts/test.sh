#!/usr/bin/env bash
# README command 2: install everything the tests need, build, and run every test:
# unit and integration tests (real servers started by tests/servers/ scripts), then the
# unit and plugin-host tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/test.sh            everything
#   scripts/test.sh -L LABEL   only tests with that ctest label (no sanitizer pass)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
failed=0

step() { printf '\n=== %s\n' "$*"; }

step "installing build dependencies"
scripts/install-deps.sh || exit 1
for inst in tests/servers/install-*.sh; do
	[ -x "$inst" ] || continue
	step "installing test dependencies: $inst"
	"$inst" || { echo "FAILED: $inst"; exit 1; }
done

step "building (build/)"
LB_BUILD_DIR="$top/build" scripts/build.sh -DLB_BUILD_TESTS=ON || exit 1

step "running tests"
if ! (cd build && ctest --output-on-failure --timeout 1800 "$@"); then
	failed=1
fi

if [ $# -eq 0 ]; then
	step "sanitizers: building build-asan/ with ASan + UBSan"
	if LB_BUILD_DIR="$top/build-asan" scripts/build.sh -DLB_BUILD_TESTS=ON -DLB_ASAN=ON \
		-DLB_UBSAN=ON -DCMAKE_BUILD_TYPE=Debug; then
		step "sanitizers: unit and plugin-host tests"
		if ! (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			ctest --output-on-failure --timeout 900 -L 'unit|plugin-host|sdk|conformance'); then
			failed=1
		fi
	else
		echo "FAILED: sanitizer build"
		failed=1
	fi
fi

if [ $failed -ne 0 ]; then
	echo "lifeboat: some tests failed (see above)"
	exit 1
fi
echo "lifeboat: all tests passed"
