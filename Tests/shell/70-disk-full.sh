#!/usr/bin/env bash
# A full disk: slad's state directory on a small tmpfs (in a private mount namespace), filled up.
# Writes are refused with 503 disk_full, timers keep running and what they cannot write is
# written once space returns, nothing stored is damaged, and slad recovers by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SLAD_BIN_DIR:-$(swift build --show-bin-path)}
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
    echo "disk-full: SKIPPED: needs root and unshare to mount a small tmpfs"
    echo "disk-full: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

unshare -m --propagation private bash -s "$BIN" "$work" <<'INNER' > "$work/results" 2>&1 || true
set -u
BIN=$1; work=$2
state=$work/state; mkdir -p "$state"
mount -t tmpfs -o size=3m tmpfs "$state"
sock=$work/slad.sock
"$BIN/slad" --policy Tests/shell/fixtures/fast.toml --state-dir "$state" --socket "$sock" --log-target stderr 2> "$work/log" & pid=$!
api() { curl -s -o "$work/body" -w '%{http_code}' --unix-socket "$sock" "$@"; }
for _ in $(seq 200); do [ "$(api http://x/v1/health)" = 200 ] && break; sleep 0.05; done
check() { if eval "$2"; then echo "PASS $1"; else echo "FAIL $1"; fi; }
count() { sqlite3 "$state/slad.sqlite" "$1" 2>/dev/null; }

check "a case opens while there is room" '[ "$(api -X POST http://x/v1/cases -d "{\"kind\":\"slow\",\"store\":\"S1\"}")" = 201 ]'
# Cases whose clocks fall due 2 s from now, while the disk will be full.
openers=()
for i in $(seq 30); do api -X POST http://x/v1/cases -d '{"kind":"fast","store":"S1"}' > /dev/null & openers+=($!); done
wait "${openers[@]}"
dd if=/dev/zero of="$state/filler" bs=16k 2>/dev/null || true
# The WAL may still have a little room: keep writing until the disk says no.
refused=0
for i in $(seq 400); do
    code=$(api -X POST http://x/v1/cases -d "{\"kind\":\"fast\",\"store\":\"S1\",\"note\":\"$(head -c 3000 /dev/zero | tr '\0' x)\"}")
    if [ "$code" = 503 ]; then refused=1; break; fi
done
check "writes are refused with 503 once the disk is full" '[ "$refused" = 1 ]'
check "the refusal says disk_full, clearly" 'grep -q "\"code\":\"disk_full\"" "$work/body" && grep -q "full" "$work/body"'
opened=$(count "SELECT COUNT(*) FROM cases WHERE kind = 'fast'")
sleep 7  # the fast cases fall due while nothing can be written
check "slad keeps running and answers health (degraded)" '[ "$(api http://x/v1/health)" = 200 ] && grep -q "\"status\":\"degraded\"" "$work/body"'
check "the failure is logged once, at err, not once a second" '[ "$(grep -c "store write failed" "$work/log")" -le 2 ]'
rm -f "$state/filler"
sleep 3  # slad retries every second by itself
check "fast cases were open when the disk filled" '[ "$opened" -ge 30 ]'
check "once space returns, every entry that fell due is written" \
    '[ "$(count "SELECT COUNT(*) FROM escalations e JOIN cases c ON c.id = e.case_id WHERE c.kind = '"'"'fast'"'"'")" = $((opened * 5)) ]'
check "and none twice" '[ -z "$(count "SELECT 1 FROM escalations GROUP BY case_id, clock, cycle, tier, kind HAVING COUNT(*) > 1")" ]'
check "writes are accepted again" '[ "$(api -X POST http://x/v1/cases -d "{\"kind\":\"slow\",\"store\":\"S1\"}")" = 201 ]'
check "health is ok again" '[ "$(api http://x/v1/health)" = 200 ] && grep -q "\"status\":\"ok\"" "$work/body"'
check "PRAGMA integrity_check is ok" '[ "$(count "PRAGMA integrity_check")" = ok ]'
echo "INFO fast cases opened before the disk filled: $opened"
kill -TERM $pid; wait $pid
check "slad stops cleanly" '[ $? = 0 ]'
INNER

cat "$work/results"
passed=$(grep -c '^PASS' "$work/results" || true)
failed=$(grep -c '^FAIL' "$work/results" || true)
[ "$passed" -gt 0 ] || failed=$((failed + 1))
echo "disk-full: $passed passed, $failed failed"
[ "$failed" = 0 ]
