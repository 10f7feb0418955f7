#!/bin/sh
# The whole test suite: install what is missing, build twice (plain, and
# AddressSanitizer + UndefinedBehaviorSanitizer), run ctest in both. The
# tests on a real Apache Kafka (label kafka_real) run in the release pass
# only: they test the brokers' behaviour and the processor's protocol use,
# which a sanitizer build does not change, and cost minutes of JVM time.
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
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE kafka_real

echo "== fuzz smoke (libFuzzer, clang, ASan + UBSan)"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCW_FUZZ=ON \
    -DCW_WERROR=ON >/dev/null
targets="wire event_json rulepack config"
for t in $targets; do cmake --build build-fuzz -j "$jobs" --target "fuzz_$t"; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Bounded: a fixed number of inputs per target (seconds, not minutes). A
# crash or a broken invariant fails the suite; the input is kept in
# build-fuzz/ (crash-*), to be fixed and added to tests/fuzz/corpus/.
for t in $targets; do
    mkdir "$work/$t"
    cp tests/fuzz/corpus/"$t"/* "$work/$t"/
    runs=1000000
    [ "$t" = rulepack ] && runs=100000 # a pack is large: each run costs more
    [ "$t" = config ] && runs=200000
    if ! (cd build-fuzz && tests/fuzz/fuzz_$t -runs=$runs -max_len=8192 -print_final_stats=1 \
            "$work/$t" >"$work/$t.log" 2>&1); then
        tail -40 "$work/$t.log"
        echo "fuzz_$t failed: the crashing input is in build-fuzz/ (crash-*)" >&2
        exit 1
    fi
    echo "fuzz_$t: $(grep -E '^Done' "$work/$t.log")"
done
