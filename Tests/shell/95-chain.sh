#!/usr/bin/env bash
# A store in the chain (issue 19), against a real PostgreSQL started here: the real slad ships its
# outbox to HQ. (a) A month of cases entered before [hq] was set, then [hq] added by a reload (the
# backfill) and more cases after:
# HQ's cases equal the store's, row for row (ids, status, next due, each clock's state), and so do
# the events and queue entries. (b) PostgreSQL stopped for CHAIN_OUTAGE_S (60) seconds while a
# client keeps recording events: no write refused, health says failing, then the backlog drains
# and nothing is missing or doubled at HQ. (c) slad SIGKILLed CHAIN_KILLS (10) times while events
# flow, and restarted: HQ ends with every seq 1..N once and exactly the store's rows.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/lib-postgres.bash"
test_init chain

OUTAGE_S=${CHAIN_OUTAGE_S:-60}
KILLS=${CHAIN_KILLS:-10}
DAYS=${CHAIN_DAYS:-30}
PER_DAY=${CHAIN_PER_DAY:-10}
WORK=$TEST_TMP/work
STATE=$TEST_TMP/state
mkdir -p "$WORK"

start_postgres
PG_DB=chain
pg_sql "CREATE DATABASE $PG_DB"
HQ_URL="postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"
# The server again after stop_postgres, on the same data (lib-postgres.bash restarts only at once).
start_postgres_again() {
    _pg_as_owner "$_PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null
}
check "slactl hq migrate" "$SLACTL" hq migrate --url "$HQ_URL" --password-file "$PG_PASSWORD_FILE"
printf 'store-s01-secret\n' >"$WORK/hq-password"
chmod 600 "$WORK/hq-password"
check "slactl hq add-store S01" "$SLACTL" hq add-store S01 --url "$HQ_URL" --admin-password-file "$PG_PASSWORD_FILE" \
    --password-file "$WORK/hq-password"

# The fast test policy, where staff may also note things on a case (an event that changes no
# clock: the clients of (b) and (c) record many); without and with [hq].
PLAIN=$WORK/plain.toml
sed -e 's/^events = \["done"\]$/events = ["done", "noted"]/' \
    -e 's/^events = \["done", "hold", "go"\]$/events = ["done", "hold", "go", "noted"]/' "$FIXTURES/fast.toml" >"$PLAIN"
check_eq "the test policy lets both kinds take notes" 2 "$(grep -c '"noted"' "$PLAIN")"
POLICY=$WORK/policy.toml
cp "$PLAIN" "$POLICY"
cat >>"$POLICY" <<EOF

[hq]
url = "postgres://slad_store_s01@127.0.0.1:$PG_PORT/$PG_DB"
password-file = "$WORK/hq-password"
tls = "disable"
store-id = "S01"
batch-size = 200
warn-backlog-seconds = 20
EOF
# hq SQL: one row a line, columns by '|', as HQ's admin.
hq() { pg_sql "$1" "$PG_DB"; }

# The store's rows and HQ's, in the same text form, for a diff.
store_cases() { sql "SELECT id, status, coalesce(next_due, '') FROM cases ORDER BY id"; }
hq_cases() {
    hq "SELECT case_id, status, coalesce(next_due::text, '') FROM hq_cases WHERE store_id = 'S01' ORDER BY case_id"
}
store_events() { sql "SELECT seq, case_id, kind, at FROM events ORDER BY seq"; }
hq_events() {
    hq "SELECT event_seq, case_id, kind, (extract(epoch FROM at) * 1000)::bigint FROM hq_events
        WHERE store_id = 'S01' ORDER BY event_seq"
}
store_entries() {
    sql "SELECT id, case_id, tier, kind, state, coalesce(acked_by, '') FROM escalations ORDER BY id"
}
hq_entries() {
    hq "SELECT entry_id, case_id, tier, kind, state, coalesce(acked_by, '') FROM hq_entries
        WHERE store_id = 'S01' ORDER BY entry_id"
}
# Each case's clocks as the store shows them (export) and as HQ keeps them (state JSONB): name,
# status and deadline in milliseconds, one line per case.
store_clocks() {
    curl -s --unix-socket "$SLAD_SOCK" "http://slad/v1/export?from=2000-01-01&to=2100-01-01" | python3 -c '
import json, sys, datetime
def ms(t): return None if t is None else round(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000)
for line in sys.stdin:
    c = json.loads(line)
    print(c["id"], c["status"], sorted((k["name"], k["status"], ms(k.get("deadline"))) for k in c["clocks"]))
' | sort
}
hq_clocks() {
    hq "SELECT state FROM hq_cases WHERE store_id = 'S01'" | python3 -c '
import json, sys, datetime
def ms(t): return None if t is None else round(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000)
for line in sys.stdin:
    c = json.loads(line)
    print(c["opening"]["id"], c["status"], sorted((k["name"], k["status"], ms(k.get("deadline"))) for k in c["clocks"]))
' | sort
}
# The same from the report's rows (hq_case_facts, hq_clocks), which PostgreSQL derives from each
# case snapshot: what HQ's report counts.
store_report_clocks() { store_clocks; }
hq_report_clocks() {
    hq "SELECT f.case_id, f.status, k.clock, k.status, coalesce((extract(epoch FROM k.deadline) * 1000)::bigint::text, '')
        FROM hq_case_facts f LEFT JOIN hq_clocks k USING (store_id, case_id) WHERE f.store_id = 'S01'" | python3 -c '
import sys
cases = {}
for line in sys.stdin:
    case, status, name, clock_status, deadline = line.rstrip("\n").split("|")
    clocks = cases.setdefault((case, status), [])
    if name:
        clocks.append((name, clock_status, int(deadline) if deadline else None))
for (case, status), clocks in cases.items():
    print(case, status, sorted(clocks))
' | sort
}

