#!/usr/bin/env bash
# The API and slactl against a real slad with second-long clocks (fixtures/fast.toml): breach and
# warning entries written once and promptly, the climb through the tiers, met and paused clocks,
# slactl's commands, --json, --follow, ack, exit codes, and the socket's mode.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init api

start_slad "$TEST_TMP/state" "$FIXTURES/fast.toml"
export SLAD_SOCKET=$SLAD_SOCK
export USER=shell-tester
# What the kernel says about us (SO_PEERCRED): slad records it beside the actor a client claims.
PEER="uid $(id -u) ($(id -un))"

check_eq "the socket is born mode 0660" 660 "$(stat -c %a "$SLAD_SOCK")"
check_eq "the store is owner-only (0600)" 600 "$(stat -c %a "$SLAD_DIR/slad.sqlite")"

req GET /v1/health
check_status "health answers 200" 200
check_eq "health says ok" ok "$(jget "$BODY" 'd["status"]')"
check_eq "health's keys" \
    "active_cases now orphaned_cases overdue_cases pending_entries running_clocks status version" \
    "$(jget "$BODY" '" ".join(sorted(d))')"

# entries CASE: the queue entries of a case, as JSON.
entries() {
    req GET "/v1/escalations?case=$1&limit=1000"
    printf '%s' "$BODY"
}
# entry_count CASE [PYTHON_FILTER on e]
entry_count() {
    jget "$(entries "$1")" "len([e for e in d['entries'] if (${2:-True})])"
}

# ---- Three fast cases opened together: A left to escalate, B met in time, C paused and resumed.
# Opened and acted on first, checked after: the checks take time on a loaded machine.
req POST /v1/cases '{"kind":"fast","store":"S01","category":"facilities","channel":"phone","actor":"till-1"}'
A_STATUS=$STATUS A_BODY=$BODY
A=$(jget "$BODY" 'd["id"]')
req POST /v1/cases '{"kind":"fast","store":"S02"}'
B=$(jget "$BODY" 'd["id"]')
req POST /v1/cases '{"kind":"fast","store":"S03"}'
C=$(jget "$BODY" 'd["id"]')
C_DEADLINE_BEFORE=$(iso_to_ms "$(jget "$BODY" 'd["clocks"][0]["deadline"]')")
req POST "/v1/cases/$C/events" '{"kind":"hold"}'
HOLD_AT=$(now_ms)
C_HOLD_STATUS=$STATUS C_HOLD_BODY=$BODY
C_SHOW_PAUSED=$("$SLACTL" show "$C")
req POST "/v1/cases/$B/events" '{"kind":"done","actor":"desk-1","note":"sorted out"}'
B_DONE_STATUS=$STATUS B_DONE_BODY=$BODY
# C: resume ("go") 2 s after the hold; the deadline moves by the time it was paused.
sleep_until $((HOLD_AT + 2000))
req POST "/v1/cases/$C/events" '{"kind":"go"}'
C_GO_STATUS=$STATUS C_GO_BODY=$BODY

STATUS=$A_STATUS BODY=$A_BODY
check_status "open answers 201" 201
check_match "the case id looks like C-N" '^C-[0-9]+$' "$A"
check_eq "a new case is not a replay" false "$(jget "$BODY" 'd.get("replayed")')"
# The answer's keys are the API's contract (spelled out in Views.swift, not converted).
check_eq "a case answer's keys" \
    "category channel clocks id kind next_due opened_at overdue replayed status store" \
    "$(jget "$BODY" '" ".join(sorted(d))')"
check_eq "a clock's keys" \
    "calendar cycle deadline name started_at status target time_left_ms title used" \
    "$(jget "$BODY" '" ".join(sorted(d["clocks"][0]))')"
check_eq "its clock is quick, running" "quick running" "$(jget "$BODY" 'd["clocks"][0]["name"] + " " + d["clocks"][0]["status"]')"
A_OPENED=$(iso_to_ms "$(jget "$BODY" 'd["opened_at"]')")
A_DEADLINE=$(iso_to_ms "$(jget "$BODY" 'd["clocks"][0]["deadline"]')")
check_eq "the deadline is 2 s after opening" 2000 $((A_DEADLINE - A_OPENED))
LEFT=$(jget "$BODY" 'd["clocks"][0]["time_left_ms"]')
check_py "time_left_ms is just under 2 s" "1000 < $LEFT <= 2000"
check_eq "three distinct case ids" 3 "$(printf '%s\n' "$A" "$B" "$C" | sort -u | wc -l)"
STATUS=$C_HOLD_STATUS BODY=$C_HOLD_BODY
check_status "hold on C answers 200" 200
check_eq "C's clock is paused, without a deadline" "paused None" \
    "$(jget "$BODY" 'd["clocks"][0]["status"] + " " + str(d["clocks"][0].get("deadline"))')"
