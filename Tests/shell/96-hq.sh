#!/usr/bin/env bash
# HQ of a chain of stores, from the command line, against a real PostgreSQL started here:
# `slactl hq migrate` (twice), `add-store` and its login confined to its own rows, `add-reader`,
# `stores` and `lag` (silent stores, exit status for monitoring), and the refusals (a bad URL, a
# wrong password, an HQ that is down).
set -euo pipefail
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/lib-postgres.bash"
test_init hq

start_postgres
pg_sql "CREATE DATABASE slad_hq"
HQ="postgres://postgres@127.0.0.1:$PG_PORT/slad_hq"
ADMIN=(--url "$HQ" --password-file "$PG_PASSWORD_FILE")

# ---- slactl runs slactl-hq for these commands and carries no PostgreSQL client itself (every
# slactl run would pay for its size at start-up).
check_eq "slactl links no PostgresNIO" 0 "$(grep -c -a PostgresNIO "$SLACTL" || true)"
check "slactl-hq is beside slactl" test -x "$(dirname "$SLACTL")/slactl-hq"
OUT=$("$SLACTL" hq --help)
check_contains "slactl hq --help lists slactl-hq's commands" "add-store" "$OUT"
OUT=$("$SLACTL" report --hq "$HQ" --week 2026-W99 2>&1) && rc=0 || rc=$?
check_eq "a bad period through slactl-hq is a usage error (exit 2)" 2 "$rc"
check "... said without slactl-hq's own usage line" bash -c "! grep -q 'slactl hq report' <<<'$OUT'"

# ---- migrate: the schema, then nothing to do
OUT=$("$SLACTL" hq migrate "${ADMIN[@]}")
check_contains "migrate applies the tables" "applied 1 tables" "$OUT"
check_contains "migrate applies roles and row level security" "applied 2 roles and row level security" "$OUT"
check_contains "migrate applies the report's rows" "applied 3 the report's rows (case facts, clocks)" "$OUT"
check_contains "migrate derives the rows of the cases already there" "applied 4 the report's rows of the cases already at HQ" "$OUT"
check_contains "migrate indexes the entries for the report" "applied 5 entries by case, for the report" "$OUT"
OUT=$("$SLACTL" hq migrate "${ADMIN[@]}")
check_contains "a second migrate has nothing to do" "up to date" "$OUT"
check_eq "the steps are recorded" "1,2,3,4,5" "$(pg_sql "SELECT string_agg(version::text, ',' ORDER BY version) FROM hq_schema_migrations" slad_hq)"

# ---- add-store: a login per store
echo "s01-password-1" >"$TEST_TMP/s01.pw"
echo "s02-password-1" >"$TEST_TMP/s02.pw"
ADD=(--url "$HQ" --admin-password-file "$PG_PASSWORD_FILE")
OUT=$("$SLACTL" hq add-store S01 "${ADD[@]}" --password-file "$TEST_TMP/s01.pw")
check_eq "add-store S01" "store S01: login slad_store_s01 added" "$OUT"
"$SLACTL" hq add-store S02 "${ADD[@]}" --password-file "$TEST_TMP/s02.pw" >/dev/null
echo "s01-password-2" >"$TEST_TMP/s01.pw"
OUT=$("$SLACTL" hq add-store S01 "${ADD[@]}" --password-file "$TEST_TMP/s01.pw")
check_eq "add-store again sets a new password" "store S01: login slad_store_s01 password changed" "$OUT"
set +e
OUT=$("$SLACTL" hq add-store "S 01" "${ADD[@]}" --password-file "$TEST_TMP/s01.pw" 2>&1)
CODE=$?
set -e
check_eq "a bad store id exits 1" 1 "$CODE"
check_contains "a bad store id is explained" "bad store id 'S 01'" "$OUT"

