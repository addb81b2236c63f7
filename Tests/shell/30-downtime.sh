#!/usr/bin/env bash
# Downtime: a fast case's deadline and escalations fall due while slad is stopped. On restart the
# entries that fell due are written once, late (and say so); a further restart writes nothing again.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init downtime

STATE=$TEST_TMP/state
start_slad "$STATE" "$FIXTURES/fast.toml"

# P: paused right away, and so through the downtime.
req POST /v1/cases '{"kind":"fast","store":"S05"}'
P=$(jget "$BODY" 'd["id"]')
req POST "/v1/cases/$P/events" '{"kind":"hold"}'
check_eq "P is paused before the stop" paused "$(jget "$BODY" 'd["clocks"][0]["status"]')"

# A: opened last, then SIGTERM at once; its deadline (2 s) falls in the 4 s downtime.
req POST /v1/cases '{"kind":"fast","store":"S01"}'
A_STATUS=$STATUS A_BODY=$BODY
STOP_AT=$(now_ms)
rc=0; stop_slad || rc=$?
STOPPED_AT=$(now_ms)
STATUS=$A_STATUS BODY=$A_BODY
check_status "open the fast case A" 201
A=$(jget "$BODY" 'd["id"]')
A_OPENED=$(iso_to_ms "$(jget "$BODY" 'd["opened_at"]')")
check_eq "slad stops cleanly on SIGTERM right away" 0 "$rc"
check_py "slad was down before A's deadline (stopped $((STOPPED_AT - A_OPENED)) ms after opening A)" \
    "$STOPPED_AT < $((A_OPENED + 2000))"
check_eq "nothing was written before the stop that was not due by then" 0 \
    "$(sql "SELECT COUNT(*) FROM escalations WHERE case_id = '$A' AND due_at > $STOPPED_AT")"

sleep_until $((STOP_AT + 4000))
RESTART_AT=$(now_ms)
start_slad "$STATE" "$FIXTURES/fast.toml"
READY_AT=$(now_ms)
# The log's wording may change; what it must say: how many cases, how many entries written late.
RECOVERED=$(grep 'recovered [0-9]* cases' "$SLAD_LOG" | tail -1)
check_match "the restart reports the entries it wrote late" \
    'recovered 2 cases.* [0-9]+ entries .*written late \(max [0-9]+ ms\)' "$RECOVERED"
LATE_COUNT=$(echo "$RECOVERED" | sed -n 's/.* \([0-9][0-9]*\) entries .*/\1/p')
DOWN_DUE=$(sql "SELECT COUNT(*) FROM escalations WHERE case_id = '$A' AND due_at > $STOPPED_AT AND due_at <= $RESTART_AT")
check_py "the log counts at least the $DOWN_DUE entries that fell due in the downtime ($LATE_COUNT)" \
    "$LATE_COUNT >= $DOWN_DUE >= 2"

# id|tier|kind|due_at|written_at|late_ms, in order
ROWS=$(sql "SELECT id, tier, kind, due_at, written_at, late_ms FROM escalations WHERE case_id = '$A' ORDER BY id")
echo "# after the restart: $(echo "$ROWS" | tr '\n' ' ')"
field() { echo "$ROWS" | awk -F'|' -v t="$1" -v c="$2" '$2 == t {print $c}'; }
for tier in supervisor manager; do
    check_eq "the $tier breach fell due in the downtime and is written once" 1 "$(field "$tier" 1 | wc -l)"
    check_py "the $tier breach is written after the restart ($(field "$tier" 5) >= $RESTART_AT)" "$(field "$tier" 5) >= $RESTART_AT"
    check_py "the $tier breach says it is late: late_ms $(field "$tier" 6) > 1000" "$(field "$tier" 6) > 1000"
done
check_eq "due instants: warning at 1 s, supervisor at 2 s, manager at 3 s" \
    "$((A_OPENED + 1000)) $((A_OPENED + 2000)) $((A_OPENED + 3000))" \
    "$(field desk 4) $(field supervisor 4) $(field manager 4)"
check_eq "late_ms is written_at - due_at for every entry" "" \
    "$(echo "$ROWS" | awk -F'|' '$6 != $5 - $4 {print $2}')"
