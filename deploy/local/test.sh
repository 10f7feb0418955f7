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

echo "== fuzz smoke (libFuzzer, clang, ASan + UBSan)"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCW_FUZZ=ON \
    -DCW_WERROR=ON >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_wire
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp tests/fuzz/corpus/wire/* "$work/corpus"/
# Bounded: a fixed number of inputs (seconds, not minutes). A crash or a
# failed round trip fails the suite; the input is kept in build-fuzz/.
if ! (cd build-fuzz && tests/fuzz/fuzz_wire -runs=1000000 -max_len=4096 \
        -print_final_stats=1 "$work/corpus" >"$work/log" 2>&1); then
    tail -40 "$work/log"
    echo "fuzz_wire failed: the crashing input is in build-fuzz/ (crash-*)" >&2
    exit 1
fi
grep -E "^(Done|stat::number_of_executed_units)" "$work/log"
