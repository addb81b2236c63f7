#!/usr/bin/env bash
# Store errors that a retry does not cure, against a real slad (triggers added with sqlite3 stand
# in for a bug). A refused write is answered 500 store_failed and logged at crit with its statement,
# never its values, and what fell due is still written. When what fell due is refused, slad does not
# retry it every second: health says failed, writes get 500, reads go on; a restart once the store
# is repaired writes what fell due meanwhile.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init store-failure

start_slad "$TEST_TMP/state" "$FIXTURES/fast.toml"
crit_count() { grep -c '^<2>store write failed, not retried' "$SLAD_LOG" || true; }
entry_count() {
    req GET "/v1/escalations?case=$1&limit=1000"
    jget "$BODY" 'len(d["entries"])'
}
health_is() {
    req GET /v1/health
    [[ "$(jget "$BODY" 'd["status"]')" == "$1" ]]
}

# ---- One write the store refuses: 500, logged, and only that write is lost.
req POST /v1/cases '{"kind":"fast","store":"S1"}'
check_status "a case opens" 201
A=$(jget "$BODY" 'd["id"]')
sql "CREATE TRIGGER test_refuse_note BEFORE INSERT ON events WHEN NEW.note = 'refuse me'
     BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
req POST /v1/cases '{"kind":"slow","store":"S1","note":"refuse me","customer":{"name":"Jane Customer","phone":"555-0199"}}'
check_status "a write the store refuses is answered 500 store_failed" 500 store_failed
check_contains "the refusal says what the store said" "refused by the test" "$BODY"
check_eq "logged once at crit" 1 "$(crit_count)"
check_contains "with the statement" "statement: INSERT INTO events" "$(grep '^<2>store write failed' "$SLAD_LOG")"
check_contains "and its kind" "sla_store_error=constraint" "$(grep '^<2>store write failed' "$SLAD_LOG")"
check_eq "never the values: no note, name or phone in the log" 0 \
    "$(grep -c -e 'refuse me' -e 'Jane' -e '555-0199' "$SLAD_LOG" || true)"
check "what falls due is still written" wait_until 5 eval '(( $(entry_count "$A") >= 2 ))'
check "health stays ok" health_is ok
req POST /v1/cases '{"kind":"slow","store":"S1"}'
check_status "other writes are taken" 201

# ---- What falls due is refused: no retry loop, health failed, reads still served.
sql "CREATE TRIGGER test_refuse_entries BEFORE INSERT ON escalations
     BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
req POST /v1/cases '{"kind":"fast","store":"S2"}'
check_status "a case opens (nothing falls due yet)" 201
B=$(jget "$BODY" 'd["id"]')
check "once its warning falls due, health says failed" wait_until 5 health_is failed
check_contains "health names the failure" "refused by the test" "$(jget "$BODY" 'd["store_error"]')"
crits=$(crit_count)
check_contains "the stop is logged at crit" "timers stopped" "$(grep '^<2>store write failed' "$SLAD_LOG" | tail -1)"
sleep 3
check_eq "not retried every second" "$crits" "$(crit_count)"
check_eq "nothing logged as retrying" 0 "$(grep -c 'retrying every' "$SLAD_LOG" || true)"
req POST /v1/cases '{"kind":"slow","store":"S1"}'
check_status "writes are refused with 500" 500 store_failed
check_contains "saying why" "until restarted" "$BODY"
req GET "/v1/cases/$A"
check_status "reads are served" 200
check_eq "B's entries were not written" 0 "$(entry_count "$B")"

# ---- Repaired and restarted: what fell due meanwhile is written, late.
rc=0
stop_slad || rc=$?
check_eq "slad stops cleanly" 0 "$rc"
sql "DROP TRIGGER test_refuse_entries; DROP TRIGGER test_refuse_note;"
start_slad "$TEST_TMP/state" "$FIXTURES/fast.toml"
check "health is ok again" health_is ok
check_py "B's entries are written on start" "$(entry_count "$B") >= 2"

summary
