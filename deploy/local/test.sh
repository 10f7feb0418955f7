#!/bin/sh
# The whole test suite: install what is missing, build twice (plain, and
# AddressSanitizer + UndefinedBehaviorSanitizer), run ctest in both.
# Warnings are errors. Build trees: build/ and build-asan/.
set -eu
cd "$(dirname "$0")/../.."
jobs=$(nproc 2>/dev/null || echo 2)

deploy/local/setup.sh

echo "== build (release, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCW_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
echo "== ctest (release)"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build (ASan + UBSan, -Werror)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCW_SANITIZE=ON -DCW_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs"
echo "== ctest (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