check_eq "every entry due in the downtime was written after the restart, over 1 s late if due 1 s before it" "" \
    "$(echo "$ROWS" | awk -F'|' -v s="$STOPPED_AT" -v r="$RESTART_AT" \
        '$4 > s && $4 <= r && ($5 < r || ($4 < r - 1000 && $6 <= 1000)) {print $2 ":" $5 ":" $6}')"
check_eq "what fell due in the downtime was written in one batch (one written_at)" 1 \
    "$(echo "$ROWS" | awk -F'|' -v s="$STOPPED_AT" -v r="$RESTART_AT" '$4 > s && $4 <= r {print $5}' | sort -u | wc -l)"
check_py "the supervisor breach's lateness covers the downtime: $(field supervisor 6) >= $((RESTART_AT - A_OPENED - 2000))" \
    "$(field supervisor 6) >= $((RESTART_AT - A_OPENED - 2000))"
check "the log says the breach was written late" grep -Eq "$A .*escalated to supervisor \(written [0-9]+ ms late\)" "$SLAD_LOG"
check_eq "nothing was written before it fell due" "" \
    "$(echo "$ROWS" | awk -F'|' '$4 > $5 {print $2}')"

# P stayed paused through the downtime: nothing written, and "go" gives it what was left.
check_eq "P, paused through the downtime, has no entry" 0 "$(sql "SELECT COUNT(*) FROM escalations WHERE case_id = '$P'")"
req GET "/v1/cases/$P"
check_eq "P is still paused after the restart" paused "$(jget "$BODY" 'd["clocks"][0]["status"]')"
req POST "/v1/cases/$P/events" '{"kind":"go"}'
check_eq "P runs again after go" running "$(jget "$BODY" 'd["clocks"][0]["status"]')"
P_DEADLINE=$(iso_to_ms "$(jget "$BODY" 'd["clocks"][0]["deadline"]')")
P_OPENED=$(iso_to_ms "$(jget "$BODY" 'd["opened_at"]')")
req GET "/v1/cases/$P"
P_HOLD=$(iso_to_ms "$(jget "$BODY" '[e for e in d["events"] if e["kind"]=="hold"][0]["at"]')")
P_GO=$(iso_to_ms "$(jget "$BODY" '[e for e in d["events"] if e["kind"]=="go"][0]["at"]')")
check_eq "P's new deadline is go + what was left before the hold" $((P_GO + 2000 - (P_HOLD - P_OPENED))) "$P_DEADLINE"

req POST /v1/cases '{"kind":"slow","store":"S02"}'
S=$(jget "$BODY" 'd["id"]')
S_DEADLINE=$(jget "$BODY" 'd["clocks"][0]["deadline"]')
req POST /v1/cases '{"kind":"fast","store":"S03"}'
B=$(jget "$BODY" 'd["id"]')
req POST "/v1/cases/$B/events" '{"kind":"done"}'
check_eq "B is met right away" met "$(jget "$BODY" 'd["clocks"][0]["status"]')"

# The rest of the climb, after the restart, on time.
sleep_until $((A_OPENED + 6000))
wait_until 3 test "$(sql "SELECT COUNT(*) FROM escalations WHERE case_id = '$A'")" -ge 5 || true
ROWS=$(sql "SELECT id, tier, kind, due_at, written_at, late_ms FROM escalations WHERE case_id = '$A' ORDER BY id")
check_eq "A: one entry per tier: desk warning, supervisor, manager, head, hq breaches" \
    "desk/warning supervisor/breach manager/breach head/breach hq/breach" \
    "$(echo "$ROWS" | awk -F'|' '{printf "%s%s/%s", (NR > 1 ? " " : ""), $2, $3}')"
check_eq "entries due after the restart were written promptly (late_ms < 1000)" "" \
    "$(echo "$ROWS" | awk -F'|' -v r="$READY_AT" '$4 > r && $6 >= 1000 {print $2 ":" $6}')"
SNAPSHOT=$ROWS

# Stop and start once more (P, resumed, is now climbing through it): nothing is written again for A.
rc=0; stop_slad || rc=$?
check_eq "slad stops cleanly again" 0 "$rc"
SECOND_RESTART=$(now_ms)
start_slad "$STATE" "$FIXTURES/fast.toml"
check_match "the second restart recovered every case" 'recovered 4 cases' \
    "$(grep 'recovered [0-9]* cases' "$SLAD_LOG" | tail -1)"
