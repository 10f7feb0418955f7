#!/bin/sh
# The benchmark suite: every figure of issue 9 next to its baseline measured
# in the same run, the ratio, the target and whether it is met; writes
# tests/bench/BENCHMARKS.md (machine, tables, profiles, notes).
#
#   tests/bench/run.sh [BUILD_DIR] [--quick]     (default build/)
#
# Build first, Release for figures worth keeping:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2
# Needs valgrind (profiles). About 8 minutes on 2 vCPU; --quick (small sizes,
# for development) writes its report to BUILD_DIR/BENCHMARKS-quick.md instead.
# Benchmarks are not ctest tests: nothing here is asserted on time.
set -eu
cd "$(dirname "$0")/../.."
build=build
quick=
for a in "$@"; do
    case $a in
    --quick) quick=--quick ;;
    *) build=$a ;;
    esac
done
out=tests/bench/BENCHMARKS.md
[ -z "$quick" ] || out=$build/BENCHMARKS-quick.md
cmake --build "$build" -j2 >/dev/null
exec /usr/bin/python3 tests/bench/suite.py "$build" "$out" $quick
