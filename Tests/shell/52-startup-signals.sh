#!/usr/bin/env bash
# SIGHUP (systemctl reload) and SIGTERM (systemctl stop) at random moments of start-up, before and
# right after slad is ready: it neither dies of a reload nor ignores a stop, and never hangs.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init startup-signals

# A store with open cases, so that start-up (store, recovery) takes a moment.
start_slad "$TEST_TMP/state" "$FIXTURES/fast.toml"
for i in $(seq 300); do
    req POST /v1/cases "{\"kind\":\"slow\",\"store\":\"S$((i % 9))\"}" >/dev/null
done
stop_slad

RANDOM=7  # the same moments every run
reloads_survived=0 stops_clean=0
for round in $(seq 24); do
    delay=$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", r % 400 / 1000 }')  # 0 to 0.4 s after exec
    signal=$([[ $((round % 2)) == 0 ]] && echo HUP || echo TERM)
    "$SLAD" --policy "$FIXTURES/fast.toml" --state-dir "$TEST_TMP/state" --socket "$TEST_TMP/state/slad.sock" \
        2>>"$TEST_TMP/slad.log" &
    SLAD_PID=$!
    _SLAD_PIDS+=("$SLAD_PID")
    # From slad's first own instruction on (its signals blocked: SigBlk has bits 1, 2 and 15);
    # before that the kernel and the dynamic loader are still setting the process up.
    for _ in $(seq 400); do
        mask=$(awk '/^SigBlk:/ { print $2 }' /proc/"$SLAD_PID"/status 2>/dev/null || true)
        [[ -n "$mask" ]] && (((16#$mask & 0x4003) == 0x4003)) && break
        sleep 0.005
    done
    sleep "$delay"
    kill -"$signal" "$SLAD_PID"
    if [[ $signal == HUP ]]; then
        # Still there, and serving: then a stop ends it cleanly.
        if wait_ready "$TEST_TMP/state/slad.sock" 10 && kill -0 "$SLAD_PID" 2>/dev/null; then
            reloads_survived=$((reloads_survived + 1))
        else
            fail "round $round: SIGHUP $delay s after start: slad died or did not serve"
        fi
    fi
    rc=0
    stop_slad 10 || rc=$?
    if [[ $rc == 0 ]]; then
        stops_clean=$((stops_clean + 1))
    else
        fail "round $round: SIG$signal $delay s after start, then SIGTERM: exit status $rc (124: still running after 10 s)"
    fi
done
check_eq "every SIGHUP during start-up left slad running and serving" 12 "$reloads_survived"
check_eq "every SIGTERM during start-up (or after a reload) ended slad with status 0 within 10 s" 24 "$stops_clean"
check "nothing crashed" bash -c "! grep -qE 'Fatal error|Assertion|Segmentation' '$TEST_TMP/slad.log'"

summary
