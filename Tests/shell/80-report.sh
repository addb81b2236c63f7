#!/usr/bin/env bash
# Compliance reports from a real slad on the default policy: GET /v1/reports for a month, a week,
# a date range and one store in every format, its refusals, `slactl report` (formats, --output,
# exit codes) and scripts/monthly-report. The numbers are worked out by hand below.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init report

start_slad "$TEST_TMP/state" "$REPO_DIR/config/policy.toml"
export SLAD_SOCKET=$SLAD_SOCK
export USER=shell-tester

# ---- October 2025 in Shanghai (store calendar 09:00-22:00 every day), opened after the fact.
# A: soft complaint, reacted in time (due 10:15), checked 30 minutes late (due 10:30).
req POST /v1/cases '{"kind":"soft-complaint","store":"S01","category":"service-attitude","channel":"in-store","opened_at":"2025-10-07T10:00:00+08:00"}'
check_status "A opens" 201
A=$(jget "$BODY" 'd["id"]')
req POST "/v1/cases/$A/events" '{"kind":"reacted","at":"2025-10-07T10:05:00+08:00"}'
check_status "A reacted" 200
req POST "/v1/cases/$A/events" '{"kind":"checked","at":"2025-10-07T11:00:00+08:00"}'
check_status "A checked" 200
# B: hard complaint by phone: first response in time (due 13:00); no second response, never closed.
req POST /v1/cases '{"kind":"hard-complaint","store":"S02","category":"product-quality","channel":"phone","amount":100,"opened_at":"2025-10-20T12:00:00+08:00"}'
check_status "B opens" 201
B=$(jget "$BODY" 'd["id"]')
req POST "/v1/cases/$B/events" '{"kind":"first-response","at":"2025-10-20T12:30:00+08:00"}'
check_status "B first response" 200
# Outside October in Shanghai: the last minute of September, and 00:30 on November 1st (which
# is still October 31st in UTC).
req POST /v1/cases '{"kind":"soft-complaint","store":"S01","category":"other","opened_at":"2025-09-30T23:59:00+08:00"}'
check_status "a September case opens" 201
req POST /v1/cases '{"kind":"soft-complaint","store":"S03","category":"other","opened_at":"2025-11-01T00:30:00+08:00"}'
check_status "a November case opens" 201
ENTRIES=$(sql "SELECT COUNT(*) FROM escalations WHERE case_id IN ('$A', '$B')")

# ---- JSON, the API's default
req GET '/v1/reports?month=2025-10'
check_status "a month's report answers 200" 200
REPORT=$BODY
check_eq "period" '["2025-10-01T00:00:00+08:00", "2025-11-01T00:00:00+08:00"]' \
    "$(jget "$REPORT" '[d["period"]["from"], d["period"]["to"]]')"
check_eq "two cases opened in October" 2 "$(jget "$REPORT" 'd["summary"]["cases"]')"
check_eq "clocks: ran, met, breached, % met" '[5, 2, 3, 40.0]' \
    "$(jget "$REPORT" '[d["summary"][k] for k in ("clocks_ran", "clocks_met", "clocks_breached", "met_percent")]')"
check_eq "the soft check: 1 breached, satisfied 30 minutes late" '[1, 0, 1800000, 1800000]' \
    "$(jget "$REPORT" '[[c["breached"], c["unmet"], c["median_late_ms"], c["p90_late_ms"]] for c in d["clocks"] if c["clock"] == "soft-check"][0]')"
check_eq "the second response: breached and still unmet" '[0, 1, 1]' \
    "$(jget "$REPORT" '[[c["met"], c["breached"], c["unmet"]] for c in d["clocks"] if c["clock"] == "hard-second-response"][0]')"
check_eq "clock rows" '["hard-complaint hard-first-response", "hard-complaint hard-satisfaction-call", "hard-complaint hard-second-response", "hard-complaint phone-closure", "hard-complaint revisit", "soft-complaint revisit", "soft-complaint soft-check", "soft-complaint soft-first-reaction"]' \
    "$(jget "$REPORT" '[c["kind"] + " " + c["clock"] for c in d["clocks"]]')"
check_eq "escalations: every queue entry of A and B" "$ENTRIES" "$(jget "$REPORT" 'd["summary"]["escalations"]')"
check_eq "escalations by tier add up" "$ENTRIES" "$(jget "$REPORT" 'sum(t["total"] for t in d["escalations"])')"
check_eq "categories" '[1, 1, 0, 0]' "$(jget "$REPORT" '[c["cases"] for c in d["categories"]]')"
check_eq "channels" '[1, 1, 0, 0]' "$(jget "$REPORT" '[c["cases"] for c in d["channels"]]')"
check_eq "stores" '["S01 1", "S02 1"]' "$(jget "$REPORT" '[s["store"] + " " + str(s["cases"]) for s in d["stores"]]')"

