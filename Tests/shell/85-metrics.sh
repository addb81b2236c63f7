#!/usr/bin/env bash
# GET /metrics from a real slad after a scripted run: cases met, breached, paused and running, a
# delivery route that fails and one that works. Every value is parsed back from the exposition
# text and checked against what the store holds (sqlite3) or what the script did. Also: the
# metrics listener serves /metrics alone, the TCP listener only with the token, the HELP and TYPE
# lines, `promtool check metrics` (when promtool is installed) and bad --metrics-listen values.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init metrics

# A free TCP port on loopback for each listener.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
METRICS_PORT=$(free_port)
API_PORT=$(free_port)
printf 'secret-token\n' > "$TEST_TMP/token"

# fast.toml plus two routes: "pager" tells the desk and works; "sms" tells the supervisor and
# always fails, given up after 2 attempts.
POLICY=$TEST_TMP/policy.toml
cat "$FIXTURES/fast.toml" - > "$POLICY" <<'TOML'

[delivery]
max-attempts = 2
backoff = "1s"
max-backoff = "1s"

[[delivery.route]]
name = "pager"
tiers = ["desk"]
exec = ["/bin/true"]

[[delivery.route]]
name = "sms"
tiers = ["supervisor"]
exec = ["/bin/false"]
TOML
# A calendar whose holiday data covers this year (UTC): it ends as next year begins.
YEAR=$(date -u +%Y)
cat >> "$POLICY" <<TOML

[calendar.office]
zone = "UTC"
closed = ["$YEAR-05-01"]
covered-through = "$YEAR-12-31"
[calendar.office.hours]
mon = ["09:00-18:00"]
TOML

# --metrics-listen PORT alone: on loopback.
SLAD_ARGS=(--metrics-listen "$METRICS_PORT" --listen "127.0.0.1:$API_PORT" --insecure-plain-tcp --token-file "$TEST_TMP/token")
start_slad "$TEST_TMP/state" "$POLICY"

# The scripted run: 6 API writes, and a refused one first (alone, it commits no transaction).
req POST /v1/cases '{"kind":"nonsense","store":"S1"}'
check_status "an unknown kind is refused" 422
req POST /v1/cases '{"kind":"fast","store":"S1"}'      # A: breaches, climbs to hq
check_status "A opens" 201
A=$(jget "$BODY" 'd["id"]')
req POST /v1/cases '{"kind":"fast","store":"S1"}'      # B: met in time
B=$(jget "$BODY" 'd["id"]')
req POST "/v1/cases/$B/events" '{"kind":"done"}'
check_status "B is met" 200
req POST /v1/cases '{"kind":"fast","store":"S1"}'      # C: paused before its warning
C=$(jget "$BODY" 'd["id"]')
req POST "/v1/cases/$C/events" '{"kind":"hold"}'
check_status "C is paused" 200
req POST /v1/cases '{"kind":"slow","store":"S1"}'      # D: runs for an hour
check_status "D opens" 201

# A climbs: warning at 1 s, breach at 2 s, then manager, head, hq a second apart; the sms route
# fails twice (1 s backoff) and gives up.
reached_hq() { [[ $(sql "SELECT COUNT(*) FROM escalations WHERE case_id = '$A' AND tier = 'hq'") == 1 ]]; }
check "A reaches hq" wait_until 15 reached_hq
sms_settled() { [[ $(sql "SELECT COUNT(*) FROM deliveries WHERE route = 'sms' AND state = 'pending'") == 0 ]]; }
check "the sms delivery is given up" wait_until 15 sms_settled
pager_settled() { [[ $(sql "SELECT COUNT(*) FROM deliveries WHERE route = 'pager' AND state = 'pending'") == 0 ]]; }
check "the pager delivery is done" wait_until 15 pager_settled

scrape() { curl -s --max-time 5 "$@"; }
TEXT=$(scrape "http://127.0.0.1:$METRICS_PORT/metrics")
printf '%s\n' "$TEXT" > "$TEST_TMP/metrics.txt"

