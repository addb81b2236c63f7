#!/usr/bin/env bash
# The yearly chore against the real daemon: the office calendar's holiday data ends, `slactl
# policy check` warns, a running revisit is provisional; next year's file is checked and imported,
# diffed and simulated, slad reloads, and the running case's deadline moves (the log says how many
# moved). Dates are computed from today, so the test is the same on any day of any year.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init holidays

etc=$TEST_TMP/etc
mkdir -p "$etc/holidays"
# Today in the stores' zone, the next two weekdays after it (they become holidays), their year.
read -r TODAY D1 D2 YEAR < <(python3 -c '
import datetime, zoneinfo
today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
days, d = [], today
while len(days) < 2:
    d += datetime.timedelta(days=1)
    if d.weekday() < 5 and (not days or d.year == days[0].year): days.append(d)
    elif days and d.year != days[0].year: days.append(days[0])  # the year ends: one holiday is enough
print(today, days[0], days[1], days[0].year)')
PREV=$((YEAR - 1))
# The default policy with its office calendar on this test's files, the store calendar without a horizon.
sed -e 's|holidays = \["holidays/cn-\*.json"\]|holidays = ["holidays/t-*.json"]|' -e '/^covered-through = "2026-12-31"/d' \
    config/policy.toml > "$etc/policy.toml"
printf '{"year": %s, "days": [{"name": "New Year", "date": "%s-01-01", "isOffDay": true}]}\n' "$PREV" "$PREV" \
    > "$etc/holidays/t-$PREV.json"
cp -r "$etc" "$TEST_TMP/etc-old"

# 1. policy check warns (exit 0), --strict refuses (exit 1).
set +e
out=$("$SLACTL" policy check "$etc/policy.toml" 2>&1)
code=$?
"$SLACTL" policy check --strict "$etc/policy.toml" >/dev/null 2>&1
strict=$?
set -e
check_eq "policy check: exit 0 with a warning" 0 "$code"
check_contains "policy check: the office data ended on $PREV-12-31" \
    "warning: calendar 'office': its holiday data ended on $PREV-12-31" "$out"
check_eq "policy check --strict: exit 1 on the warning" 1 "$strict"

# 2. slad runs a revisit past the data: provisional in the API, in health, in the log.
start_slad "$TEST_TMP/state" "$etc/policy.toml"
req POST /v1/cases '{"kind":"soft-complaint","store":"S01","events":[{"kind":"reacted"},{"kind":"checked"}]}'
check_eq "a case opens" 201 "$STATUS"
CASE=$(jget "$BODY" 'd["id"]')
req POST "/v1/cases/$CASE/events" '{"kind":"resolved"}'
check_eq "it is resolved: its revisit runs" 200 "$STATUS"
revisit() { jget "$BODY" '[c for c in d["clocks"] if c["name"] == "revisit"][0]'"$1"; }
BEFORE=$(revisit '["deadline"]')
check_eq "the revisit is provisional" true "$(revisit '.get("provisional")')"
check_contains "with the reason" "has holiday data only through $PREV-12-31" "$(revisit '.get("provisional_reason")')"
req GET /v1/health
check_eq "health is degraded" degraded "$(jget "$BODY" 'd["status"]')"
check_eq "health names the calendar" '{"office": 1}' "$(jget "$BODY" 'd.get("provisional_cases")')"
check_contains "health carries the data warning" "ended on $PREV-12-31" "$(jget "$BODY" 'd.get("calendar_warnings")')"
out=$(SLAD_SOCKET=$SLAD_SOCK "$SLACTL" health | grep '^calendar_warnings:')
check_contains "slactl health says the warning as it reads" "calendar_warnings: calendar 'office':" "$out"
check "... with no escapes in it" bash -c "! grep -qF '\\' <<<\"\$1\"" _ "$out"
out=$(SLAD_SOCKET=$SLAD_SOCK "$SLACTL" show "$CASE")
check_match "slactl show marks it and says why" "revisit +running \*.*\* revisit: deadline provisional" "$(tr '\n' ' ' <<< "$out")"
wait_until 5 grep -q "$CASE revisit due .* is provisional" "$SLAD_LOG"
check "the log warns about the provisional deadline" grep -q "is provisional: calendar 'office'" "$SLAD_LOG"

# 3. A bad file is refused with the file, the entry and what is wrong; nothing is installed.
printf '{"year": %s, "days": [{"date": "%s-01-01", "isOffDay": true}, {"date": "%s-12-31", "isOffDay": true}]}' \
    "$YEAR" "$YEAR" "$PREV" > "$TEST_TMP/bad-year.json"
printf '{"year": %s, "days": [{"date": "%s", "isOffDay": true}, {"date": "%s", "isOffDay": false}]}' \
    "$YEAR" "$D1" "$D1" > "$TEST_TMP/bad-both.json"
printf '{"year": %s, "days": [' "$YEAR" > "$TEST_TMP/bad-json.json"
for bad in bad-year bad-both bad-json; do
    set +e
    out=$("$SLACTL" calendar import "$TEST_TMP/$bad.json" --calendar office --policy "$etc/policy.toml" 2>&1)
    code=$?
    set -e
    check_eq "import refuses $bad.json (exit 1)" 1 "$code"
    case $bad in
    bad-year) check_contains "...naming the entry outside its year" "$bad.json: days[1] ($PREV-12-31): $PREV-12-31 is outside the file's year ($YEAR)" "$out" ;;
    bad-both) check_contains "...naming the day both off and make-up" "days[1] ($D1): $D1 is both an off day and a make-up working day" "$out" ;;
    bad-json) check_contains "...saying it is not JSON" "$bad.json: not valid JSON" "$out" ;;
    esac