LEFT=$(jget "$BODY" 'd["clocks"][0].get("time_left_ms")')
check_py "a paused clock says the open time it has left (time_left_ms $LEFT)" "0 < $LEFT <= 2000"
check_match "slactl show says how long a paused clock has left" 'quick +paused +2s +- +[01]s left \(paused\)' \
    "$C_SHOW_PAUSED"

STATUS=$B_DONE_STATUS BODY=$B_DONE_BODY
check_status "done on B answers 200" 200
check_eq "B's clock is met" met "$(jget "$BODY" 'd["clocks"][0]["status"]')"
check_match "B's clock has satisfied_at" '^20' "$(jget "$BODY" 'd["clocks"][0]["satisfied_at"]')"
B_MET_AFTER=$(($(iso_to_ms "$(jget "$BODY" 'd["clocks"][0]["satisfied_at"]')") - $(iso_to_ms "$(jget "$BODY" 'd["opened_at"]')")))
check_py "B was met before its deadline (after $B_MET_AFTER ms)" "0 <= $B_MET_AFTER < 2000"

STATUS=$C_GO_STATUS BODY=$C_GO_BODY
check_status "go on C answers 200" 200
check_eq "C's clock runs again" running "$(jget "$BODY" 'd["clocks"][0]["status"]')"
C_DEADLINE_AFTER=$(iso_to_ms "$(jget "$BODY" 'd["clocks"][0]["deadline"]')")
req GET "/v1/cases/$C"
C_HOLD_AT=$(iso_to_ms "$(jget "$BODY" '[e for e in d["events"] if e["kind"]=="hold"][0]["at"]')")
C_GO_AT=$(iso_to_ms "$(jget "$BODY" '[e for e in d["events"] if e["kind"]=="go"][0]["at"]')")
SHIFT=$((C_DEADLINE_AFTER - C_DEADLINE_BEFORE))
check_eq "the deadline moved by exactly the pause (go - hold)" $((C_GO_AT - C_HOLD_AT)) "$SHIFT"
check_py "the deadline moved ~2 s later (shift $SHIFT ms)" "1900 <= $SHIFT <= 3500"
check_eq "C's events are opened, hold, go" "opened hold go" "$(jget "$BODY" '" ".join(e["kind"] for e in d["events"])')"

# ---- A's warning at 1 s to desk, then its breach at 2 s to supervisor, each written once and promptly.
has_entry() { [[ "$(entry_count "$1" "$2")" -ge 1 ]]; }
check "A's warning is written" wait_until 5 has_entry "$A" "e['kind']=='warning'"
J=$(entries "$A")
check_eq "one warning, to desk" "desk" "$(jget "$J" '",".join(e["tier"] for e in d["entries"] if e["kind"]=="warning")')"
check_eq "the warning was due at 50% (1 s)" $((A_OPENED + 1000)) \
    "$(iso_to_ms "$(jget "$J" '[e for e in d["entries"] if e["kind"]=="warning"][0]["due_at"]')")"
check_py "the warning was written promptly (late_ms < 1000)" \
    "0 <= $(jget "$J" '[e for e in d["entries"] if e["kind"]=="warning"][0]["late_ms"]') < 1000"


check "A's breach is written" wait_until 5 has_entry "$A" "e['kind']=='breach'"
J=$(entries "$A")
check_eq "exactly one breach entry to supervisor" "supervisor" \
    "$(jget "$J" '",".join(e["tier"] for e in d["entries"] if e["kind"]=="breach" and e["tier"]=="supervisor")')"
SUP=$(jget "$J" '[e for e in d["entries"] if e["tier"]=="supervisor"][0]')
check_eq "the breach was due at the deadline" "$A_DEADLINE" "$(iso_to_ms "$(jget "$SUP" 'd["due_at"]')")"
check_py "the breach was written promptly (late_ms $(jget "$SUP" 'd["late_ms"]') < 1000)" \
    "0 <= $(jget "$SUP" 'd["late_ms"]') < 1000"
check_eq "the breach entry says clock quick, cycle 1, pending" "quick 1 pending" \
    "$(jget "$SUP" 'd["clock"] + " " + str(d["cycle"]) + " " + d["state"]')"
req GET "/v1/cases/$A"
check_eq "A is overdue, escalated to supervisor or above, clock breached" "True breached" \
    "$(jget "$BODY" 'str(d["overdue"]) + " " + d["clocks"][0]["status"]')"
