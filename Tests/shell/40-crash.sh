#!/usr/bin/env bash
# Crashes under load: client loops open fast and slow cases and record events, all with idempotency
# keys, retrying until answered; slad is SIGKILLed at random moments and restarted, three times.
# Afterwards every answered write is in the store, every fast case left alone has exactly one entry
# per tier (none missing, none doubled), and the file is sound.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init crash

CYCLES=${CRASH_CYCLES:-3}
CLIENTS=${CRASH_CLIENTS:-3}
STATE=$TEST_TMP/state
WORK=$TEST_TMP/work
mkdir -p "$WORK"
start_slad "$STATE" "$FIXTURES/fast.toml"
SOCK=$SLAD_SOCK

# post PATH BODY: one write, retried with the same body (and so the same key) while slad is down
# or answers 503. Prints the answer's case id and "replayed" or "new"; false when given up (the
# test is stopping) or refused (then recorded in $WORK/refused).
post() {
    local path=$1 body=$2 out=$WORK/out.$BASHPID status
    while true; do
        status=$(curl -s -o "$out" -w '%{http_code}' --max-time 5 --unix-socket "$SOCK" \
            -H 'Content-Type: application/json' --data-binary "$body" "http://slad$path" 2>/dev/null) || true
        case "$status" in
        2??)
            local id
            id=$(grep -o '"id":"C-[0-9]*"' "$out" | head -1 | cut -d'"' -f4) || true
            if grep -q '"replayed":true' "$out"; then echo "$id replayed"; else echo "$id new"; fi
            return 0
            ;;
        000 | 503) ;;  # down, restarting or stopping: try again
        *)
            echo "$status $path $body $(cat "$out")" >>"$WORK/refused"
            return 1
            ;;
        esac
        [[ -e "$WORK/stop" ]] && return 1
        sleep 0.05
    done
}

# client N: opens cases (2 in 3 fast), and satisfies some of them right away ("done"): 1 fast case
# in 3, 1 slow case in 2. Every answered write goes to $WORK/acks.N: "open KEY ID KIND new|replayed"
# and "event KEY ID done new|replayed".
client() {
    local n=$1 i=0 ack=$WORK/acks.$n answer id how kind key
    while [[ ! -e "$WORK/stop" ]]; do
        i=$((i + 1))
        kind=fast
        ((RANDOM % 3 == 0)) && kind=slow
        key=c$n-$i-open
        answer=$(post /v1/cases "{\"kind\":\"$kind\",\"store\":\"L$n\",\"idempotency_key\":\"$key\"}") || continue
        read -r id how <<<"$answer"
        echo "open $key $id $kind $how" >>"$ack"
        if { [[ $kind == fast ]] && ((RANDOM % 3 == 0)); } || { [[ $kind == slow ]] && ((RANDOM % 2 == 0)); }; then
            key=c$n-$i-done
            answer=$(post "/v1/cases/$id/events" "{\"kind\":\"done\",\"idempotency_key\":\"$key\"}") || continue
            read -r id how <<<"$answer"
            echo "event $key $id done $how" >>"$ack"
        fi
    done
}

CLIENT_PIDS=()
for n in $(seq 1 "$CLIENTS"); do
    client "$n" &
    track_bg $!
    CLIENT_PIDS+=($!)
done

RESTARTS_OK=0
for cycle in $(seq 1 "$CYCLES"); do
    pause=$((2000 + RANDOM % 2000))
    sleep "$(printf '%d.%03d' $((pause / 1000)) $((pause % 1000)))"
    before=$(cat "$WORK"/acks.* 2>/dev/null | wc -l)
    kill_slad
    echo "# cycle $cycle: SIGKILL after $pause ms, $before writes answered so far"
    sleep "0.$((RANDOM % 5))"
    if start_slad "$STATE" "$FIXTURES/fast.toml"; then
        RESTARTS_OK=$((RESTARTS_OK + 1))
    fi
done
check_eq "slad came back after each of the $CYCLES crashes" "$CYCLES" "$RESTARTS_OK"
check_eq "each start recovered the store (logged once per start)" $((CYCLES + 1)) "$(grep -c 'recovered [0-9]* cases' "$SLAD_LOG")"