# same NAME: the store's cases, clocks, events and entries equal HQ's.
same() {
    local what
    for what in cases clocks report_clocks events entries; do
        "store_$what" >"$WORK/store.$what"
        "hq_$what" >"$WORK/hq.$what"
        if cmp -s "$WORK/store.$what" "$WORK/hq.$what"; then
            pass "$1: HQ's $what equal the store's ($(wc -l <"$WORK/store.$what") rows)"
        else
            fail "$1: HQ's $what equal the store's" "$(diff "$WORK/store.$what" "$WORK/hq.$what" | head -8)"
        fi
    done
}

health_field() {
    req GET /v1/health
    jget "$BODY" "d.get('replication', {}).get('$1')"
}
# drained [SECONDS]: true once health says nothing waits and HQ has the store's last seq.
drained() {
    local limit=${1:-60}
    local deadline=$(($(now_ms) + limit * 1000))
    while (($(now_ms) < deadline)); do
        local rows last hq_last
        rows=$(health_field backlog_rows)
        last=$(sql "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)")
        hq_last=$(hq "SELECT coalesce((SELECT last_seq FROM hq_stores WHERE store_id = 'S01'), -1)")
        [[ $rows == 0 && $last == "$hq_last" ]] && return 0
        sleep 0.2
    done
    return 1
}
# every_seq_once: hq_changes holds each seq 1..N once, N the store's last.
every_seq_once() {
    local last counts
    last=$(sql "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")
    counts=$(hq "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM hq_changes WHERE store_id = 'S01'")
    check_eq "$1: hq_changes holds every seq 1..$last once" "$last|$last|1|$last" "$counts"
}

# MARK: (a) a month of cases, entered before [hq] was set, then replicated