# value 'NAME{LABELS}': the sample's value as printed (python's float repr), or "absent".
value() {
    python3 - "$TEST_TMP/metrics.txt" "$1" <<'PY'
import sys
samples = {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    series, _, number = line.rpartition(" ")
    samples[series] = float(number)
v = samples.get(sys.argv[2])
print("absent" if v is None else (int(v) if v == int(v) else v))
PY
}
# sum_of NAME: the sum of every series of NAME (all labels).
sum_of() {
    python3 - "$TEST_TMP/metrics.txt" "$1" <<'PY'
import sys
total = 0.0
for line in open(sys.argv[1]):
    if line.startswith(sys.argv[2] + "{") or line.startswith(sys.argv[2] + " "):
        total += float(line.rsplit(" ", 1)[1])
print(int(total) if total == int(total) else total)
PY
}

# ---- Gauges against the store
check_eq "cases open, fast (A, B and C: none closed)" "$(sql "SELECT COUNT(*) FROM cases WHERE kind = 'fast' AND status != 'closed'")" \
    "$(value 'slad_cases_open{kind="fast"}')"
check_eq "cases open, slow" 1 "$(value 'slad_cases_open{kind="slow"}')"
check_eq "clocks running, slow (D)" 1 "$(value 'slad_clocks_running{kind="slow"}')"
check_eq "clocks paused, fast (C)" 1 "$(value 'slad_clocks_paused{kind="fast"}')"
check_eq "clocks paused, slow" 0 "$(value 'slad_clocks_paused{kind="slow"}')"
check_eq "entries pending = the queue's" "$(sql "SELECT COUNT(*) FROM escalations WHERE state = 'pending'")" \
    "$(value 'slad_entries_pending')"
check_eq "no delivery pending on sms" 0 "$(value 'slad_deliveries_pending{route="sms"}')"
check_eq "the store is not failing" 0 "$(value 'slad_store_failing')"
check_eq "the holiday data of office ends as next year begins (UTC)" "$(date -u -d "$((YEAR + 1))-01-01T00:00:00Z" +%s)" \
    "$(value 'slad_calendar_holiday_data_end_timestamp_seconds{calendar="office"}')"
check_eq "no holiday data end for a calendar without holiday data" absent \
    "$(value 'slad_calendar_holiday_data_end_timestamp_seconds{calendar="always"}')"
NEXT=$(value 'slad_next_deadline_timestamp_seconds')
D_DUE=$(sql "SELECT MIN(next_due) FROM cases WHERE next_due IS NOT NULL")
check_py "the next deadline is D's (or earlier), as a Unix time" "abs($NEXT - $D_DUE / 1000) < 0.002"

# ---- Counters against the store and the script
check_eq "clocks met: B's quick clock" 1 "$(value 'slad_clocks_met_total{kind="fast",clock="quick"}')"
check_eq "clocks breached: A's, told to the supervisor" \
    "$(sql "SELECT COUNT(*) FROM escalations WHERE kind = 'breach' AND due_at = deadline")" \
    "$(value 'slad_clocks_breached_total{kind="fast",clock="quick",tier="supervisor"}')"
check_eq "warnings: the desk's" "$(sql "SELECT COUNT(*) FROM escalations WHERE kind = 'warning'")" \
    "$(value 'slad_warnings_total{kind="fast",clock="quick",tier="desk"}')"
check_eq "escalations: manager, head, hq" 3 "$(sum_of slad_escalations_total)"
for tier in manager head hq; do
    check_eq "an escalation to $tier" 1 "$(value "slad_escalations_total{kind=\"fast\",clock=\"quick\",tier=\"$tier\"}")"
done
check_eq "entry lateness: one observation per entry written" "$(sql "SELECT COUNT(*) FROM escalations")" \
    "$(value 'slad_entry_write_lateness_seconds_count')"
check_eq "deliveries sent on pager = delivered rows" \
    "$(sql "SELECT COUNT(*) FROM deliveries WHERE route = 'pager' AND state = 'delivered'")" \
    "$(value 'slad_deliveries_sent_total{route="pager"}')"
check_eq "deliveries failed on sms = failed rows" \
    "$(sql "SELECT COUNT(*) FROM deliveries WHERE route = 'sms' AND state = 'failed'")" \
    "$(value 'slad_deliveries_failed_total{route="sms"}')"
check_eq "sms retries: one per failed delivery (2 attempts each)" \
    "$(sql "SELECT SUM(attempts) - COUNT(*) FROM deliveries WHERE route = 'sms'")" \
    "$(value 'slad_delivery_retries_total{route="sms"}')"
check_eq "delivery lateness observed per delivery sent" "$(value 'slad_deliveries_sent_total{route="pager"}')" \
    "$(value 'slad_delivery_lateness_seconds_count{route="pager"}')"
check_eq "group commits answered the 6 API writes" 6 "$(value 'slad_group_commit_writes_sum')"
COMMITS=$(value 'slad_group_commit_duration_seconds_count')
check_py "group commits were timed ($COMMITS)" "$COMMITS >= 1"
check_py "every commit's sync was timed" "$(value 'slad_store_sync_seconds_count') >= $COMMITS"
check_py "process metrics: resident memory" "$(value 'process_resident_memory_bytes') > 5e6"
check_py "process metrics: open descriptors" "$(value 'process_open_fds') > 3"
check_py "process metrics: start time within the last hour" "abs($(value 'process_start_time_seconds') - $(date +%s)) < 3600"
check_eq "build info" 1 "$(value 'slad_build_info{version="'"$("$SLAD" --version)"'"}')"

# ---- The text format
check_py "every TYPE line follows its HELP line" "$(python3 - "$TEST_TMP/metrics.txt" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
types = [i for i, l in enumerate(lines) if l.startswith("# TYPE ")]
ok = types and all(lines[i - 1].startswith("# HELP " + lines[i].split()[2] + " ") for i in types)
print(bool(ok))
PY
)"
check_eq "slad's names carry the slad_ prefix or the standard process_ one" "" \
    "$(grep -v '^#' "$TEST_TMP/metrics.txt" | grep -v '^$' | grep -Ev '^(slad_|process_)' | head -3)"
