#!/bin/sh
# casewatch-replay (the binary in CW_REPLAY) under valgrind memcheck, as the
# REPLAY_BINARY of run_scenario.py: any memory error or leak (definite,
# indirect or possible) makes the exit status 99, which the runner reports
# as a failure of that scenario.
exec valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
    --errors-for-leak-kinds=definite,indirect,possible "$CW_REPLAY" "$@"