check_py "A's late_by_ms is positive" "$(jget "$BODY" 'd["clocks"][0].get("late_by_ms", -1)') > 0"

# B, met in time: never breached (nor warned, when met before 1 s); its clock stays met.
check_eq "B (met in time) has no breach entry" 0 "$(entry_count "$B" "e['kind']=='breach'")"
if ((B_MET_AFTER < 1000)); then
    check_eq "B (met before 50%) has no warning either" 0 "$(entry_count "$B")"
fi
req GET "/v1/cases/$B"
check_eq "B's clock is still met, B is not overdue" "met False" \
    "$(jget "$BODY" 'd["clocks"][0]["status"] + " " + str(d["overdue"])')"

# ---- slactl
OUT=$("$SLACTL" open --socket "$SLAD_SOCK" --kind slow --store S10 --category other)
check_match "slactl open prints the new id" '^C-[0-9]+$' "$OUT"
S=$OUT
OUT=$("$SLACTL" open --kind slow --store S11 --json)
check "slactl open --json prints valid JSON" is_json "$OUT"
check_eq "slactl open --json is the case, kind slow" slow "$(jget "$OUT" 'd["kind"]')"
S2=$(jget "$OUT" 'd["id"]')
req GET "/v1/cases/$S2"
check_eq "slactl open records \$USER as the actor, with the peer's uid" "shell-tester via $PEER" "$(jget "$BODY" 'd["events"][0]["actor"]')"

OUT=$("$SLACTL" event "$S" done --note "called back")
check_contains "slactl event prints the case with its clock met" met "$OUT"
OUT=$("$SLACTL" show "$S")
check_contains "slactl show prints the case id" "$S" "$OUT"
check_contains "slactl show prints the clock" long "$OUT"
check_contains "slactl show prints the events, with the note" "called back" "$OUT"
OUT=$("$SLACTL" show "$S" --json)
check_eq "slactl show --json: events opened, done" "opened done" "$(jget "$OUT" '" ".join(e["kind"] for e in d["events"])')"

OUT=$("$SLACTL" list)
check_contains "slactl list shows A" "$A " "$OUT"
check_contains "slactl list shows S" "$S " "$OUT"
OUT=$("$SLACTL" list --overdue --json)
check "slactl list --json prints valid JSON" is_json "$OUT"
check_eq "slactl list --overdue lists A and not B or S" "True False False" \
    "$(jget "$OUT" '" ".join(str(x in [c["id"] for c in d["cases"]]) for x in ["'"$A"'", "'"$B"'", "'"$S"'"])')"

OUT=$("$SLACTL" escalations --json)
check "slactl escalations --json prints valid JSON" is_json "$OUT"
check_py "slactl escalations --json lists A's entries" \
    "$(jget "$OUT" 'len([e for e in d["entries"] if e["case_id"]=="'"$A"'"])') >= 2"
OUT=$("$SLACTL" escalations --tier supervisor)
check_contains "slactl escalations --tier supervisor lists A's breach" "$A " "$OUT"
check_eq "slactl escalations --tier desk lists no supervisor entry" "" \
    "$("$SLACTL" escalations --tier desk --json | python3 -c 'import json,sys; print(",".join(e["tier"] for e in json.load(sys.stdin)["entries"] if e["tier"]!="desk"))')"

SUP_ID=$(jget "$SUP" 'd["id"]')
OUT=$("$SLACTL" ack "$SUP_ID" --actor alice)
check_contains "slactl ack says who acknowledged" "acknowledged by alice" "$OUT"
J=$(entries "$A")
check_eq "the ack is recorded: state and actor" "acknowledged alice via $PEER" \
    "$(jget "$J" '[e["state"] + " " + e["acked_by"] for e in d["entries"] if e["id"]=='"$SUP_ID"'][0]')"
check_match "the ack is recorded: acked_at" '^20' "$(jget "$J" '[e.get("acked_at") for e in d["entries"] if e["id"]=='"$SUP_ID"'][0]')"
"$SLACTL" ack "$SUP_ID" --actor bob >/dev/null
req GET "/v1/escalations?case=$A"
check_eq "a second ack keeps the first actor" "alice via $PEER" \
    "$(jget "$BODY" '[e["acked_by"] for e in d["entries"] if e["id"]=='"$SUP_ID"'][0]')"
