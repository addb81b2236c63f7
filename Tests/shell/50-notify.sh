#!/usr/bin/env bash
# slad talks to systemd through a REAL $NOTIFY_SOCKET: a datagram socket this test binds.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SLAD_BIN_DIR:-$(swift build --show-bin-path)}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
passed=0; failed=0
check() { if eval "$2"; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi; }

# The receiver logs every datagram with its arrival time; on READY=1 it also counts the queue
# entries already written, to show that READY comes after recovery.
cat > "$work/receive.py" <<'PY'
import socket, sqlite3, sys, time
path, seconds, out, db = sys.argv[1], float(sys.argv[2]), open(sys.argv[3], "w"), sys.argv[4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path); s.settimeout(0.2)
end = time.time() + seconds
while time.time() < end:
    try:
        data = s.recv(65536).decode()
    except socket.timeout:
        continue
    for line in data.split("\n"):
        extra = ""
        if line == "READY=1":
            try:
                extra = " entries=%d" % sqlite3.connect(db).execute("SELECT COUNT(*) FROM escalations").fetchone()[0]
            except Exception as error:
                extra = " entries=error:%s" % error
        out.write("%.3f %s%s\n" % (time.time(), line, extra)); out.flush()
PY

api() { curl -sf --unix-socket "$work/slad.sock" "$@"; }
start() {  # start NOTIFY_SECONDS WATCHDOG_USEC
    rm -f "$work/notify"
    python3 "$work/receive.py" "$work/notify" "$1" "$work/notes" "$work/state/slad.sqlite" & pids+=($!)
    for _ in $(seq 50); do [ -S "$work/notify" ] && break; sleep 0.05; done
    NOTIFY_SOCKET="$work/notify" WATCHDOG_USEC=$2 "$BIN/slad" --policy Tests/shell/fixtures/fast.toml \
        --state-dir "$work/state" --socket "$work/slad.sock" --log-target stderr 2>> "$work/log" & slad=$!
    pids+=($slad)
    for _ in $(seq 200); do api http://x/v1/health >/dev/null 2>&1 && break; sleep 0.05; done
}

# 1. A clock falls due while slad is down; on the next start READY=1 comes after recovery wrote it.
mkdir -p "$work/state"
"$BIN/slad" --policy Tests/shell/fixtures/fast.toml --state-dir "$work/state" --socket "$work/slad.sock" 2>> "$work/log" & first=$!
pids+=($first)
for _ in $(seq 200); do api http://x/v1/health >/dev/null 2>&1 && break; sleep 0.05; done
api -X POST http://x/v1/cases -d '{"kind":"fast","store":"S1"}' > /dev/null
kill -9 $first; wait $first 2>/dev/null || true
sleep 6  # every tier of the case falls due meanwhile

start 9 1000000
sleep 1.2
api -X POST http://x/v1/cases -d '{"kind":"slow","store":"S2"}' > /dev/null
sleep 1.5
kill -HUP $slad
sleep 1.5
kill -TERM $slad; wait $slad || true
sleep 0.3
cat "$work/notes" | sed 's/^/  /' | head -40

check "READY=1 arrives once" '[ "$(grep -c " READY=1 entries=" "$work/notes")" -ge 1 ]'
check "READY=1 only after recovery wrote the 5 entries due while down" \
    '[ "$(grep -m1 " READY=1 " "$work/notes" | sed "s/.*entries=//")" = 5 ]'
check "EXTEND_TIMEOUT_USEC is sent before READY (long recoveries)" \
    '[ "$(grep -n EXTEND_TIMEOUT_USEC "$work/notes" | head -1 | cut -d: -f1)" -lt "$(grep -n " READY=1" "$work/notes" | head -1 | cut -d: -f1)" ]'
check "STATUS= says how many cases are open" 'grep -q "STATUS=1 open cases" "$work/notes"'
check "STATUS= changes when a case opens" 'grep -q "STATUS=2 open cases" "$work/notes"'
check "STATUS= names the next deadline" 'grep -q "STATUS=.*next due .*(C-2 long)" "$work/notes"'
intervals=$(awk '/ WATCHDOG=1/ { if (last) printf "%.3f\n", $1 - last; last = $1 }' "$work/notes" | sort -n)
count=$(echo "$intervals" | grep -c . || true)
median=$(echo "$intervals" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "  watchdog: $count intervals, median ${median}s (WATCHDOG_USEC=1 s: expected 0.5 s)"
check "WATCHDOG=1 keeps coming" '[ "$count" -ge 6 ]'
check "WATCHDOG=1 at half the watchdog interval" 'awk -v m="$median" "BEGIN { exit !(m >= 0.4 && m <= 0.6) }"'
check "RELOADING=1 with MONOTONIC_USEC on SIGHUP" 'grep -A1 " RELOADING=1" "$work/notes" | grep -q MONOTONIC_USEC='
check "READY=1 again after the reload" '[ "$(awk "/ RELOADING=1/ { r = 1 } r && / READY=1/ { print; exit }" "$work/notes" | wc -l)" = 1 ]'
check "STOPPING=1 on SIGTERM" 'grep -q " STOPPING=1" "$work/notes"'

# 2. A broken policy: slad does not start, tells systemd why (ERRNO=, STATUS=) and exits 78.
printf '[[tier]]\nid = "desk"\n[clock.x]\ntarget = "soon"\n' > "$work/broken.toml"
rm -f "$work/notify" "$work/notes"
python3 "$work/receive.py" "$work/notify" 2 "$work/notes" /nonexistent & pids+=($!)
for _ in $(seq 50); do [ -S "$work/notify" ] && break; sleep 0.05; done
set +e
NOTIFY_SOCKET="$work/notify" "$BIN/slad" --policy "$work/broken.toml" --state-dir "$work/s2" --socket "$work/s2.sock" 2> "$work/broken.log"
code=$?
set -e
sleep 0.5
check "a broken policy: exit 78 (EX_CONFIG)" '[ "$code" = 78 ]'
check "a broken policy: ERRNO= and STATUS= sent" 'grep -q " ERRNO=" "$work/notes" && grep -q " STATUS=policy refused" "$work/notes"'
check "a broken policy: the error names file, line and key" 'grep -q "broken.toml:4: clock.x.target" "$work/broken.log"'

echo "notify: $passed passed, $failed failed"
[ "$failed" = 0 ]