req GET '/v1/reports?month=2025-10&store=S02'
check_eq "one store: its case only" '[1, null, "S02"]' "$(jget "$BODY" '[d["summary"]["cases"], d["stores"], d["store"]]')"
req GET '/v1/reports?week=2025-W43'
check_eq "ISO week 43 (10-20..10-26): B" '["2025-10-20", "2025-10-26", 1, 0]' \
    "$(jget "$BODY" '[d["period"]["first_day"], d["period"]["last_day"], d["summary"]["cases"], d["categories"][1]["cases"]]')"
req GET '/v1/reports?from=2025-10-01&to=2025-10-07'
check_eq "10-01..10-07, both days in: A" '[1, 1]' "$(jget "$BODY" '[d["summary"]["cases"], d["categories"][1]["cases"]]')"

# ---- The other formats
headers() { curl -s -D - -o "$TEST_TMP/body" --unix-socket "$SLAD_SOCK" "http://slad$1" | tr -d '\r'; }
H=$(headers '/v1/reports?month=2025-10&format=csv')
check_contains "csv is text/csv" "content-type: text/csv; charset=utf-8" "${H,,}"
check_contains "csv is offered as a file" 'filename="complaints-2025-10.csv"' "$H"
check_eq "csv starts with the report section" "section,period,first_day,last_day,zone,store,generated_at" \
    "$(head -1 "$TEST_TMP/body" | tr -d '\r' | sed 's/^\xEF\xBB\xBF//')"
check_eq "csv starts with a UTF-8 byte order mark (for Excel)" "efbbbf" "$(head -c 3 "$TEST_TMP/body" | od -An -tx1 | tr -d ' \n')"
check_contains "csv has the summary" "summary,2,2,0,0,5,2,3,40.0,$ENTRIES," "$(tr -d '\r' <"$TEST_TMP/body")"
check_eq "csv lines end CRLF" 0 "$(grep -c $'[^\r]$' "$TEST_TMP/body" || true)"
H=$(headers '/v1/reports?month=2025-10&store=S01&format=html')
check_contains "html is text/html" "content-type: text/html; charset=utf-8" "${H,,}"
check_contains "html is named for the store" 'filename="complaints-2025-10-S01.html"' "$H"
HTML=$(cat "$TEST_TMP/body")
check_contains "html has the title" "<title>Complaint handling report 2025-10, store S01</title>" "$HTML"
check_eq "html: one chart per clock of S01's case (3)" 3 "$(grep -o '<svg' <<<"$HTML" | wc -l)"
check_eq "html has no script" 0 "$(grep -ci '<script' <<<"$HTML" || true)"
H=$(headers '/v1/reports?month=2025-10&format=table')
check_contains "table is text/plain" "content-type: text/plain; charset=utf-8" "${H,,}"
check_eq "table's first line" "Complaint handling report 2025-10, all stores" "$(head -1 "$TEST_TMP/body")"
H=$(headers '/v1/reports?month=2025-10&format=json')
check_contains "json is application/json" "content-type: application/json" "${H,,}"

# ---- Refusals
req GET '/v1/reports?month=2025-13'
check_status "a bad month: 400 bad_period" 400 bad_period
check_eq "it says what to write" "bad month '2025-13': write YYYY-MM, such as 2026-10" "$(jget "$BODY" 'd["error"]["message"]')"
req GET '/v1/reports?week=2025-W53'
check_status "2025 has no week 53: 400 bad_period" 400 bad_period
req GET '/v1/reports'
check_status "no period: 400 bad_period" 400 bad_period
req GET '/v1/reports?month=2025-10&week=2025-W43'
check_status "two periods: 400 bad_period" 400 bad_period
req GET '/v1/reports?from=2025-10-01'
check_status "from without to: 400 bad_period" 400 bad_period
req GET '/v1/reports?from=2025-10-07&to=2025-10-01'
check_status "a range ending before it starts: 400 bad_period" 400 bad_period
req GET '/v1/reports?month=2025-10&format=pdf'
check_status "an unknown format: 400 bad_request" 400 bad_request
req GET '/v1/reports?month=2025-10&store='
check_status "an empty store: 400 bad_request" 400 bad_request

