#!/usr/bin/env bash
# Delivery to chat robots with a REAL slad: a WeCom and a DingTalk robot played by the FAKE
# vendor server of fixtures/fake-vendor.py (the vendors' clouds cannot run here; it enforces
# their documented body shapes, signatures, size and rate limits). A breach reaches the WeCom
# group as a sentence; a wrong DingTalk secret is the vendor's error, retried, then failed and
# listed; `slactl escalations test-route` prints the robot's answer.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init channels

fake() {  # fake NAME VENDOR [ARGS...]: starts a fake robot; its port in $TEST_TMP/NAME.port
    local name=$1 vendor=$2
    shift 2
    python3 "$FIXTURES/fake-vendor.py" --vendor "$vendor" --port-file "$TEST_TMP/$name.port" \
        --log "$TEST_TMP/$name.jsonl" "$@" &
    track_bg $!
    wait_until 10 test -s "$TEST_TMP/$name.port"
}
fake wecom wecom --token wecom-key-1
fake ding dingtalk --token ding-token-1 --secret SEC-right
printf 'wecom-key-1\n' > "$TEST_TMP/wecom.key"
printf 'SEC-wrong\n' > "$TEST_TMP/ding.secret"

policy=$TEST_TMP/policy.toml
cat "$FIXTURES/fast.toml" - > "$policy" <<EOF2
[delivery]
max-attempts = 2
backoff = "200ms"
console-url = "https://console.store.example"

[[delivery.route]]
name = "store-robot"
tiers = ["supervisor"]
wecom = "http://127.0.0.1:$(cat "$TEST_TMP/wecom.port")/cgi-bin/webhook/send"
token-file = "$TEST_TMP/wecom.key"
mention = { supervisor = ["13800000001"] }

[[delivery.route]]
name = "ding"
tiers = ["manager"]
dingtalk = "http://127.0.0.1:$(cat "$TEST_TMP/ding.port")/robot/send?access_token=ding-token-1"
secret-file = "$TEST_TMP/ding.secret"
EOF2
check "the policy with robot routes is valid" "$SLACTL" policy check "$policy"
start_slad "$TEST_TMP/state" "$policy"

req POST /v1/cases '{"kind":"fast","store":"S1","category":"product-quality","channel":"phone"}'
check_eq "a case opens" 201 "$STATUS"
case_id=$(jget "$BODY" 'd["id"]')

# 2 s later the breach goes to the supervisor's WeCom robot as a sentence.
wecom_text() { python3 -c 'import json,sys; print("\n".join(json.loads(l)["text"] for l in open(sys.argv[1]) if json.loads(l)["code"] == 0))' "$TEST_TMP/wecom.jsonl" 2>/dev/null; }
wait_until 10 grep -qs '"code": 0' "$TEST_TMP/wecom.jsonl" || true
text=$(wecom_text)
check_contains "the WeCom group reads a sentence about the case" "【SLA 超时】S1 门店" "$text"
check_contains "...naming the case, the clock and who was told" "$case_id · quick已超时" "$text"
check_contains "...with the link to the case" "https://console.store.example/cases/$case_id" "$text"
mobiles=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["body"]["text"].get("mentioned_mobile_list"))' "$TEST_TMP/wecom.jsonl")
check_eq "...and @-mentions the supervisor's phone" "['13800000001']" "$mobiles"
entry=$(sql "SELECT id FROM escalations WHERE case_id = '$case_id' AND tier = 'supervisor'")
wait_until 5 test "$(sql "SELECT state FROM deliveries WHERE entry_id = $entry")" = delivered || true
check_match "the entry is delivered, with the message that carried it" '^delivered\|store-robot/[0-9]+-[0-9]+$' \
    "$(sql "SELECT state || '|' || message FROM deliveries WHERE entry_id = $entry")"

# A second later the case climbs to the manager: DingTalk refuses the wrong secret (310000).
failed_listed() { "$SLACTL" escalations --failed --socket "$SLAD_SOCK" | grep -q "$case_id.*manager"; }
check "with a wrong secret the manager's entry ends failed and listed" wait_until 15 failed_listed
codes=$(python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["code"]) for l in open(sys.argv[1])))' "$TEST_TMP/ding.jsonl")
check_eq "DingTalk answered its sign error to both attempts" "310000 310000" "$codes"
check_contains "slad logged the vendor's code and message" "errcode 310000: sign not match" "$(cat "$SLAD_LOG")"
check "the secret is not in the log" bash -c "! grep -q SEC-wrong '$SLAD_LOG'"

# test-route: a sample through each route, the robot's answer printed.
out=$("$SLACTL" escalations test-route store-robot --policy "$policy" 2>&1) && rc=0 || rc=$?
check_eq "test-route through WeCom exits 0" 0 "$rc"
check_contains "...and prints the robot's answer" '{"errcode": 0, "errmsg": "ok"}' "$out"
check_contains "...of a sample case" "TEST-0001" "$(tail -1 "$TEST_TMP/wecom.jsonl")"
out=$("$SLACTL" escalations test-route ding --policy "$policy" 2>&1) && rc=0 || rc=$?
check_eq "test-route through DingTalk with a wrong secret exits 1" 1 "$rc"
check_contains "...and says the vendor's error" "errcode 310000: sign not match" "$out"
out=$("$SLACTL" escalations test-route nobody --policy "$policy" 2>&1) && rc=0 || rc=$?
check_contains "test-route of an unknown route names the routes" "routes: store-robot, ding" "$out"

summary