start_slad "$STATE" "$PLAIN"
now=$(date +%s)
for day in $(seq "$DAYS" -1 1); do
    for i in $(seq 1 "$PER_DAY"); do
        at=$(date -u -d "@$((now - day * 86400 + i * 600))" +%Y-%m-%dT%H:%M:%SZ)
        kind=fast
        ((i % 3 == 0)) && kind=slow
        req POST /v1/cases "{\"kind\":\"$kind\",\"store\":\"S01\",\"opened_at\":\"$at\"}"
        [[ $STATUS == 201 ]] || { fail "opening a case of day -$day" "$STATUS $BODY"; break 2; }
        [[ $BODY =~ \"id\":\"(C-[0-9]+)\" ]] && id=${BASH_REMATCH[1]}
        ((i % 2 == 0)) && req POST "/v1/cases/$id/events" '{"kind":"done","actor":"desk"}'
        ((i % 5 == 0)) && req POST "/v1/cases/$id/events" '{"kind":"resolved"}'
    done
done
pass "$((DAYS * PER_DAY)) cases of $DAYS days entered without [hq]"
check_eq "without [hq] the outbox stays empty" 0 "$(sql 'SELECT count(*) FROM outbox')"
# Some entries acknowledged, so HQ sees acknowledgements too.
for id in $(sql "SELECT id FROM escalations WHERE tier = 'hq' ORDER BY id LIMIT 20"); do
    req POST "/v1/escalations/$id/ack" '{"actor":"amy"}'
done
# [hq] added and slad reloaded: the outbox turns on with the store's history, the replicator starts.
cp "$POLICY" "$PLAIN"
kill -HUP "$SLAD_PID"
check "a reload that adds [hq] enqueues the store's history" \
    wait_until 10 grep -q "the store's history first" "$SLAD_LOG"
for i in $(seq 1 20); do
    req POST /v1/cases '{"kind":"fast","store":"S01"}'
done
check "the backfill and 20 live cases reach HQ" drained 60
sleep 7  # the live cases' clocks breach and escalate up to hq: entries keep coming
check "the live cases' escalations reach HQ" drained 30
same "a month"
every_seq_once "a month"
check_eq "health: replication ok" ok "$(health_field state)"
check_eq "health: nothing waits" 0 "$(health_field backlog_rows)"
check_match "slactl health shows replication" "^replication: ok, store S01 at postgres://slad_store_s01@127.0.0.1:$PG_PORT/$PG_DB, 0 changes behind" \
    "$("$SLACTL" health --socket "$SLAD_SOCK" 2>&1 | grep '^replication:' || true)"

# MARK: (b) PostgreSQL down for a minute while the store keeps taking events

ids=($(sql "SELECT id FROM cases WHERE status = 'open' ORDER BY id LIMIT 50"))
client() {
    local n=0 id status
    while [[ ! -e "$WORK/stop" ]]; do
        id=${ids[$((n % ${#ids[@]}))]}
        n=$((n + 1))
        status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$SLAD_SOCK" \
            -H 'Content-Type: application/json' --data-binary '{"kind":"noted","actor":"client"}' \
            "http://slad/v1/cases/$id/events") || status=000
        echo "$status" >>"$WORK/outage.statuses"
        sleep 0.05
    done
}
req POST "/v1/cases/${ids[0]}/events" '{"kind":"noted","actor":"probe"}'
check_match "a note is accepted" "^20[01]$" "$STATUS"
rm -f "$WORK/stop" "$WORK/outage.statuses"
client &
CLIENT=$!
track_bg "$CLIENT"
sleep 2
stop_postgres
outage_start=$(now_ms)
failing=""
for _ in $(seq 1 100); do
    [[ $(health_field state) == failing ]] && { failing=1; break; }
    sleep 0.2
done
check_eq "health says failing while PostgreSQL is down" 1 "$failing"
sleep_until $((outage_start + OUTAGE_S * 1000))
behind=$(health_field backlog_rows)
check_py "changes wait in the outbox during the outage ($behind)" "$behind > 0"
if ((OUTAGE_S > 20)); then
    check_eq "health says behind once the backlog is older than warn-backlog-seconds" behind "$(health_field state)"
    req GET /v1/health
    check_eq "... and degraded" degraded "$(jget "$BODY" 'd["status"]')"
fi
start_postgres_again
sleep 2
touch "$WORK/stop"
wait "$CLIENT" || true
untrack "$CLIENT"
total=$(wc -l <"$WORK/outage.statuses")
refused=$(grep -cv '^20[01]$' "$WORK/outage.statuses" || true)
check_eq "no write refused locally during the outage ($total writes)" 0 "$refused"
check "after PostgreSQL is back the backlog drains" drained 120
check_eq "the outage was logged once" 1 "$(grep -c 'replication to HQ .* failing' "$SLAD_LOG" || true)"
check_contains "the recovery was logged with what was shipped" "recovered after" "$(cat "$SLAD_LOG")"
same "after the outage"
every_seq_once "after the outage"

# MARK: (c) SIGKILL mid-batch, many times, while events flow

rm -f "$WORK/stop"
post_event() {
    local id=$1 key=$2 status
    while [[ ! -e "$WORK/stop" ]]; do
        status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket "$SLAD_SOCK" \
            -H 'Content-Type: application/json' \
            --data-binary "{\"kind\":\"noted\",\"actor\":\"k\",\"idempotency_key\":\"$key\"}" \
            "http://slad/v1/cases/$id/events" 2>/dev/null) || status=000
        [[ $status == 20? ]] && return 0
        [[ $status == 000 || $status == 503 ]] || { echo "$status" >>"$WORK/kill.refused"; return 1; }
        sleep 0.05
    done
}
kill_client() {
    local n=0
    while [[ ! -e "$WORK/stop" ]]; do
        n=$((n + 1))
        post_event "${ids[$((n % ${#ids[@]}))]}" "k$n" || true
    done
}
kill_client &
CLIENT=$!
track_bg "$CLIENT"
for k in $(seq 1 "$KILLS"); do
    sleep "0.$((3 + RANDOM % 7))"
    kill_slad
    start_slad "$STATE" "$POLICY"
done
touch "$WORK/stop"
wait "$CLIENT" || true
untrack "$CLIENT"
check_eq "no write refused while slad was killed $KILLS times" 0 "$(cat "$WORK/kill.refused" 2>/dev/null | wc -l)"
check "after $KILLS kills the backlog drains" drained 60
same "after $KILLS kills"
every_seq_once "after $KILLS kills"
check_eq "the store is sound" ok "$(sql 'PRAGMA integrity_check')"

summary
