#!/bin/sh
# Runs shellcheck on every shell script of deploy/ (not deploy/local: not ours).
# usage: shellcheck.sh SOURCE_DIR
set -eu
cd "$1"
if ! command -v shellcheck >/dev/null 2>&1; then
    echo "SKIP: shellcheck is not installed (Debian package shellcheck)"
    exit 77
fi
files=$(for f in deploy/container/* deploy/compose/* deploy/kafka/* deploy/kubernetes/* deploy/systemd/* \
                 tests/deploy/*; do
            [ -f "$f" ] || continue
            case "$f" in *.sh) echo "$f"; continue ;; esac
            if head -n 1 "$f" | grep -Eq '^#!.*/(ba|da)?sh( |$)'; then echo "$f"; fi
        done)
# shellcheck disable=SC2086
shellcheck --external-sources $files
echo "shellcheck: $(echo "$files" | wc -l) scripts clean:" "$(echo "$files" | tr '\n' ' ')"