# The store's login works with its password, and sees and writes its own rows only.
s01() { PGPASSWORD=s01-password-2 psql -X -q -A -t -h 127.0.0.1 -p "$PG_PORT" -U slad_store_s01 -d slad_hq -c "$1" 2>&1; }
check_eq "S01's login sees its own store only" "S01" "$(s01 "SELECT store_id FROM hq_stores")"
OUT=$(s01 "INSERT INTO hq_cases (store_id, case_id, kind, opened_at, status, state, state_bin, seq) VALUES ('S02', 'C-1', 'k', now(), 'open', '{}', '', 1)" || true)
check_contains "S01's login cannot write S02's rows" "violates row-level security policy" "$OUT"
OUT=$(s01 "INSERT INTO hq_cases (store_id, case_id, kind, opened_at, status, state, state_bin, seq) VALUES ('S01', 'C-1', 'k', now(), 'open', '{}', '', 1)" || true)
check_eq "S01's login writes its own rows" "" "$OUT"
OUT=$(PGPASSWORD=s01-password-1 psql -X -h 127.0.0.1 -p "$PG_PORT" -U slad_store_s01 -d slad_hq -c "SELECT 1" 2>&1 || true)
check_contains "the old password no longer logs in" "password authentication failed" "$OUT"

# ---- add-reader: reads everything, writes nothing
echo "reader-password" >"$TEST_TMP/reader.pw"
OUT=$("$SLACTL" hq add-reader hq_reports "${ADD[@]}" --password-file "$TEST_TMP/reader.pw")
check_eq "add-reader" "reader hq_reports added" "$OUT"
reader() { PGPASSWORD=reader-password psql -X -q -A -t -h 127.0.0.1 -p "$PG_PORT" -U hq_reports -d slad_hq -c "$1" 2>&1; }
check_eq "the reader sees every store" "S01,S02" "$(reader "SELECT string_agg(store_id, ',' ORDER BY store_id) FROM hq_stores")"
OUT=$(reader "DELETE FROM hq_cases" || true)
check_contains "the reader cannot write" "permission denied" "$OUT"

# ---- stores and lag: never heard from is silent; a store in contact is not
set +e
OUT=$("$SLACTL" hq stores "${ADMIN[@]}" 2>"$TEST_TMP/err")
CODE=$?
set -e
check_eq "stores exits 1 while a store is silent" 1 "$CODE"
check_contains "stores has a header" "STORE  LAST SEQ" "$OUT"
check_contains "a store never heard from is silent" "never         SILENT" "$OUT"
check_contains "stores names the silent ones" "2 of 2 stores silent: S01, S02" "$(cat "$TEST_TMP/err")"
pg_sql "INSERT INTO hq_changes (store_id, seq, kind, key, committed_at, received_at, payload)
        VALUES ('S01', 7, 'case', 'C-1', now() - interval '1500 ms', now(), '{}');
        UPDATE hq_stores SET last_seq = 7, last_committed_at = now() - interval '1500 ms',
            last_contact_at = now() - interval '3 s' WHERE store_id = 'S01';
        UPDATE hq_stores SET last_contact_at = now() - interval '20 m' WHERE store_id = 'S02'" slad_hq
set +e
OUT=$("$SLACTL" hq stores "${ADMIN[@]}" --silent-after 15m 2>"$TEST_TMP/err")
CODE=$?
set -e
check_eq "stores still exits 1: S02 is silent" 1 "$CODE"
check_contains "S01 is ok, with its lag" "1.5s     3s ago        ok" "$(grep '^S01' <<<"$OUT")"
check_contains "S02 has been silent 20 minutes" "20m0s ago     SILENT" "$(grep '^S02' <<<"$OUT")"
OUT=$("$SLACTL" hq stores "${ADMIN[@]}" --silent-after 1h)
check_contains "with a longer threshold nobody is silent" "ok" "$(grep '^S02' <<<"$OUT")"
LAG=$("$SLACTL" hq lag "${ADMIN[@]}")
check_py "lag is JSON, one object a store" \
    "__import__('json').loads('''$LAG''')[0]['last_seq'] == 7 and __import__('json').loads('''$LAG''')[0]['arrival_lag_ms'] == 1500 and __import__('json').loads('''$LAG''')[1]['silent'] is True"