WARN_ID=$(jget "$J" '[e["id"] for e in d["entries"] if e["kind"]=="warning"][0]')
"$SLACTL" ack "$WARN_ID" >/dev/null
req GET "/v1/escalations?case=$A"
check_eq "slactl ack without --actor records \$USER" "shell-tester via $PEER" \
    "$(jget "$BODY" '[e["acked_by"] for e in d["entries"] if e["id"]=='"$WARN_ID"'][0]')"
OUT=$("$SLACTL" escalations --pending --json)
check_eq "acknowledged entries are not pending" "[]" \
    "$(jget "$OUT" '[e["id"] for e in d["entries"] if e["id"] in ('"$SUP_ID"', '"$WARN_ID"')]')"
req GET "/v1/escalations?state=pending&case=$A"
check_eq "the API's state=pending agrees" "[]" \
    "$(jget "$BODY" '[e["id"] for e in d["entries"] if e["id"] in ('"$SUP_ID"', '"$WARN_ID"')]')"

OUT=$("$SLACTL" health)
check_contains "slactl health says ok" "status: ok" "$OUT"

# Exit codes: 0 ok, 1 refused, 2 usage, 3 unreachable.
rc=0; "$SLACTL" health >/dev/null 2>&1 || rc=$?
check_eq "slactl exit 0 when it worked" 0 "$rc"
rc=0; ERR=$("$SLACTL" event C-999999 done 2>&1) || rc=$?
check_eq "slactl exit 1 when slad refuses (unknown case)" 1 "$rc"
check_contains "the refusal names the code" unknown_case "$ERR"
rc=0; "$SLACTL" event "$A" explode >/dev/null 2>&1 || rc=$?
check_eq "slactl exit 1 when slad refuses (unknown event kind)" 1 "$rc"
rc=0; "$SLACTL" open --store S1 >/dev/null 2>&1 || rc=$?
check_eq "slactl exit 2 on a usage error (missing --kind)" 2 "$rc"
rc=0; "$SLACTL" ack not-a-number >/dev/null 2>&1 || rc=$?
check_eq "slactl exit 2 on a usage error (bad entry id)" 2 "$rc"
rc=0; ERR=$("$SLACTL" open --kind slow --store S1 --opened-at yesterday 2>&1) || rc=$?
check_eq "slactl exit 2 on a time it cannot read (checked before anything is sent)" 2 "$rc"
check_contains "the usage error names the option and the time" "--opened-at: 'yesterday'" "$ERR"
rc=0; "$SLACTL" health --socket "$TEST_TMP/nobody-here.sock" >/dev/null 2>&1 || rc=$?
check_eq "slactl exit 3 when slad is unreachable" 3 "$rc"

# escalations --follow --json prints an entry written after it started.
FOLLOW_OUT=$TEST_TMP/follow.out
before_max=$(sql "SELECT COALESCE(MAX(id), 0) FROM escalations")
timeout 20 "$SLACTL" escalations --follow --json >"$FOLLOW_OUT" 2>"$TEST_TMP/follow.err" &
FOLLOW_PID=$!
track_bg "$FOLLOW_PID"
# Its first answer lists the entries written so far: wait for it, so that it is really following.
lines_at_least() { [[ $(wc -l <"$FOLLOW_OUT") -ge $1 ]]; }
check "the follower prints the entries already written" wait_until 5 lines_at_least "$before_max"
req POST /v1/cases '{"kind":"fast","store":"S20"}'
F=$(jget "$BODY" 'd["id"]')
F_OPENED=$(iso_to_ms "$(jget "$BODY" 'd["opened_at"]')")
follower_saw_f() { grep -q "\"case_id\":\"$F\"" "$FOLLOW_OUT"; }
check "the follower prints F's warning, written after it started" wait_until 6 follower_saw_f
stop_bg "$FOLLOW_PID"
check "every line the follower printed is a JSON object" json_lines "$FOLLOW_OUT"
check_eq "the follower printed each entry once" "$(wc -l <"$FOLLOW_OUT")" "$(sort -u "$FOLLOW_OUT" | wc -l)"
check_py "F's entry has an id above those written before the follower started" \
    "$(grep "\"case_id\":\"$F\"" "$FOLLOW_OUT" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') > $before_max"

# ---- The climb: after 5 s A told supervisor, manager, head, hq, once each, and nothing more.
sleep_until $((A_OPENED + 6500))
J=$(entries "$A")
check_eq "A's entries: desk warning, then supervisor, manager, head, hq breaches" \
    "desk/warning supervisor/breach manager/breach head/breach hq/breach" \
    "$(jget "$J" '" ".join(e["tier"] + "/" + e["kind"] for e in d["entries"])')"
