#!/usr/bin/env bash
# The contacts file with a REAL slad: a WeCom robot route with `on-duty = true` @-mentions the
# person the contacts file has on duty for the entry's tier and store (its FAKE vendor server,
# fixtures/fake-vendor.py, checks the body); `slactl policy check` checks the file too and warns
# when it is world-readable; a broken file is refused on SIGHUP with its file and line, and the
# old roster stays in force; a good one then replaces it.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init contacts

python3 "$FIXTURES/fake-vendor.py" --vendor wecom --token wecom-key-1 --port-file "$TEST_TMP/wecom.port" \
    --log "$TEST_TMP/wecom.jsonl" &
track_bg $!
wait_until 10 test -s "$TEST_TMP/wecom.port"
printf 'wecom-key-1\n' > "$TEST_TMP/wecom.key"

contacts=$TEST_TMP/contacts.toml
write_contacts() {  # write_contacts PERSON: PERSON on duty as S1's supervisor
    cat > "$contacts" <<EOF2
[person.amy]
name = "Amy Wang"
phone = "13800000001"
wecom = "AmyWang"

[person.li]
name = "Li Lei"
wecom = "LiLei"

[duty.S1]
supervisor = ["$1"]
EOF2
    chmod 640 "$contacts"
}
write_contacts amy

policy=$TEST_TMP/policy.toml
cat "$FIXTURES/fast.toml" - > "$policy" <<EOF2
[delivery]
contacts = "contacts.toml"

[[delivery.route]]
name = "store-robot"
tiers = ["supervisor"]
wecom = "http://127.0.0.1:$(cat "$TEST_TMP/wecom.port")/cgi-bin/webhook/send"
token-file = "$TEST_TMP/wecom.key"
format = "markdown"
on-duty = true
EOF2

out=$("$SLACTL" policy check "$policy" 2>&1) && rc=0 || rc=$?
check_eq "slactl policy check accepts the policy with its contacts file" 0 "$rc"
check "...without a warning (the file is 0640)" bash -c "! grep -q warning <<<'$out'"
chmod 644 "$contacts"
out=$("$SLACTL" policy check "$policy" 2>&1) && rc=0 || rc=$?
check_contains "a world-readable contacts file is accepted with a warning" \
    "warning: $contacts holds phone numbers and is readable by every user" "$out"
chmod 640 "$contacts"

start_slad "$TEST_TMP/state" "$policy"
PID=$SLAD_PID

# wecom_mentions N: the content of the Nth accepted message (1-based) once it has arrived.
wecom_content() {
    python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["code"] == 0]
n = int(sys.argv[2])
print(lines[n - 1]["body"]["markdown"]["content"] if len(lines) >= n else "")' "$TEST_TMP/wecom.jsonl" "$1" 2>/dev/null
}
open_case() {
    req POST /v1/cases '{"kind":"fast","store":"S1","category":"product-quality","channel":"phone"}'
    jget "$BODY" 'd["id"]'
}

first=$(open_case)
wait_until 10 test -n "$(wecom_content 1)" || true
check_contains "the breach names the case" "$first" "$(wecom_content 1)"
check_contains "...and @-mentions Amy, on duty, by her WeCom user id" "<@AmyWang>" "$(wecom_content 1)"

# A duty list naming someone the file does not know: refused with its line, the old roster stays.
write_contacts bob
kill -HUP "$PID"
wait_until 5 grep -q "unknown person 'bob'" "$SLAD_LOG" || true
check_contains "the reload is refused with the contacts file's name and line" \
    "$contacts:11: duty.S1.supervisor: unknown person 'bob'" "$(cat "$SLAD_LOG")"
check "slad is still running" kill -0 "$PID"
out=$("$SLACTL" policy check "$policy" 2>&1) && rc=0 || rc=$?
check_eq "slactl policy check refuses it too (exit 1)" 1 "$rc"
second=$(open_case)
wait_until 10 test -n "$(wecom_content 2)" || true
check_contains "the next breach still @-mentions Amy (the old roster)" "$second" "$(wecom_content 2)"
check_contains "...and @-mentions Amy, on duty in the roster still in force" "<@AmyWang>" "$(wecom_content 2)"

# Li takes over: the next reload is accepted and the next breach mentions Li.
write_contacts li
kill -HUP "$PID"
wait_until 5 bash -c "test \$(grep -c 'policy reloaded' '$SLAD_LOG') -ge 1" || true
third=$(open_case)
wait_until 10 test -n "$(wecom_content 3)" || true
check_contains "after a good reload the breach names the case" "$third" "$(wecom_content 3)"
check_contains "...and @-mentions Li, now on duty" "<@LiLei>" "$(wecom_content 3)"
check "...and not Amy" bash -c "! grep -q AmyWang <<<'$(wecom_content 3)'"
check "no phone number reached the log" bash -c "! grep -q 13800000001 '$SLAD_LOG'"

# Made world-readable: the next reload is accepted, and the journal says so.
chmod 644 "$contacts"
kill -HUP "$PID"
wait_until 5 grep -q "readable by every user" "$SLAD_LOG" || true
check_contains "slad warns of a world-readable contacts file on reload" \
    "$contacts holds phone numbers and is readable by every user" "$(cat "$SLAD_LOG")"
stop_slad
summary