# Let the writes caught in the last crash be retried and answered, then stop the clients.
sleep 1
touch "$WORK/stop"
for pid in "${CLIENT_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
    untrack "$pid"
done
check "slad is up after the clients stopped" wait_ready "$SOCK" 5

# Wait until the newest fast case has climbed to the top (hq at 5 s after opening, +1 s slack).
NEWEST=$(sql "SELECT COALESCE(MAX(opened_at), 0) FROM cases WHERE kind = 'fast'")
sleep_until $((NEWEST + 6500))
CUT=$(($(now_ms) - 6000))

cat "$WORK"/acks.* >"$WORK/acks" 2>/dev/null || true
VERDICT=$(python3 - "$STATE/slad.sqlite" "$WORK/acks" "$CUT" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
cut = int(sys.argv[3])
acks = [line.split() for line in open(sys.argv[2]) if line.strip()]
q = lambda sql, *a: db.execute(sql, a).fetchall()

events = {key: (case, kind) for key, case, kind in q("SELECT idempotency_key, case_id, kind FROM events WHERE idempotency_key IS NOT NULL")}
cases = {cid: kind for cid, kind in q("SELECT id, kind FROM cases")}
found = 0
missing = []
for kind_of_write, key, case, what, how in acks:
    if kind_of_write == "open":
        ok = events.get(key) == (case, "opened") and cases.get(case) == what
    else:
        ok = events.get(key) == (case, what)
    if ok: found += 1
    else: missing.append(" ".join([kind_of_write, key, case, what]) + " -> store has %s" % (events.get(key),))
opens = [a for a in acks if a[0] == "open"]
ids_by_key = {}
for _, key, case, _, _ in opens: ids_by_key.setdefault(key, set()).add(case)
keys_with_two_ids = [k for k, v in ids_by_key.items() if len(v) > 1]
id_owners = {}
for _, key, case, _, _ in opens: id_owners.setdefault(case, set()).add(key)
ids_with_two_keys = [c for c, v in id_owners.items() if len(v) > 1]
replays = sum(1 for a in acks if a[4] == "replayed")

tiers = [("desk", "warning"), ("supervisor", "breach"), ("manager", "breach"), ("head", "breach"), ("hq", "breach")]
alone = [c for (c,) in q("""SELECT id FROM cases c WHERE kind = 'fast' AND opened_at < ?
    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id AND e.kind = 'done')""", cut)]
have = {}
for case, tier, kind in q("SELECT case_id, tier, kind FROM escalations WHERE clock = 'quick' AND cycle = 1"):
    have[(case, tier, kind)] = have.get((case, tier, kind), 0) + 1
expected = len(alone) * len(tiers)
got = sum(1 for c in alone for t in tiers if (c, t[0], t[1]) in have)
missing_entries = [c + ":" + t[0] for c in alone for t in tiers if (c, t[0], t[1]) not in have][:5]
alone_set = set(alone)
extra = [k for k in have if k[0] in alone_set and (k[1], k[2]) not in tiers]
not_overdue = [c for (c,) in q("SELECT id FROM cases WHERE overdue = 0") if c in alone_set][:5]
doubled = q("SELECT case_id, clock, cycle, tier, kind, COUNT(*) FROM escalations GROUP BY case_id, clock, cycle, tier, kind HAVING COUNT(*) > 1")
after_done = q("""SELECT x.case_id, x.tier FROM escalations x JOIN events e ON e.case_id = x.case_id AND e.kind = 'done'
    WHERE x.due_at > e.at""")
slow_entries = q("SELECT COUNT(*) FROM escalations x JOIN cases c ON c.id = x.case_id WHERE c.kind = 'slow'")[0][0]
no_opened = q("SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id AND e.kind = 'opened')")[0][0]
orphan_answers = q("SELECT COUNT(*) FROM idempotency i WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.idempotency_key = i.key)")[0][0]
unanswered_keys = q("SELECT COUNT(*) FROM events e WHERE e.idempotency_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM idempotency i WHERE i.key = e.idempotency_key)")[0][0]
ids = [c for c in cases]
def show(xs): return (";".join(map(str, xs[:5])) or "-").replace(" ", "_")
print("acked", len(acks), "found", found, "missing", show(missing),
      "keys_with_two_ids", len(keys_with_two_ids), "ids_with_two_keys", show(ids_with_two_keys), "replays", replays,
      "alone", len(alone), "expected", expected, "got", got, "missing_entries", show(missing_entries),
      "extra", show(extra), "not_overdue", show(not_overdue), "doubled", len(doubled),
      "after_done", show(after_done), "slow_entries", slow_entries, "no_opened", no_opened,
      "orphan_answers", orphan_answers, "unanswered_keys", unanswered_keys,
      "cases", len(cases), "entries", q("SELECT COUNT(*) FROM escalations")[0][0])
PY
)
echo "# $VERDICT"
v() { echo "$VERDICT" | awk -v k="$1" '{for (i = 1; i < NF; i += 2) if ($i == k) print $(i + 1)}'; }

