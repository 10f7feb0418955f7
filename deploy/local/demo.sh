#!/bin/sh
# The demo: install what is missing, build, and show casewatch at work.
# Until the broker, processor and feed exist, it shows the legal calendar
# every deadline is computed with.
set -eu
cd "$(dirname "$0")/../.."
jobs=$(nproc 2>/dev/null || echo 2)

deploy/local/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs" >/dev/null

cal=build/consumers/calendar/casewatch-calendar
year=$(date +%Y)
echo "== Days that are not business days under lag (1930:173) in $year:"
"$cal" holidays "$year"
echo
echo "== A report received Saturday 2025-06-07: förhandsbedömning due 14 days later"
printf '   nominal %s, rolled forward to %s (midsommardagen falls on the 21st)\n' \
    "$("$cal" due 2025-06-07 14d)" "$("$cal" due 2025-06-07 14d --roll)"
echo "== An utredning opened 2024-10-31 is due $("$cal" due 2024-10-31 4m) (4 months, month end)"