# ---- escalations --hq: HQ-tier entries as they arrive, through a lost connection
hq_entry() { # STORE ID CASE STATE: an HQ-tier entry as a store's batch writes it, announced at commit
    pg_sql "INSERT INTO hq_entries (store_id, entry_id, case_id, tier, kind, clock, cycle, state, due_at, deadline,
                written_at, payload, seq)
            VALUES ('$1', $2, '$3', 'hq', 'breach', 'soft-check', 1, '$4', '2026-10-14T10:30:00+08:00',
                '2026-10-14T10:30:00+08:00', now(), '{}', $2);
            SELECT pg_notify('slad_hq_entries', '$1:$2')" slad_hq >/dev/null
}
hq_entry S01 1 C-1 pending
hq_entry S02 2 C-7 acknowledged
OUT=$("$SLACTL" escalations --hq "$HQ" --password-file "$PG_PASSWORD_FILE" --tier hq)
check_contains "escalations --hq lists the chain's entries with their store" "S01    1   C-1   soft-check  hq" "$OUT"
check_contains "... of every store" "S02    2   C-7" "$OUT"
OUT=$("$SLACTL" escalations --hq "$HQ" --password-file "$PG_PASSWORD_FILE" --tier hq --pending)
check_eq "--pending leaves out the acknowledged" "1" "$(grep -c '^S0' <<<"$OUT")"
set +e
OUT=$("$SLACTL" escalations --hq "$HQ" --password-file "$PG_PASSWORD_FILE" --tier store-manager --follow 2>&1)
CODE=$?
set -e
check_eq "following another tier at HQ is refused (2)" 2 "$CODE"
check_contains "... and explained" "follows the HQ tier" "$OUT"

TZ=Asia/Shanghai "$SLACTL" escalations --hq "$HQ" --password-file "$PG_PASSWORD_FILE" --tier hq --follow \
    >"$TEST_TMP/follow.out" 2>"$TEST_TMP/follow.err" &
FOLLOW=$!
track_bg $FOLLOW
check "the follower prints the pending HQ-tier entries first" \
    wait_until 10 grep -q "^S01 .* C-1 .*2026-10-14T10:30:00+08:00  pending" "$TEST_TMP/follow.out"
sleep 0.5 # listening
hq_entry S02 3 C-9 pending
check "a new HQ-tier entry is printed as it arrives" wait_until 10 grep -q "^S02 .* 3 .* C-9 " "$TEST_TMP/follow.out"
restart_postgres
check "the lost connection is said on standard error" wait_until 10 grep -q "reconnecting" "$TEST_TMP/follow.err"
hq_entry S01 4 C-11 pending
check "an entry that arrived across the outage is printed" wait_until 20 grep -q "^S01 .* 4 .* C-11 " "$TEST_TMP/follow.out"
hq_entry S02 5 C-12 pending
check "and the feed goes on after it" wait_until 10 grep -q "^S02 .* 5 .* C-12 " "$TEST_TMP/follow.out"
check_eq "each entry once" "1 1 1 1" "$(for c in C-1 C-9 C-11 C-12; do grep -c " $c " "$TEST_TMP/follow.out"; done | xargs)"
check_eq "the acknowledged entry was not printed" "0" "$(grep -c " C-7 " "$TEST_TMP/follow.out" || true)"
kill $FOLLOW 2>/dev/null || true
wait $FOLLOW 2>/dev/null || true
untrack $FOLLOW

# ---- refusals
set +e
OUT=$("$SLACTL" hq stores --url "mysql://x@y/z" 2>&1)
CODE=$?
set -e
check_eq "a bad URL is a usage error (2)" 2 "$CODE"
check_contains "a bad URL is explained" "bad HQ URL 'mysql://x@y/z'" "$OUT"
echo "wrong-password" >"$TEST_TMP/wrong.pw"
set +e
OUT=$("$SLACTL" hq stores --url "$HQ" --password-file "$TEST_TMP/wrong.pw" 2>&1)
CODE=$?
set -e
check_eq "a wrong password exits 3" 3 "$CODE"
check_contains "a wrong password is said so" "password authentication failed" "$OUT"
stop_postgres
set +e
OUT=$("$SLACTL" hq stores "${ADMIN[@]}" 2>&1)
CODE=$?
set -e
check_eq "HQ down exits 3" 3 "$CODE"
check_contains "HQ down is said so" "cannot reach HQ at postgres://postgres@127.0.0.1:$PG_PORT/slad_hq" "$OUT"

summary