ACKED=$(v acked)
check_py "the clients got writes answered ($ACKED)" "$ACKED > 50"
check_eq "no write was refused (4xx/5xx other than 503)" "" "$(cat "$WORK/refused" 2>/dev/null | head -3)"
check_eq "every answered write is in the store (cases by id, events by key)" "$ACKED" "$(v found)"
check_eq "  none missing" "-" "$(v missing)"
check_eq "a key always answered with the same case" 0 "$(v keys_with_two_ids)"
check_eq "no case id answered for two different opens" "-" "$(v ids_with_two_keys)"
check_eq "every case has its opened event (one transaction)" 0 "$(v no_opened)"
check_eq "every stored answer has its event, and every keyed event its answer" "0 0" "$(v orphan_answers) $(v unanswered_keys)"
ALONE=$(v alone)
check_py "fast cases left alone to climb: $ALONE" "$ALONE > 5"
check_eq "entries expected for them (5 each) are all there" "$(v expected)" "$(v got)"
check_eq "  none missing" "-" "$(v missing_entries)"
check_eq "  nothing beyond the five tiers" "-" "$(v extra)"
check_eq "  and those cases are overdue" "-" "$(v not_overdue)"
check_eq "no (case, clock, cycle, tier, kind) doubled" 0 "$(v doubled)"
check_eq "no entry fell due after its case was satisfied" "-" "$(v after_done)"
check_eq "no entry for slow cases" 0 "$(v slow_entries)"

# Writes answered before the crashes, sent again with their keys: the same answers, replayed.
replay_mismatches=0
replayed=0
while read -r what key id kind how; do
    if [[ $what == open ]]; then
        req POST /v1/cases "{\"kind\":\"$kind\",\"store\":\"L${key:1:1}\",\"idempotency_key\":\"$key\"}"
    else
        req POST "/v1/cases/$id/events" "{\"kind\":\"$kind\",\"idempotency_key\":\"$key\"}"
    fi
    if [[ "$STATUS" == 200 && "$BODY" == *"\"id\":\"$id\""* && "$BODY" == *'"replayed":true'* ]]; then
        replayed=$((replayed + 1))
    else
        replay_mismatches=$((replay_mismatches + 1))
        echo "# replay of $what $key: expected $id replayed, got $STATUS ${BODY:0:200}"
    fi
done < <(awk 'NR % 25 == 1' "$WORK/acks" | head -40)
check_py "writes answered before the crashes, retried after them, replay ($replayed)" "$replayed >= 10"
check_eq "  each with the same case and replayed: true" 0 "$replay_mismatches"

req GET /v1/health
check_eq "health ok after the last restart" ok "$(jget "$BODY" 'd["status"]')"
rc=0; stop_slad || rc=$?
check_eq "slad stops cleanly at the end" 0 "$rc"
check_eq "PRAGMA integrity_check" ok "$(sql 'PRAGMA integrity_check')"

echo "crash totals: cycles $CYCLES, writes acknowledged $ACKED, writes found $(v found)," \
    "entries expected $(v expected), found $(v got), doubled $(v doubled)" \
    "(cases $(v cases), entries $(v entries), answers replayed after a crash $(v replays))"
summary
