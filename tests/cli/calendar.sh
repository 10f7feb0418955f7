#!/bin/sh
# Black-box test of casewatch-calendar: exact output and exit codes.
set -u
cal=$1
fails=0
passes=0

check() { # name expected-output expected-status command...
    name=$1 want=$2 want_rc=$3
    shift 3
    got=$("$@" 2>/tmp/cw_cal_err.$$)
    rc=$?
    if [ "$got" = "$want" ] && [ "$rc" = "$want_rc" ]; then
        passes=$((passes + 1))
    else
        fails=$((fails + 1))
        printf 'FAIL %s: status %s (want %s)\n--- got\n%s\n--- want\n%s\n' "$name" "$rc" "$want_rc" "$got" "$want"
    fi
}

tab=$(printf '\t')
check holidays-2025 "2025-01-01${tab}nyårsdagen
2025-01-06${tab}trettondedag jul
2025-04-18${tab}långfredagen
2025-04-20${tab}påskdagen
2025-04-21${tab}annandag påsk
2025-05-01${tab}första maj
2025-05-29${tab}Kristi himmelsfärdsdag
2025-06-06${tab}Sveriges nationaldag
2025-06-08${tab}pingstdagen
2025-06-20${tab}midsommarafton
2025-06-21${tab}midsommardagen
2025-11-01${tab}alla helgons dag
2025-12-24${tab}julafton
2025-12-25${tab}juldagen
2025-12-26${tab}annandag jul
2025-12-31${tab}nyårsafton" 0 "$cal" holidays 2025

# legal-rules.md §2.3 examples
check report-sat "2025-06-21" 0 "$cal" due 2025-06-07 14d
check report-sat-roll "2025-06-23" 0 "$cal" due 2025-06-07 14d --roll
check report-dec "2026-01-05" 0 "$cal" due 2025-12-22 14d --roll
check lvu-week "2025-12-26" 0 "$cal" due 2025-12-19 1w
check lvu-week-roll "2025-12-29" 0 "$cal" due 2025-12-19 1w --roll
check utredning "2025-02-28" 0 "$cal" due 2024-10-31 4m
check leap "2024-02-29" 0 "$cal" due 2023-10-31 4m
check years "2027-06-30" 0 "$cal" due 2025-06-30 2y
# RFC 3339 FROM is taken as its Stockholm date: 23:30Z on 31 Dec is 1 Jan local
check rfc3339-local "2026-01-15" 0 "$cal" due 2025-12-31T23:30:00Z 14d
check rfc3339-offset "2025-03-31" 0 "$cal" due 2025-03-30T01:30:00+01:00 1d

# bad arguments: one line on stderr, status 2
check no-args "" 2 "$cal"
check bad-cmd "" 2 "$cal" frobnicate
check bad-year "" 2 "$cal" holidays 20x5
check bad-period "" 2 "$cal" due 2025-01-01 14x
check bad-from "" 2 "$cal" due 2025-02-30 14d
check no-offset "" 2 "$cal" due 2025-01-01T10:00:00 14d
check extra-arg "" 2 "$cal" due 2025-01-01 14d --rol
lines=$("$cal" due 2025-02-30 14d 2>&1 >/dev/null | wc -l)
[ "$lines" -eq 1 ] && passes=$((passes + 1)) || { fails=$((fails + 1)); echo "FAIL stderr not one line"; }

rm -f /tmp/cw_cal_err.$$
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
