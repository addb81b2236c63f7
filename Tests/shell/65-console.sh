#!/usr/bin/env bash
# The managers' web console in a real headless Chromium (Debian's chromium and chromium-driver,
# driven over WebDriver by fixtures/browser.py), against a real slad serving TLS with a
# certificate made here: sign-in, a breach on the open board within 2 s, Acknowledge, a case's
# timeline, CSRF, sign-out, session fixation, a stolen cookie, XSS, a huge form, brute force.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init console

for tool in chromium chromedriver openssl; do
    if ! command -v "$tool" >/dev/null; then
        fail "$tool is needed (make deps installs chromium, chromium-driver and openssl)"
        summary
    fi
done

# ---- A certificate for 127.0.0.1, made by the test.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$TEST_TMP/key.pem" -out "$TEST_TMP/cert.pem" 2>/dev/null
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=https://127.0.0.1:$PORT
SLAD_ARGS=(--listen "127.0.0.1:$PORT" --tls-cert "$TEST_TMP/cert.pem" --tls-key "$TEST_TMP/key.pem")
start_slad "$TEST_TMP/state" "$FIXTURES/fast.toml"
export SLAD_SOCKET=$SLAD_SOCK

PASSWORD=console-test-password-1
printf '%s\n' "$PASSWORD" | "$SLACTL" user add amy --role manager --stores S01 --password-stdin >/dev/null
printf '%s\n' "$PASSWORD" | "$SLACTL" user add sam --role staff --stores S01 --password-stdin >/dev/null
check_contains "two console users exist" "sam" "$("$SLACTL" user list)"

# curl against the console: -k (the test's own certificate), no redirects followed.
page() {  # page METHOD PATH [curl args...]: sets STATUS, BODY, HEADERS
    local method=$1 path=$2
    shift 2
    local out="$TEST_TMP/page"
    STATUS=$(curl -sk -o "$out" -D "$out.headers" -w '%{http_code}' --max-time 15 -X "$method" "$@" "$BASE$path") || STATUS=000
    BODY=$(cat "$out")
    HEADERS=$(tr -d '\r' <"$out.headers")
}

# ---- Plain pages: redirects, and the headers every answer carries.
page GET /
check_eq "/ sends the browser to the console" "303" "$STATUS"
check_contains "... at /console/" "location: /console/" "$HEADERS"
page GET /console/
check_contains "the board without a session sends to the sign-in page" "location: /console/signin" "$HEADERS"
page GET /console/signin -c "$TEST_TMP/jar"
check_eq "the sign-in page answers" "200" "$STATUS"
check_contains "its content security policy allows only slad's own script and style" \
    "content-security-policy: default-src 'self'; script-src 'self'; style-src 'self'" "$HEADERS"
check_contains "it may not be framed" "x-frame-options: DENY" "$HEADERS"
check_contains "it sends no referrer" "referrer-policy: no-referrer" "$HEADERS"
check_contains "it is not cached" "cache-control: no-store" "$HEADERS"
check_match "its pre-session token cookie is HttpOnly, Secure, SameSite=Strict" \
    "set-cookie: slad_signin=[0-9a-f]{64}; Path=/console; HttpOnly; Secure; SameSite=Strict" "$HEADERS"
check "the page loads nothing from elsewhere" bash -c "! grep -Eq '(src|href)=\"(https?:)?//' <<<\"\$1\"" _ "$BODY"

# ---- A huge form is refused before it is read whole.
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/name=/' >"$TEST_TMP/huge"
page POST /console/signin -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$TEST_TMP/huge"
check_eq "a form over 64 KiB is refused (413)" "413" "$STATUS"

# ---- A store id with markup is refused by the API (and escaped by every page: unit tests).
req POST /v1/cases '{"kind":"fast","store":"<script>alert(1)</script>"}'
check_eq "a store id with markup is refused" "400" "$STATUS"

# ---- The browser: sign in, the live board, Acknowledge, the timeline, CSRF, sign-out, fixation, XSS.
python3 "$FIXTURES/browser.py" check --base "$BASE" --user amy --password "$PASSWORD" --socket "$SLAD_SOCK" \
    --store S01 --out "$TEST_TMP" >"$TEST_TMP/browser.out" 2>"$TEST_TMP/browser.err" || true
while IFS= read -r line; do
    case "$line" in
    "ok   - "*) pass "browser: ${line#ok   - }" ;;
    "FAIL - "*) fail "browser: ${line#FAIL - }" ;;
    esac