# ---- slactl report
OUT=$("$SLACTL" report --month 2025-10)
check_eq "slactl report prints the table" "Complaint handling report 2025-10, all stores" "$(head -1 <<<"$OUT")"
check_contains "with the clock rows" "soft-complaint  soft-check" "$OUT"
OUT=$("$SLACTL" report --month 2025-10 --json)
check_eq "--json prints the JSON" 2 "$(jget "$OUT" 'd["summary"]["cases"]')"
OUT=$("$SLACTL" report --week 2025-W43 --store S02 --format json)
check_eq "--week and --store" '[1, "S02"]' "$(jget "$OUT" '[d["summary"]["cases"], d["store"]]')"
"$SLACTL" report --from 2025-10-01 --to 2025-10-31 --format csv --output "$TEST_TMP/october.csv"
check_contains "--output writes the file" "summary,2,2,0,0,5,2,3,40.0," "$(tr -d '\r' <"$TEST_TMP/october.csv")"
set +e
"$SLACTL" report >/dev/null 2>"$TEST_TMP/err"
check_eq "no period: usage, exit 2" 2 $?
"$SLACTL" report --from 2025-10-01 >/dev/null 2>&1
check_eq "--from without --to: exit 2" 2 $?
"$SLACTL" report --month 2025-10 --format pdf >/dev/null 2>&1
check_eq "an unknown format: exit 2" 2 $?
"$SLACTL" report --month 2025-13 >/dev/null 2>"$TEST_TMP/err"
check_eq "a bad month refused by slad: exit 1" 1 $?
check_contains "with slad's message" "bad month '2025-13'" "$(cat "$TEST_TMP/err")"
"$SLACTL" report --month 2025-10 --output "$TEST_TMP/no/such/dir/r.txt" >/dev/null 2>&1
check_eq "an unwritable --output: exit 1" 1 $?
SLAD_SOCKET=$TEST_TMP/nothing.sock "$SLACTL" report --month 2025-10 >/dev/null 2>&1
check_eq "no slad: exit 3" 3 $?
set -e

# ---- The monthly job
OUTPUT=$(STATE_DIRECTORY=$TEST_TMP/job SLACTL=$SLACTL "$REPO_DIR/scripts/monthly-report" 2025-10)
check_contains "monthly-report says what it wrote" "reports/2025-10.html" "$OUTPUT"
check_contains "it writes the HTML page" "<title>Complaint handling report 2025-10, all stores</title>" \
    "$(cat "$TEST_TMP/job/reports/2025-10.html")"
check_contains "and the CSV" "summary,2,2,0,0,5,2,3,40.0," "$(tr -d '\r' <"$TEST_TMP/job/reports/2025-10.csv")"
check_eq "nothing else is left there" "2025-10.csv 2025-10.html" "$(ls "$TEST_TMP/job/reports" | xargs)"
PREVIOUS=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
STATE_DIRECTORY=$TEST_TMP/job2 SLACTL=$SLACTL "$REPO_DIR/scripts/monthly-report" >/dev/null
check "without a month it writes the previous one ($PREVIOUS)" test -s "$TEST_TMP/job2/reports/$PREVIOUS.html"
set +e
STATE_DIRECTORY=$TEST_TMP/job3 SLACTL=$SLACTL "$REPO_DIR/scripts/monthly-report" 2025-1 >/dev/null 2>&1
check_eq "a bad month: exit 2" 2 $?
set -e

# ---- A month of more cases than SQLite takes variables in one statement (the store asks in chunks)
python3 - "$SLAD_SOCK" <<'PY'
import http.client, json, socket, sys
class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
conn = Conn("slad", timeout=30)
for i in range(1200):
    body = {"kind": "soft-complaint", "store": "S%02d" % (i % 7), "category": "other", "channel": "online",
            "opened_at": "2025-08-%02dT%02d:%02d:00+08:00" % (1 + i % 28, 9 + i % 12, i % 60)}
    conn.request("POST", "/v1/cases", json.dumps(body), {"Content-Type": "application/json"})
    reply = conn.getresponse()
    reply.read()
    assert reply.status == 201, reply.status
PY
ENTRIES=$(sql "SELECT COUNT(*) FROM escalations e JOIN cases c ON c.id = e.case_id WHERE c.opened_at >= $(iso_to_ms 2025-08-01T00:00:00+08:00) AND c.opened_at < $(iso_to_ms 2025-09-01T00:00:00+08:00)")
req GET '/v1/reports?month=2025-08'
check_eq "1200 cases in August" 1200 "$(jget "$BODY" 'd["summary"]["cases"]')"
check_eq "every one of their $ENTRIES queue entries" "$ENTRIES" "$(jget "$BODY" 'd["summary"]["escalations"]')"
check_eq "seven stores" 7 "$(jget "$BODY" 'len(d["stores"])')"

req GET /v1/health
check_eq "slad is still healthy" ok "$(jget "$BODY" 'd["status"]')"
summary