check_eq "the breaches fell due one second apart from the deadline" \
    "$A_DEADLINE $((A_DEADLINE + 1000)) $((A_DEADLINE + 2000)) $((A_DEADLINE + 3000))" \
    "$(for t in $(jget "$J" '" ".join(e["due_at"] for e in d["entries"] if e["kind"]=="breach")'); do iso_to_ms "$t"; done | xargs)"
check_eq "each was written promptly (late_ms < 1000)" "[]" \
    "$(jget "$J" '[e["tier"] + ":" + str(e["late_ms"]) for e in d["entries"] if not 0 <= e["late_ms"] < 1000]')"
COUNT=$(entry_count "$A")
sleep 1.2
check_eq "a second later, nothing more for A (hq is the top)" "$COUNT" "$(entry_count "$A")"
check_eq "the store agrees: 5 rows for A" 5 "$(sql "SELECT COUNT(*) FROM escalations WHERE case_id = '$A'")"
req GET "/v1/cases/$A"
check_eq "A's clock says escalated to hq" hq "$(jget "$BODY" 'd["clocks"][0]["escalated_to"]')"

# C, resumed: its breach fell due at the new deadline, not the first one.
check "C's breach is written after its moved deadline" wait_until 3 has_entry "$C" "e['tier']=='supervisor'"
J=$(entries "$C")
check_eq "C's supervisor breach was due at the moved deadline" "$C_DEADLINE_AFTER" \
    "$(iso_to_ms "$(jget "$J" '[e for e in d["entries"] if e["tier"]=="supervisor"][0]["due_at"]')")"
C_DUES=$(for t in $(jget "$J" '" ".join(e["due_at"] for e in d["entries"])'); do iso_to_ms "$t"; done | xargs)
check_py "C (paused over its first deadline): every entry fell due after the resume ($C_DUES > $C_GO_AT)" \
    "all(t > $C_GO_AT for t in [${C_DUES// /,}]) and len([${C_DUES// /,}]) >= 2"
check_eq "C's warning was due 50% of the budget into it, counting the time before the hold" \
    "$((C_GO_AT + 1000 - (C_HOLD_AT - (C_DEADLINE_BEFORE - 2000))))" \
    "$(iso_to_ms "$(jget "$J" '[e for e in d["entries"] if e["kind"]=="warning"][0]["due_at"]')")"
check_eq "B still has no breach entry" 0 "$(entry_count "$B" "e['kind']=='breach'")"
check_eq "no entry for the slow cases" 0 "$(sql "SELECT COUNT(*) FROM escalations WHERE case_id IN ('$S', '$S2')")"
check_eq "no (case, clock, cycle, tier, kind) written twice" "" \
    "$(sql "SELECT case_id FROM escalations GROUP BY case_id, clock, cycle, tier, kind HAVING COUNT(*) > 1")"

# ---- A follower filtered by tier waits for its tier; it does not spin on other tiers' entries.
sleep_until $((F_OPENED + 5500))  # F has climbed to hq: nothing more is being written
LAST_DESK=$(sql "SELECT MAX(id) FROM escalations WHERE tier = 'desk'")
filtered_long_poll_waits() {
    local t0 took
    t0=$(now_ms)
    req GET "/v1/escalations?tier=desk&after=$LAST_DESK&wait=2"
    took=$(($(now_ms) - t0))
    check_py "escalations?tier=desk&after=$LAST_DESK&wait=2 waits ~2 s for a desk entry: answered $BODY after $took ms" \
        "$took >= 1500"
}
filtered_long_poll_waits

# ---- SIGTERM stops it cleanly, and soon, even with a follower attached.
timeout 40 "$SLACTL" escalations --follow >/dev/null 2>&1 &
FOLLOW_PID=$!
track_bg "$FOLLOW_PID"
sleep 0.5
T0=$(now_ms)
rc=0; stop_slad 40 || rc=$?
TOOK=$(($(now_ms) - T0))
check_eq "slad exits 0 on SIGTERM" 0 "$rc"
check_py "with a follower attached, SIGTERM stops slad within 10 s (took $TOOK ms)" "$TOOK < 10000"
follower_gone() { ! kill -0 "$FOLLOW_PID" 2>/dev/null; }
check "the follower ends when slad stops" wait_until 5 follower_gone
stop_bg "$FOLLOW_PID"
check "slad removes its socket on the way out" test ! -e "$SLAD_SOCK"
check "slad logs that it stopped" grep -q "stopped" "$SLAD_LOG"
rc=0; "$SLACTL" health >/dev/null 2>&1 || rc=$?
check_eq "slactl exit 3 once slad is gone" 3 "$rc"

summary