done
check "nothing was installed" test ! -e "$etc/holidays/t-$YEAR.json"

# 4. Next year's file: imported (what it changes is printed), then diffed and simulated.
printf '{"year": %s, "days": [{"name": "Test Day", "date": "%s", "isOffDay": true}, {"name": "Test Day", "date": "%s", "isOffDay": true}]}\n' \
    "$YEAR" "$D1" "$D2" > "$TEST_TMP/t-new.json"
out=$("$SLACTL" calendar import "$TEST_TMP/t-new.json" --calendar office --policy "$etc/policy.toml")
check_contains "import says what becomes closed" "day office $D1 " "$out"
check_contains "...as a holiday" "09:00-18:00 -> closed (Test Day)" "$out"
check "the file is installed under the calendar's pattern" cmp -s "$TEST_TMP/t-new.json" "$etc/holidays/t-$YEAR.json"
set +e
"$SLACTL" calendar import "$TEST_TMP/t-new.json" --calendar office --policy "$etc/policy.toml" >/dev/null 2>&1
again=$?
set -e
check_eq "the same file again is taken (nothing differs)" 0 "$again"
out=$("$SLACTL" policy diff "$TEST_TMP/etc-old/policy.toml" "$etc/policy.toml")
check_contains "policy diff: the horizon moves" "calendar office: data covers through $PREV-12-31 -> $YEAR-12-31" "$out"
check_contains "policy diff: the new holiday" "day office $D1" "$out"
out=$("$SLACTL" policy check "$etc/policy.toml" --today "$YEAR-01-01" 2>&1)
check_eq "policy check with the new file: no warning early in the year" "" "$(grep warning <<< "$out" || true)"
out=$(SLAD_SOCKET=$SLAD_SOCK "$SLACTL" simulate --old "$TEST_TMP/etc-old/policy.toml" --policy "$etc/policy.toml" \
    --from "$TODAY")
check_contains "simulate reads the day's case through the API" "1 cases opened $TODAY" "$out"
check_match "simulate: the revisit is open under both" "soft-complaint +revisit +0 +0 +1 +0 +0 +1" "$(tr '\n' ' ' <<< "$out")"
SLAD_SOCKET=$SLAD_SOCK "$SLACTL" export --from "$TODAY" --to "$(date -d "$TODAY + 1 day" +%F)" > "$TEST_TMP/export.jsonl"
out=$("$SLACTL" simulate --old "$TEST_TMP/etc-old/policy.toml" --policy "$etc/policy.toml" --export "$TEST_TMP/export.jsonl" \
    --from "$TODAY" --socket /nonexistent)
check_contains "simulate reads an export file without slad" "1 cases opened $TODAY" "$out"

# 5. Reload: the running revisit moves later, past the new holidays, and is no longer provisional.
kill -HUP "$SLAD_PID"
wait_until 10 grep -q "deadlines recomputed on reload" "$SLAD_LOG"
check_contains "the log says how many deadlines moved" "deadlines recomputed on reload: 1 moved, 0 earlier and 1 later" \
    "$(cat "$SLAD_LOG")"
req GET "/v1/cases/$CASE"
AFTER=$(revisit '["deadline"]')
check "the running case's deadline moved later ($BEFORE -> $AFTER)" \
    test "$(iso_to_ms "$AFTER")" -gt "$(iso_to_ms "$BEFORE")"
if [[ "${AFTER:0:4}" == "$YEAR" ]]; then
    check_eq "the revisit is no longer provisional" null "$(revisit '.get("provisional")')"
    req GET /v1/health
    check_eq "health is ok again" ok "$(jget "$BODY" 'd["status"]')"
fi
stop_slad
summary
