#!/usr/bin/env bash
# slad writes native journal entries to a REAL systemd-journald: started here as a plain root
# process in a private mount namespace (tmpfs over /run/systemd, /run/log and /var/log/journal),
# so the machine's own journal and /run are left as they were.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SLAD_BIN_DIR:-$(swift build --show-bin-path)}
JOURNALD=/lib/systemd/systemd-journald
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || [ ! -x $JOURNALD ]; then
    echo "journal: SKIPPED: needs root, unshare and $JOURNALD (systemd package)"
    echo "journal: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Everything below runs inside the private namespace; it prints one PASS/FAIL line per check.
unshare -m --propagation private bash -s "$BIN" "$work" <<'INNER' > "$work/results" 2>&1 || true
set -u
BIN=$1; work=$2
mount -t tmpfs tmpfs /run/systemd
mount -t tmpfs tmpfs /run/log
[ -d /var/log/journal ] && mount -t tmpfs tmpfs /var/log/journal
/lib/systemd/systemd-journald & jpid=$!
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
"$BIN/slad" --policy Tests/shell/fixtures/fast.toml --state-dir "$work/state" --socket "$work/slad.sock" \
    --log-target journal 2> "$work/stderr" & spid=$!
for _ in $(seq 200); do curl -sf --unix-socket "$work/slad.sock" http://x/v1/health >/dev/null && break; sleep 0.05; done
curl -sf --unix-socket "$work/slad.sock" -X POST http://x/v1/cases \
    -d '{"kind":"fast","store":"S07","note":"customer Wang, phone 13800138000"}' > /dev/null
sleep 4.6
kill -TERM $spid; wait $spid
journalctl --flush >/dev/null 2>&1 || true
check() { if eval "$2"; then echo "PASS $1"; else echo "FAIL $1"; fi; }
breach=$(journalctl -o json --no-pager MESSAGE_ID=1b9ff8b7adc34c6ba790ac1e830ad436 SLA_CASE=C-1 2>/dev/null | head -1)
echo "$breach" > "$work/breach.json"
field() { python3 -c "import json,sys; print(json.loads(open('$work/breach.json').read() or '{}').get('$1',''))"; }
check "the breach entry is in the journal, found by MESSAGE_ID and SLA_CASE" '[ -n "$breach" ]'
check "SLA_CLOCK, SLA_TIER, SLA_KIND, SLA_STORE are fields" '[ "$(field SLA_CLOCK)" = quick ] && [ "$(field SLA_TIER)" = supervisor ] && [ "$(field SLA_KIND)" = fast ] && [ "$(field SLA_STORE)" = S07 ]'
check "SLA_DUE and SLA_LATE_MS are fields" '[ -n "$(field SLA_DUE)" ] && [ -n "$(field SLA_LATE_MS)" ]'
check "a breach is logged at warning (PRIORITY=4)" '[ "$(field PRIORITY)" = 4 ]'
check "SYSLOG_IDENTIFIER=slad, CODE_FILE and CODE_LINE" '[ "$(field SYSLOG_IDENTIFIER)" = slad ] && [ -n "$(field CODE_FILE)" ] && [ -n "$(field CODE_LINE)" ]'
check "the case-opened entry has its own MESSAGE_ID" '[ -n "$(journalctl -o json --no-pager MESSAGE_ID=6a787184f0944e3780ab2e767e928cb4 SLA_CASE=C-1 | head -1)" ]'
check "each higher tier was logged as an escalation" '[ "$(journalctl -o json --no-pager MESSAGE_ID=24b61f836c7340b19a915112cd119c3e SLA_CASE=C-1 | wc -l)" -ge 2 ]'
check "no customer name or phone number reached the journal" '! journalctl -o json --no-pager SYSLOG_IDENTIFIER=slad | grep -q -e 13800138000 -e Wang'
check "nothing went to stderr while the journal was there" '[ ! -s "$work/stderr" ]'
kill $jpid; wait $jpid 2>/dev/null
INNER

cat "$work/results"
passed=$(grep -c '^PASS' "$work/results" || true)
failed=$(grep -c '^FAIL' "$work/results" || true)
[ "$passed" -gt 0 ] || failed=$((failed + 1))
echo "journal: $passed passed, $failed failed"
[ "$failed" = 0 ]