if command -v promtool > /dev/null; then
    check "promtool check metrics: no problem" sh -c "promtool check metrics < '$TEST_TMP/metrics.txt'"
    check "promtool check rules docs/prometheus-alerts.yml" promtool check rules "$REPO_DIR/docs/prometheus-alerts.yml"
else
    echo "skip - promtool is not installed (Debian: apt-get install prometheus)"
fi

# ---- Where /metrics is served
HEADERS=$(curl -s -D - -o /dev/null "http://127.0.0.1:$METRICS_PORT/metrics")
check_contains "the content type is Prometheus text 0.0.4" "text/plain; version=0.0.4" "$HEADERS"
check_eq "the metrics listener serves /metrics alone" 404 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/v1/health")"
req GET /metrics
check_status "the Unix socket serves /metrics" 200
check_contains "... the same families" "# TYPE slad_clocks_met_total counter" "$BODY"
check_eq "the TCP API refuses /metrics without the token" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT/metrics")"
check_eq "... and serves it with the token" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer secret-token' "http://127.0.0.1:$API_PORT/metrics")"

# ---- A reload counted; bad --metrics-listen values refused at start, slad running unaffected
kill -HUP "$SLAD_PID"
reloaded() { scrape "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q '^slad_policy_reloads_total{result="ok"} 1$'; }
check "a reload is counted" wait_until 10 reloaded
OUT=$("$SLAD" --metrics-listen nonsense --policy "$POLICY" --state-dir "$TEST_TMP/other" --socket "$TEST_TMP/other.sock" 2>&1) && rc=0 || rc=$?
check_eq "--metrics-listen nonsense: usage error" 64 "$rc"
check_contains "... saying what it takes" "--metrics-listen must be PORT or HOST:PORT" "$OUT"
OUT=$("$SLAD" --metrics-listen "127.0.0.1:$METRICS_PORT" --policy "$POLICY" --state-dir "$TEST_TMP/other" \
    --socket "$TEST_TMP/other.sock" --log-target stderr 2>&1) && rc=0 || rc=$?
check_ne "a metrics port in use: slad does not start" 0 "$rc"
check_contains "... and says the address is in use" "in use" "$OUT"
check "the first slad still answers" wait_ready "$SLAD_SOCK" 5

summary
