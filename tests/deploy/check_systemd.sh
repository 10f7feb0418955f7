#!/bin/sh
# Checks deploy/systemd with systemd's own tools, offline (no systemd needs to
# be running): a scratch root gets the host's system units, the units of
# deploy/systemd in /etc/systemd/system, the built programs in /usr/local/bin
# and the example configs in /etc/casewatch; then
#   systemd-analyze verify --root   every directive known and valid, the
#                                   ExecStart programs present and executable,
#                                   the dependencies resolvable (any output fails)
#   systemd-analyze security --offline --threshold=20   exposure at most 2.0
#                                   ("OK") for each service
# casewatch-feed is not built by this version yet: a stand-in script takes its
# place (said so below), so for it the path check is not a real one.
# usage: check_systemd.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1 build=$2
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
    exit 77
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd" "$root/usr/local/bin" "$root/etc/systemd/system" \
         "$root/etc/casewatch"
cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
for p in casewatch-processor casewatch-feed; do
    f=$(find "$build" -type f -name "$p" -perm -u+x | head -n 1)
    if [ -n "$f" ]; then
        cp "$f" "$root/usr/local/bin/"
        echo "using the built $p"
    else
        printf '#!/bin/sh\nexit 0\n' > "$root/usr/local/bin/$p"
        chmod 755 "$root/usr/local/bin/$p"
        echo "note: $p is not built by this version: a stand-in takes its place"
    fi
done
cp "$src"/deploy/systemd/*.service "$src"/deploy/systemd/*.target "$root/etc/systemd/system/"
cp "$src"/deploy/systemd/*.conf "$root/etc/casewatch/"
: > "$root/etc/casewatch/feed.env"

units="casewatch-processor@1.service casewatch-processor@2.service casewatch-feed.service casewatch.target"
# shellcheck disable=SC2086
out=$(systemd-analyze verify --man=no --root="$root" $units 2>&1) || {
    echo "FAIL: systemd-analyze verify:"; echo "$out"; exit 1; }
if [ -n "$out" ]; then
    echo "FAIL: systemd-analyze verify complains:"; echo "$out"; exit 1
fi
echo "ok: systemd-analyze verify: $units"

for u in casewatch-processor@1.service casewatch-feed.service; do
    if ! out=$(systemd-analyze security --offline=yes --root="$root" --threshold=20 "$u" 2>&1); then
        echo "FAIL: $u: exposure above 2.0:"; echo "$out" | grep -E '✗|Overall'; exit 1
    fi
    echo "ok: $(echo "$out" | grep 'Overall exposure')"
done

# The ExecStart line of each unit: a program of the image, --config in
# /etc/casewatch, the file shipped here.
for u in "casewatch-processor@.service" casewatch-feed.service; do
    exec_line=$(sed -n 's/^ExecStart=//p' "$src/deploy/systemd/$u")
    conf=$(echo "$exec_line" | sed -n 's/.*--config \(\/etc\/casewatch\/[^ ]*\).*/\1/p')
    if [ -z "$conf" ] || [ ! -f "$src/deploy/systemd/$(basename "$conf")" ]; then
        echo "FAIL: $u: --config is not a file of deploy/systemd in /etc/casewatch: $exec_line"
        exit 1
    fi
done
echo "ok: ExecStart --config files are deploy/systemd/*.conf"

# What the deployment promises for every service, whatever the score says.
for u in "casewatch-processor@.service" casewatch-feed.service; do
    for d in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
             PrivateTmp=yes CapabilityBoundingSet= "SystemCallFilter=@system-service"; do
        if ! grep -qx "$d" "$src/deploy/systemd/$u"; then
            echo "FAIL: $u lacks $d"; exit 1
        fi
    done
    if grep -Eq '^(User|Group)=(root|0)$' "$src/deploy/systemd/$u"; then
        echo "FAIL: $u runs as root"; exit 1
    fi
done
echo "ok: DynamicUser, NoNewPrivileges, ProtectSystem=strict, no capabilities in every service"
echo "systemd: all checks passed"