sleep 1.5
check_eq "A's entries are the same rows as before the second restart" "$SNAPSHOT" \
    "$(sql "SELECT id, tier, kind, due_at, written_at, late_ms FROM escalations WHERE case_id = '$A' ORDER BY id")"
check_eq "since the second restart, entries were written for P alone" "" \
    "$(sql "SELECT DISTINCT case_id FROM escalations WHERE written_at >= $SECOND_RESTART AND case_id != '$P'")"
check_eq "one entry per (case, clock, cycle, tier, kind)" "" \
    "$(sql "SELECT case_id, tier, kind FROM escalations GROUP BY case_id, clock, cycle, tier, kind HAVING COUNT(*) > 1")"
check_eq "the met case B has no entry" 0 "$(sql "SELECT COUNT(*) FROM escalations WHERE case_id = '$B'")"
check_eq "the slow case S has no entry" 0 "$(sql "SELECT COUNT(*) FROM escalations WHERE case_id = '$S'")"
req GET "/v1/cases/$S"
check_eq "S's deadline is unchanged by two restarts" "$S_DEADLINE" "$(jget "$BODY" 'd["clocks"][0]["deadline"]')"
check_eq "S's clock is still running" running "$(jget "$BODY" 'd["clocks"][0]["status"]')"
req GET "/v1/cases/$A"
check_eq "A is overdue, escalated to hq, after the restarts" "True hq breached" \
    "$(jget "$BODY" 'str(d["overdue"]) + " " + str(d["clocks"][0]["escalated_to"]) + " " + d["clocks"][0]["status"]')"

# P, resumed after the first restart and climbing through the second: one entry per tier, on its
# own deadline.
sleep_until $((P_DEADLINE + 3500))
check_eq "P: one entry per tier, due at its moved deadline (warning 1 s before, then every second)" \
    "desk/warning/$((P_DEADLINE - 1000)) supervisor/breach/$P_DEADLINE manager/breach/$((P_DEADLINE + 1000)) head/breach/$((P_DEADLINE + 2000)) hq/breach/$((P_DEADLINE + 3000))" \
    "$(sql "SELECT tier || '/' || kind || '/' || due_at FROM escalations WHERE case_id = '$P' ORDER BY id" | xargs)"
check_eq "one entry per (case, clock, cycle, tier, kind), still" "" \
    "$(sql "SELECT case_id, tier, kind FROM escalations GROUP BY case_id, clock, cycle, tier, kind HAVING COUNT(*) > 1")"
req GET /v1/health
check_eq "health: ok, one running clock (S's; A's and P's have climbed to the top)" "ok 1 $S" \
    "$(jget "$BODY" 'd["status"] + " " + str(d["running_clocks"]) + " " + str(d.get("next_case"))')"
req GET '/v1/cases?overdue=true'
check_eq "the overdue list is A and P (newest first)" "$A,$P" "$(jget "$BODY" '",".join(c["id"] for c in d["cases"])')"

MAX_BEFORE=$(sql "SELECT MAX(CAST(SUBSTR(id, 3) AS INTEGER)) FROM cases")
req POST /v1/cases '{"kind":"slow","store":"S04"}'
check_status "a case can be opened after the restarts" 201
NEW=$(jget "$BODY" 'd["id"]')
check_py "its id is numbered after every earlier case ($NEW after C-$MAX_BEFORE)" "${NEW#C-} > $MAX_BEFORE"
# Case ids are documented as C-1, C-2, ... in opening order; after a restart they skip numbers
# (the next number comes from cases.seq, which SQLite's upsert also advances on every update).
next_id_follows() { check_eq "the case opened after the restarts is C-$((MAX_BEFORE + 1))" "C-$((MAX_BEFORE + 1))" "$NEW"; }
next_id_follows
check_eq "case ids are unique" "$(sql "SELECT COUNT(*) FROM cases")" "$(sql "SELECT COUNT(DISTINCT id) FROM cases")"

rc=0; stop_slad || rc=$?
check_eq "slad stops cleanly at the end" 0 "$rc"
check_eq "PRAGMA integrity_check" ok "$(sql 'PRAGMA integrity_check')"

summary