done <"$TEST_TMP/browser.out"
check "the browser script ran to its end" test -s "$TEST_TMP/stolen-cookie"
[[ -s "$TEST_TMP/browser.err" ]] && sed 's/^/    browser: /' "$TEST_TMP/browser.err" | tail -n 20 >&2

# ---- The cookie of the signed-out session, replayed: no page, no API, no write.
STOLEN=$(cat "$TEST_TMP/stolen-cookie" 2>/dev/null || echo "slad_session=none")
page GET /console/ -H "Cookie: $STOLEN"
check_contains "the signed-out session's cookie opens no page (sent to sign in)" "location: /console/signin" "$HEADERS"
page GET /console/board/rows -H "Cookie: $STOLEN"
check_eq "... nor the board's rows (401)" "401" "$STATUS"
page GET /v1/cases -H "Cookie: $STOLEN"
check_eq "... nor the API (401)" "401" "$STATUS"

# ---- Staff: no Acknowledge button, and a forged POST with their own token is refused.
sign_in() {  # sign_in NAME PASSWORD JAR: prints the status of the sign-in POST
    local token
    curl -sk -c "$3" -o /dev/null "$BASE/console/signin"
    token=$(awk '$6 == "slad_signin" { print $7 }' "$3")
    curl -sk -b "$3" -c "$3" -o /dev/null -w '%{http_code}' -X POST "$BASE/console/signin" \
        --data-urlencode "csrf=$token" --data-urlencode "name=$1" --data-urlencode "password=$2"
}
check_eq "staff sign in" "303" "$(sign_in sam "$PASSWORD" "$TEST_TMP/sam")"
page GET /console/queue?state=all -b "$TEST_TMP/sam"
check "staff see no Acknowledge button" bash -c "! grep -q 'ack-button' <<<\"\$1\"" _ "$BODY"
SAM_CSRF=$(grep -o 'name="csrf" value="[^"]*"' <<<"$BODY" | head -1 | sed 's/.*value="//; s/"//')
ENTRY=$(sql "SELECT id FROM escalations WHERE state != 'acknowledged' ORDER BY id LIMIT 1")
page POST "/console/queue/${ENTRY:-1}/ack" -b "$TEST_TMP/sam" --data-urlencode "csrf=$SAM_CSRF"
check_eq "a POST by staff to Acknowledge is refused (403)" "403" "$STATUS"
check_eq "... and the entry stays unacknowledged" "" "$(sql "SELECT acked_by FROM escalations WHERE id = ${ENTRY:-1}")"

# ---- The note of an acknowledgement made through the API shows in the console too.
OTHER=$(sql "SELECT id FROM escalations WHERE state != 'acknowledged' AND store = 'S01' ORDER BY id LIMIT 1")
"$SLACTL" ack "$OTHER" --note 'on it <b>now</b>' >/dev/null
req GET "/v1/escalations?state=acknowledged&limit=1000"
check_eq "slactl ack --note keeps the note (ack_note)" "on it <b>now</b>" \
    "$(jget "$BODY" "[e.get('ack_note') for e in d['entries'] if e['id'] == ${OTHER:-0}][0]")"
page GET "/console/queue?state=acknowledged" -b "$TEST_TMP/sam"
check_contains "the console shows it, escaped" "on it &lt;b&gt;now&lt;/b&gt;" "$BODY"

# ---- Brute force through the sign-in form: refused, then throttled (429 with Retry-After).
statuses=""
for _ in 1 2 3 4 5 6 7; do statuses+=" $(sign_in amy wrong-password "$TEST_TMP/guess")"; done
check_contains "wrong passwords are refused (401)" "401" "$statuses"
check_contains "then the sign-in is throttled (429)" "429" "$statuses"
check_eq "the right password is throttled too while it lasts" "429" "$(sign_in amy "$PASSWORD" "$TEST_TMP/guess")"
check_contains "failed sign-ins are logged, with the name and address" "sign-in failed: 'amy' from 127.0.0.1" "$(cat "$SLAD_LOG")"
check_contains "the console's acknowledgement is audited" "acknowledged by user:amy" "$(cat "$SLAD_LOG")"
check_contains "the staff's refused acknowledgement is logged" "user:sam (staff) may not acknowledge" "$(cat "$SLAD_LOG")"
check "no password in the log" bash -c "! grep -q -- \"\$1\" \"\$2\" && ! grep -q wrong-password \"\$2\"" _ "$PASSWORD" "$SLAD_LOG"

summary
