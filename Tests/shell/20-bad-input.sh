#!/usr/bin/env bash
# Every class of bad input against a running slad: the right status and error code each time,
# nothing written for a refused request, slad still healthy afterwards; idempotency keys replay.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init bad-input

start_slad "$TEST_TMP/state" "$FIXTURES/fast.toml"

count() { sql "SELECT COUNT(*) FROM $1"; }
NOW=$(now_ms)

# A few good cases to refuse events on.
req POST /v1/cases '{"kind":"slow","store":"S01"}'
check_status "a valid open answers 201" 201
OPEN=$(jget "$BODY" 'd["id"]')
req POST /v1/cases "{\"kind\":\"slow\",\"store\":\"S01\",\"opened_at\":\"$(iso_ms $((NOW - 1200000)))\"}"
check_status "a case opened 20 minutes ago answers 201" 201
PAST=$(jget "$BODY" 'd["id"]')
CASES0=$(count cases)
EVENTS0=$(count events)

# ---- Malformed requests: 400
req POST /v1/cases '{"kind":"fast","store":'
check_status "truncated JSON: 400 bad_json" 400 bad_json
req POST /v1/cases 'this is not JSON at all'
check_status "plain text body: 400 bad_json" 400 bad_json
STATUS=$(curl -s -o "$TEST_TMP/b" -w '%{http_code}' --unix-socket "$SLAD_SOCK" -H 'Content-Type: text/plain' \
    --data-binary 'kind=fast&store=S1' http://slad/v1/cases) || true
BODY=$(cat "$TEST_TMP/b")
check_status "a form-encoded body: 400 bad_json" 400 bad_json
printf '\xff\xfe\x00garbage' >"$TEST_TMP/binary"
req POST /v1/cases "@$TEST_TMP/binary"
check_status "binary garbage: 400 bad_json" 400 bad_json
req POST /v1/cases ''
check_status "an empty body: 400 bad_request" 400 bad_request
req POST /v1/cases '{"store":"S1"}'
check_status "missing field kind: 400 bad_json" 400 bad_json
check_contains "the message names the missing field" "kind" "$(jget "$BODY" 'd["error"]["message"]')"
req POST /v1/cases '{"kind":"fast"}'
check_status "missing field store: 400 bad_json" 400 bad_json
req POST /v1/cases '{"kind":5,"store":"S1"}'
check_status "kind is a number: 400 bad_json" 400 bad_json
check_contains "the message names the field of the wrong type" "kind" "$(jget "$BODY" 'd["error"]["message"]')"
req POST /v1/cases '{"kind":"fast","store":["S1"]}'
check_status "store is an array: 400 bad_json" 400 bad_json
req POST /v1/cases '{"kind":"fast","store":"S1","amount":"a lot"}'
check_status "amount is a string: 400 bad_json" 400 bad_json
req POST /v1/cases '{"kind":"fast","store":null}'
check_status "store is null: 400 bad_json" 400 bad_json
req POST /v1/cases '["fast","S1"]'
check_status "an array instead of an object: 400 bad_json" 400 bad_json
req POST /v1/cases '"fast"'
check_status "a bare string: 400 bad_json" 400 bad_json
req POST /v1/cases '{"kind":"fast","store":"S1","opened_at":"yesterday"}'
check_status "opened_at not a date: 400 bad_json" 400 bad_json
req POST /v1/cases '{"kind":"fast","store":"S1","opened_at":"2026-11-24T09:00:00"}'
check_status "opened_at without an offset: 400 bad_json" 400 bad_json
req POST "/v1/cases/$OPEN/events" '{}'
check_status "an event without kind: 400 bad_json" 400 bad_json
req POST "/v1/cases/$OPEN/events" '{"kind":"done","at":12345}'
check_status "an event whose at is a number: 400 bad_json" 400 bad_json
req POST "/v1/cases/$OPEN/events" ''
check_status "an event with an empty body: 400 bad_request" 400 bad_request

# ---- Fields that break their rules (README, API): 400 bad_field naming the field. A store id
# with a line break forged a crit line in slad's log before.
FORGED='S01\n<2>C-1 soft-first-reaction breached, escalated to hq'
LONG=$(printf 'S%.0s' $(seq 5000))
for store in '' '   ' '\u0000S01' "$LONG" "$FORGED" 'S 01'; do
    req POST /v1/cases "{\"kind\":\"fast\",\"store\":\"$store\"}"
    check_status "store \"${store:0:24}\": 400 bad_field" 400 bad_field
    check_contains "the message names the field store" "field 'store'" "$(jget "$BODY" 'd["error"]["message"]')"
done
check "no log line claims a priority it was not logged at (no forged <2>)" bash -c "! grep -q '<2>' '$SLAD_LOG'"
check "every log line starts with its <N> priority" bash -c "! grep -v '^====' '$SLAD_LOG' | grep -qv '^<[0-7]>'"
bad_field() {  # bad_field NAME PATH BODY FIELD
    req POST "$2" "$3"
    check_status "$1: 400 bad_field" 400 bad_field
    check_contains "$1: the message names $4" "field '$4'" "$(jget "$BODY" 'd["error"]["message"]')"
}
bad_field "an actor with a line break" /v1/cases '{"kind":"fast","store":"S1","actor":"li\n<2>forged"}' actor
bad_field "an actor with a space at the end" /v1/cases '{"kind":"fast","store":"S1","actor":"li "}' actor
bad_field "an external_ref with an escape sequence" /v1/cases \
    '{"kind":"fast","store":"S1","external_ref":"POS\u001b[2J"}' external_ref
bad_field "a 200-character external_ref" /v1/cases \
    "{\"kind\":\"fast\",\"store\":\"S1\",\"external_ref\":\"${LONG:0:200}\"}" external_ref
bad_field "a category with a space" /v1/cases '{"kind":"fast","store":"S1","category":"product quality"}' category
bad_field "an empty channel" /v1/cases '{"kind":"fast","store":"S1","channel":""}' channel
bad_field "an idempotency key with a space" /v1/cases '{"kind":"fast","store":"S1","idempotency_key":"a b"}' \
    idempotency_key
bad_field "a negative amount" /v1/cases '{"kind":"fast","store":"S1","amount":-5}' amount
bad_field "an event's actor with a tab" "/v1/cases/$OPEN/events" '{"kind":"done","actor":"li\tx"}' actor
bad_field "an event's empty idempotency key" "/v1/cases/$OPEN/events" '{"kind":"done","idempotency_key":""}' \
    idempotency_key
bad_field "an ack's actor with a line break" /v1/escalations/1/ack '{"actor":"amy\nx"}' actor
bad_field "an amount too large for a number (JSON's infinity)" /v1/cases '{"kind":"fast","store":"S1","amount":1e999}' \
    amount

# ---- Unknown fields: 400 unknown_field, naming it and listing the known ones (a typo was ignored).
unknown_field() {  # unknown_field NAME PATH BODY FIELD
    req POST "$2" "$3"
    check_status "$1: 400 unknown_field" 400 unknown_field
    check_contains "$1: the message names $4" "unknown field '$4' (known: " "$(jget "$BODY" 'd["error"]["message"]')"
}
unknown_field "ammount in an open" /v1/cases '{"kind":"fast","store":"S1","ammount":5000}' ammount
unknown_field "ammount in an open the fast reader declines" /v1/cases '{"kind":"fast","store":"S\u0031","ammount":5000}' \
    ammount
unknown_field "a misspelt customer phone" /v1/cases '{"kind":"fast","store":"S1","customer":{"name":"Li","fone":"1"}}' \
    customer.fone
unknown_field "an unknown key in an initial event" /v1/cases \
    '{"kind":"fast","store":"S1","events":[{"kind":"done","when":"now"}]}' 'events[0].when'
unknown_field "nite in an event" "/v1/cases/$OPEN/events" '{"kind":"done","nite":"x"}' nite
unknown_field "an unknown key in an ack" /v1/escalations/1/ack '{"actor":"amy","tier":"hq"}' tier

# ---- Too large: 413
head -c $((70 * 1024)) /dev/zero | tr '\0' 'x' >"$TEST_TMP/big"
req POST /v1/cases "@$TEST_TMP/big"
check_status "a 70 KiB body: 413 body_too_large" 413 body_too_large
python3 -c 'import json; print(json.dumps({"kind": "fast", "store": "S1", "note": "n" * 70000}))' >"$TEST_TMP/bignote"
req POST /v1/cases "@$TEST_TMP/bignote"
check_status "a valid JSON open with a 70 KB note: 413 body_too_large" 413 body_too_large
req POST "/v1/cases/$OPEN/events" "@$TEST_TMP/big"
check_status "a 70 KiB event body: 413 body_too_large" 413 body_too_large
python3 -c 'import json; print(json.dumps({"kind": "slow", "store": "S1", "note": "n" * 60000}))' >"$TEST_TMP/note60k"
req POST /v1/cases "@$TEST_TMP/note60k"
check_status "a 60 KB body (under the limit) is accepted: 201" 201

STATUS=$(curl -s -o "$TEST_TMP/b" -w '%{http_code}' --unix-socket "$SLAD_SOCK" -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$TEST_TMP/big" http://slad/v1/cases) || true
BODY=$(cat "$TEST_TMP/b")
check_status "a 70 KiB chunked body (no Content-Length): 413 body_too_large" 413 body_too_large

# ---- Not even HTTP, and requests cut off half-way: slad answers 400 or hangs up, and lives on.
raw() {
    python3 - "$SLAD_SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
if "cut" in sys.argv[2]:
    s.close()  # hang up half-way through the body
    sys.exit(0)
s.shutdown(socket.SHUT_WR)
reply = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        reply += chunk
except socket.timeout:
    pass
print((reply.split(b"\r\n")[0] or b"(closed)").decode("latin-1"))
PY
}
BEFORE=$(count cases)
check_match "garbage instead of HTTP: 400 or hang-up" '^(HTTP/1.1 400|\(closed\))' "$(raw 'HELLO THERE\r\n\r\n')"
check_match "a request line without a version: 400 or hang-up" '^(HTTP/1.1 400|\(closed\))' "$(raw 'GET\r\n\r\n')"
raw 'POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"kind":"fast", cut' >/dev/null || true
req GET /v1/health
check_status "health answers after a request cut off half-way" 200
check_eq "the cut-off open created no case" "$BEFORE" "$(count cases)"

# ---- Unknown things: 404 and 422
req GET /v1/cases/C-999999
check_status "an unknown case: 404 unknown_case" 404 unknown_case
req POST /v1/cases/C-999999/events '{"kind":"done"}'
check_status "an event on an unknown case: 404 unknown_case" 404 unknown_case
req POST /v1/cases/nonsense/events '{"kind":"done"}'
check_status "an event on a malformed case id: 404 unknown_case" 404 unknown_case
req GET /v1/nothing-here
check_status "an unknown path: 404" 404
req GET /v2/cases
check_status "an unknown API version: 404" 404
req POST /v1/escalations/999999/ack '{"actor":"alice"}'
check_status "ack of an unknown entry: 404 unknown_entry" 404 unknown_entry
req POST /v1/escalations/abc/ack '{"actor":"alice"}'
check_status "ack of a non-numeric entry id: 400 bad_request" 400 bad_request
req POST /v1/escalations/1/ack '{"actor":'
check_status "ack with truncated JSON: 400 bad_json" 400 bad_json
req POST /v1/escalations/1/ack '{"actor":5}'
check_status "ack with a number for actor: 400 bad_json" 400 bad_json
req POST /v1/cases '{"kind":"no-such-kind","store":"S1"}'
check_status "an unknown case kind: 422 unknown_case_kind" 422 unknown_case_kind
check_contains "the message lists the known kinds" "fast" "$(jget "$BODY" 'd["error"]["message"]')"
req POST /v1/cases '{"kind":"fast","store":"S1","category":"weather"}'
check_status "an unknown category: 422 unknown_category" 422 unknown_category
req POST /v1/cases '{"kind":"fast","store":"S1","channel":"pigeon"}'
check_status "an unknown channel: 422 unknown_channel" 422 unknown_channel
req POST /v1/cases "{\"kind\":\"fast\",\"store\":\"S1\",\"opened_at\":\"$(iso_ms $((NOW + 3600000)))\"}"
check_status "opened an hour in the future: 422 event_in_future" 422 event_in_future
req POST "/v1/cases/$OPEN/events" '{"kind":"explode"}'
check_status "an unknown event kind: 422 unknown_event_kind" 422 unknown_event_kind
req POST "/v1/cases/$OPEN/events" '{"kind":"hold"}'
check_status "an event of another kind of case (hold on slow): 422 unknown_event_kind" 422 unknown_event_kind
req POST "/v1/cases/$OPEN/events" '{"kind":"opened"}'
check_status "'opened' as an event: 422 unknown_event_kind" 422 unknown_event_kind
req POST "/v1/cases/$OPEN/events" "{\"kind\":\"done\",\"at\":\"$(iso_ms $(($(now_ms) + 3600000)))\"}"
check_status "an event dated an hour ahead: 422 event_in_future" 422 event_in_future

# ---- Events that do not fit the case: 409
req POST "/v1/cases/$PAST/events" "{\"kind\":\"done\",\"at\":\"$(iso_ms $((NOW - 2400000)))\"}"
check_status "an event dated before the opening: 409 event_before_opening" 409 event_before_opening
req POST "/v1/cases/$PAST/events" "{\"kind\":\"done\",\"at\":\"$(iso_ms $((NOW - 600000)))\"}"
check_status "an event dated 10 minutes ago (after the opening): 200" 200
req POST "/v1/cases/$PAST/events" "{\"kind\":\"resolved\",\"at\":\"$(iso_ms $((NOW - 900000)))\"}"
check_status "an event dated before the latest one: 409 event_out_of_order" 409 event_out_of_order
req POST "/v1/cases/$OPEN/events" '{"kind":"resolved"}'
check_status "resolved: 200" 200
check_eq "the case is resolved" resolved "$(jget "$BODY" 'd["status"]')"
req POST "/v1/cases/$OPEN/events" '{"kind":"resolved"}'
check_status "resolved twice: 409 already_resolved" 409 already_resolved
req POST "/v1/cases/$OPEN/events" '{"kind":"closed"}'
check_status "closed: 200" 200
req POST "/v1/cases/$OPEN/events" '{"kind":"done"}'
check_status "an event on a closed case: 409 case_closed" 409 case_closed
req POST "/v1/cases/$OPEN/events" '{"kind":"closed"}'
check_status "closed twice: 409 case_closed" 409 case_closed

# ---- Query parameters
req GET '/v1/cases?state=bogus'
check_status "cases?state=bogus: 400 bad_request" 400 bad_request
req GET '/v1/cases?overdue=maybe'
check_status "cases?overdue=maybe: 400 bad_request" 400 bad_request
req GET '/v1/cases?limit=-3'
check_status "cases?limit=-3: 400 bad_request" 400 bad_request
req GET '/v1/cases?limit=ten'
check_status "cases?limit=ten: 400 bad_request" 400 bad_request
req GET '/v1/escalations?tier=janitor'
check_status "escalations?tier=janitor: 422 unknown_tier" 422 unknown_tier
req GET '/v1/escalations?state=lost'
check_status "escalations?state=lost: 400 bad_request" 400 bad_request
req GET '/v1/escalations?since=yesterday'
check_status "escalations?since=yesterday: 400 bad_request" 400 bad_request
req GET '/v1/escalations?after=x'
check_status "escalations?after=x: 400 bad_request" 400 bad_request
req GET '/v1/escalations?case=C-999999&wait=soon'
check_status "escalations?wait=soon: 400 bad_request" 400 bad_request

# ---- Nothing refused left a trace.
check_eq "no case was created by a refused open (one was accepted)" $((CASES0 + 1)) "$(count cases)"
check_eq "only the accepted events were recorded (done, resolved, closed)" $((EVENTS0 + 1 + 3)) "$(count events)"
check_eq "no queue entry came of it" 0 "$(count escalations)"

# ---- Idempotency keys: a retried open replays, a reused key for another request is refused.
BEFORE=$(count cases)
req POST /v1/cases '{"kind":"fast","store":"S07","idempotency_key":"till-7-0001"}'
check_status "an open with a key: 201" 201
K1=$(jget "$BODY" 'd["id"]')
check_eq "the first answer is not a replay" false "$(jget "$BODY" 'd.get("replayed")')"
req POST /v1/cases '{"kind":"fast","store":"S07","idempotency_key":"till-7-0001"}'
check_status "the same open retried: 200" 200
check_eq "the retry answers the same case" "$K1" "$(jget "$BODY" 'd["id"]')"
check_eq "the retry says replayed" true "$(jget "$BODY" 'd.get("replayed")')"
req POST /v1/cases '{"kind":"fast","store":"S07","idempotency_key":"till-7-0001","actor":"someone-else","note":"again"}'
check_eq "a retry differing only in actor and note also replays" "200 $K1 true" \
    "$STATUS $(jget "$BODY" 'd["id"] + " " + json.dumps(d.get("replayed"))')"
check_eq "one case, not two" $((BEFORE + 1)) "$(count cases)"
check_eq "one opened event carries the key" 1 "$(sql "SELECT COUNT(*) FROM events WHERE idempotency_key = 'till-7-0001'")"
check_eq "one stored answer for the key" 1 "$(sql "SELECT COUNT(*) FROM idempotency WHERE key = 'till-7-0001'")"
req POST /v1/cases '{"kind":"fast","store":"S08","idempotency_key":"till-7-0001"}'
check_status "the key reused for another open: 409 idempotency_key_reused" 409 idempotency_key_reused
req POST "/v1/cases/$K1/events" '{"kind":"done","idempotency_key":"till-7-0001"}'
check_status "the key reused for an event: 409 idempotency_key_reused" 409 idempotency_key_reused
check_eq "still one case" $((BEFORE + 1)) "$(count cases)"

req POST "/v1/cases/$K1/events" '{"kind":"done","idempotency_key":"till-7-0002"}'
check_status "an event with a key: 200" 200
check_eq "the first answer is not a replay" false "$(jget "$BODY" 'd.get("replayed")')"
req POST "/v1/cases/$K1/events" '{"kind":"done","idempotency_key":"till-7-0002"}'
check_eq "the event retried: 200, replayed" "200 true" "$STATUS $(jget "$BODY" 'json.dumps(d.get("replayed"))')"
check_eq "the event was recorded once" 2 "$(sql "SELECT COUNT(*) FROM events WHERE case_id = '$K1'")"
req POST "/v1/cases/$K1/events" '{"kind":"resolved","idempotency_key":"till-7-0002"}'
check_status "the event key reused for another event: 409 idempotency_key_reused" 409 idempotency_key_reused

# The same key sent by eight clients at once: one case, every answer names it.
BEFORE=$(count cases)
pids=()
for i in 1 2 3 4 5 6 7 8; do
    curl -s --max-time 10 --unix-socket "$SLAD_SOCK" -H 'Content-Type: application/json' \
        --data-binary '{"kind":"slow","store":"S09","idempotency_key":"burst-1"}' \
        -o "$TEST_TMP/burst.$i" -w '%{http_code}\n' http://slad/v1/cases >"$TEST_TMP/burst.$i.status" &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
check_eq "eight concurrent opens with one key: one 201, seven 200" "1 7" \
    "$(grep -c 201 "$TEST_TMP"/burst.*.status | awk -F: '{s+=$2} END {print s}') $(grep -c 200 "$TEST_TMP"/burst.*.status | awk -F: '{s+=$2} END {print s}')"
check_eq "all eight answers name the same case" 1 \
    "$(for i in 1 2 3 4 5 6 7 8; do jget "$(cat "$TEST_TMP/burst.$i")" 'd["id"]'; done | sort -u | wc -l)"
check_eq "one case was created" $((BEFORE + 1)) "$(count cases)"

# ---- Events sent with the open (a case entered after the fact): applied in its commit, in order.
HOUR_AGO=$(iso_ms $((NOW - 3600000)))
req POST /v1/cases "{\"kind\":\"slow\",\"store\":\"S10\",\"opened_at\":\"$(iso_ms $((NOW - 7200000)))\"}"
check_status "a case opened 2 h ago without its events: 201" 201
check_eq "its 1 h clock is breached at once" breached "$(jget "$BODY" 'd["clocks"][0]["status"]')"
BEFORE=$(count cases)
EVENTS_BEFORE=$(count events)
req POST /v1/cases "{\"kind\":\"slow\",\"store\":\"S10\",\"opened_at\":\"$(iso_ms $((NOW - 7200000)))\",
    \"events\":[{\"kind\":\"done\",\"at\":\"$(iso_ms $((NOW - 6000000)))\"},{\"kind\":\"explode\",\"at\":\"$HOUR_AGO\"}]}"
check_status "an open whose second event is unknown: 422 unknown_event_kind" 422 unknown_event_kind
check_contains "the message names the event's index" "events[1]: " "$(jget "$BODY" 'd["error"]["message"]')"
req POST /v1/cases "{\"kind\":\"slow\",\"store\":\"S10\",\"opened_at\":\"$HOUR_AGO\",
    \"events\":[{\"kind\":\"done\",\"at\":\"$(iso_ms $((NOW - 7200000)))\"}]}"
check_status "an open whose event is dated before it: 409 event_before_opening" 409 event_before_opening
check_contains "the message names the event's index" "events[0]: " "$(jget "$BODY" 'd["error"]["message"]')"
check_eq "the refused opens wrote no case and no event" "$BEFORE $EVENTS_BEFORE" "$(count cases) $(count events)"
req POST /v1/cases "{\"kind\":\"slow\",\"store\":\"S10\",\"opened_at\":\"$(iso_ms $((NOW - 7200000)))\",\"actor\":\"li\",
    \"events\":[{\"kind\":\"done\",\"at\":\"$(iso_ms $((NOW - 6000000)))\",\"note\":\"rang back\"}]}"
check_status "a case opened 2 h ago with the event that met its clock 20 min in: 201" 201
BACKDATED=$(jget "$BODY" 'd["id"]')
check_eq "its clock is met, not breached" met "$(jget "$BODY" 'd["clocks"][0]["status"]')"
check_eq "it wrote no escalation" 0 "$(sql "SELECT COUNT(*) FROM escalations WHERE case_id = '$BACKDATED'")"
req GET "/v1/cases/$BACKDATED"
check_eq "its events are opened, then done by li, with the note" "opened done li rang back" \
    "$(jget "$BODY" '" ".join(e["kind"] for e in d["events"]) + " " + d["events"][1]["actor"].split()[0] + " " + d["events"][1]["note"]')"
OUT=$("$SLACTL" open --socket "$SLAD_SOCK" --kind slow --store S11 \
    --opened-at "$(iso_ms $((NOW - 7200000)))" --event "done@$(iso_ms $((NOW - 6000000)))")
req GET "/v1/cases/$OUT"
check_eq "slactl open --event KIND@TIME records it with the open" "met opened done" \
    "$(jget "$BODY" 'd["clocks"][0]["status"] + " " + " ".join(e["kind"] for e in d["events"])')"

# ---- A pause recorded late, dated before a breach slad has already escalated: refused, nothing
# written; the same case's late `done` dated before the deadline still counts as met in time.
req POST /v1/cases "{\"kind\":\"fast\",\"store\":\"S12\",\"opened_at\":\"$(iso_ms $((NOW - 10000)))\"}"
check_status "a fast case opened 10 s ago: 201 (its 2 s clock breached and climbed)" 201
LATE=$(jget "$BODY" 'd["id"]')
EVENTS_BEFORE=$(count events)
req POST "/v1/cases/$LATE/events" "{\"kind\":\"hold\",\"at\":\"$(iso_ms $((NOW - 9000)))\"}"
check_status "a pause dated before the escalated breach: 409 pause_after_breach" 409 pause_after_breach
check_contains "the message names the clock" "clock 'quick'" "$(jget "$BODY" 'd["error"]["message"]')"
check_eq "nothing was written" "$EVENTS_BEFORE" "$(count events)"
req POST "/v1/cases/$LATE/events" "{\"kind\":\"done\",\"at\":\"$(iso_ms $((NOW - 9000)))\"}"
check_status "a late done dated before the deadline: 200" 200
check_eq "the clock counts as met in time" met "$(jget "$BODY" 'd["clocks"][0]["status"]')"

# ---- An entry id at the edge of Int64 (it once overflowed on the scheduler's queue).
req POST "/v1/escalations/-9223372036854775808/ack" '{"actor":"amy"}'
check_status "ack of entry Int64.min: 400 bad_request" 400 bad_request
req POST "/v1/escalations/9223372036854775807/ack" '{"actor":"amy"}'
check_status "ack of entry Int64.max: 404 unknown_entry" 404 unknown_entry

# ---- After all that, slad is fine.
req GET /v1/health
check_status "health still answers 200" 200
check_eq "health still says ok" ok "$(jget "$BODY" 'd["status"]')"
req POST /v1/cases '{"kind":"fast","store":"S99","category":"other","channel":"online","amount":12.5,"external_ref":"POS-1"}'
check_status "a valid case can still be opened" 201
check_eq "with what it was given" "S99 other online 12.5 POS-1" \
    "$(jget "$BODY" '" ".join(str(d[k]) for k in ["store","category","channel","amount","external_ref"])')"
LAST=$(jget "$BODY" 'd["id"]')
req POST "/v1/cases/$LAST/events" '{"kind":"done","actor":"店长 Zhang","note":"顾客满意 \"quoted\" \\ ✓"}'
check_status "an event with a non-ASCII actor and note: 200" 200
req GET "/v1/cases/$LAST"
check_eq "the actor and note come back as they were sent (the actor with the peer's uid)" \
    "店长 Zhang via uid $(id -u) ($(id -un))|"'顾客满意 "quoted" \ ✓' \
    "$(jget "$BODY" 'd["events"][-1]["actor"] + "|" + d["events"][-1]["note"]')"
check_eq "PRAGMA integrity_check" ok "$(sql 'PRAGMA integrity_check')"
check "slad is still running" kill -0 "$SLAD_PID"
check "slad logged no internal error" bash -c "! grep -qi 'internal' '$SLAD_LOG'"
rc=0; stop_slad || rc=$?
check_eq "slad exits 0 on SIGTERM" 0 "$rc"

summary
