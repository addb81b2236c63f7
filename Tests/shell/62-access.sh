#!/usr/bin/env bash
# Accounts, roles and store scope against the real daemon, over TLS (a CA and certificates made
# here with openssl) and over the Unix socket: every route for staff, a manager and HQ; a manager
# of S01 gets nothing of S02 (by id, list, follow long-poll, report, export); a disabled user's or
# revoked token fails at the next request; a forged actor is ignored; a uid mapped to a user acts
# as that user on the socket, another uid is refused; plain TCP refused off loopback; the
# certificate swapped and SIGHUP served to the next connection; slactl --url.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init access

command -v openssl >/dev/null || { fail "openssl is needed (make test installs it)"; summary; }
PORT=$((20000 + RANDOM % 20000))
TLS=$TEST_TMP/tls
mkdir -p "$TLS"

# make_cert NAME SERIAL: a server certificate for 127.0.0.1 and localhost, signed by the test CA.
make_cert() {
    openssl req -new -newkey rsa:2048 -nodes -keyout "$TLS/$1.key" -subj "/CN=slad-test-$1" \
        -out "$TLS/$1.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$TLS/$1.ext"
    openssl x509 -req -in "$TLS/$1.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -set_serial "$2" -days 2 \
        -extfile "$TLS/$1.ext" -out "$TLS/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS/ca.key" -out "$TLS/ca.pem" -days 2 \
    -subj "/CN=slad test CA" 2>/dev/null
make_cert one 4242
make_cert two 4343
cp "$TLS/one.pem" "$TLS/server.pem"
cp "$TLS/one.key" "$TLS/server.key"

SLAD_ARGS=(--listen "127.0.0.1:$PORT" --tls-cert "$TLS/server.pem" --tls-key "$TLS/server.key")
start_slad "$TEST_TMP/state" "$FIXTURES/fast.toml"
export SLAD_SOCKET=$SLAD_SOCK
BASE=https://127.0.0.1:$PORT

# ---- Accounts, made by root over the socket (an operator: admin).
"$SLACTL" user add staff1 --role staff --stores S01 >/dev/null
"$SLACTL" user add mgr1 --role manager --stores S01 >/dev/null
"$SLACTL" user add hq1 --role hq >/dev/null
"$SLACTL" user add mgr9 --role manager --stores S09 >/dev/null
for user in staff1 mgr1 hq1 mgr9; do
    "$SLACTL" user token "$user" --label "test $user" >"$TEST_TMP/$user.token" 2>/dev/null
done
TOKEN_STAFF=$(cat "$TEST_TMP/staff1.token")
TOKEN_MGR=$(cat "$TEST_TMP/mgr1.token")
TOKEN_HQ=$(cat "$TEST_TMP/hq1.token")
check_match "slactl user token prints a slad_ token of 256 bits" '^slad_[A-Za-z0-9_-]{43}$' "$TOKEN_MGR"
OUT=$("$SLACTL" user list)
check_match "user list: mgr1 is a manager of S01" 'mgr1 +manager +S01' "$OUT"
check_match "user list: hq1 sees every store" 'hq1 +hq +\*' "$OUT"
check "user list never shows a hash or token" bash -c "! '$SLACTL' user list --json | grep -Eq 'scrypt|slad_'"
check "the store keeps no token in clear" bash -c "! sqlite3 '$SLAD_DIR/slad.sqlite' .dump | grep -q '$TOKEN_MGR'"

# treq TOKEN METHOD PATH [BODY]: the API over TLS with the test CA; sets STATUS and BODY.
treq() {
    local token=$1 method=$2 path=$3 body=${4-}
    local out
    out=$(mktemp "$TEST_TMP/treq.XXXXXX")
    local args=(-s -o "$out" -w '%{http_code}' --max-time "${CURL_MAX_TIME:-10}" --cacert "$TLS/ca.pem" -X "$method")
    [[ -n "$token" ]] && args+=(-H "Authorization: Bearer $token")
    [[ $# -ge 4 ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    STATUS=$(curl "${args[@]}" "$BASE$path" 2>/dev/null) || true
    [[ -n "$STATUS" ]] || STATUS=000
    BODY=$(cat "$out")
    rm -f "$out"
}

# ---- TLS
treq "$TOKEN_HQ" GET /v1/health
check_status "TLS: the handshake with the test CA works, health 200" 200
check_eq "plain http:// to the TLS port gets no answer" 000 \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/v1/health" || true)"
check_eq "without the test CA the certificate is not trusted" 000 \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $TOKEN_HQ" "$BASE/v1/health" || true)"
check "TLS 1.1 is refused" bash -c "! curl -s -o /dev/null --max-time 5 --cacert '$TLS/ca.pem' --tls-max 1.1 '$BASE/v1/version'"
treq "" GET /v1/health
check_status "TLS without a token: 401" 401 unauthorized

# ---- Cases of two stores, opened by root on the socket.
req POST /v1/cases '{"kind":"fast","store":"S01"}'
A=$(jget "$BODY" 'd["id"]')
req POST /v1/cases '{"kind":"fast","store":"S02"}'
B=$(jget "$BODY" 'd["id"]')
req POST /v1/cases '{"kind":"slow","store":"S01"}'
D=$(jget "$BODY" 'd["id"]')
req POST /v1/cases '{"kind":"slow","store":"S02"}'
E=$(jget "$BODY" 'd["id"]')
# Both fast cases breach 2 s after opening; wait for their supervisor entries.
entry_of() {  # CASE TIER: the id of the case's breach entry for the tier
    req GET "/v1/escalations?case=$1&tier=$2"
    jget "$BODY" '[e["id"] for e in d["entries"] if e["kind"] == "breach"][0]'
}
wait_until 10 bash -c "[[ \$(curl -s --unix-socket '$SLAD_SOCK' 'http://slad/v1/escalations?case=$B&tier=hq' | grep -c breach) -ge 1 ]]" || true
A_SUP=$(entry_of "$A" supervisor)
A_MGR=$(entry_of "$A" manager)
A_HEAD=$(entry_of "$A" head)
B_SUP=$(entry_of "$B" supervisor)
B_MGR=$(entry_of "$B" manager)
check_match "entries were written for both stores" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "$A_SUP $A_MGR $B_SUP $B_MGR"

# ---- Every route, for staff (S01), a manager (S01) and HQ: the status each gets.
MONTH=$(date -u +%Y-%m)
FROM=$(date -u -d yesterday +%Y-%m-%d)
TO=$(date -u -d tomorrow +%Y-%m-%d)
# route_status TOKEN METHOD PATH [BODY]
route_status() {
    treq "$@"
    printf '%s' "$STATUS"
}
matrix() {  # NAME METHOD PATH BODY STAFF MANAGER HQ
    local name=$1 method=$2 path=$3 body=$4
    local got
    if [[ -n "$body" ]]; then
        got="$(route_status "$TOKEN_STAFF" "$method" "$path" "$body") $(route_status "$TOKEN_MGR" "$method" "$path" "$body") $(route_status "$TOKEN_HQ" "$method" "$path" "$body")"
    else
        got="$(route_status "$TOKEN_STAFF" "$method" "$path") $(route_status "$TOKEN_MGR" "$method" "$path") $(route_status "$TOKEN_HQ" "$method" "$path")"
    fi
    check_eq "route $name: staff, manager, hq" "$5 $6 $7" "$got"
}
matrix "GET /v1/health" GET /v1/health "" 200 200 200
matrix "GET /v1/version" GET /v1/version "" 200 200 200
matrix "POST /v1/cases (S01)" POST /v1/cases '{"kind":"slow","store":"S01"}' 201 201 403
matrix "POST /v1/cases (S02)" POST /v1/cases '{"kind":"slow","store":"S02"}' 403 403 403
matrix "GET /v1/cases" GET /v1/cases "" 200 200 200
matrix "GET /v1/cases/ID (S01)" GET "/v1/cases/$A" "" 200 200 200
matrix "GET /v1/cases/ID (S02)" GET "/v1/cases/$B" "" 404 404 200
matrix "POST /v1/cases/ID/events (S01)" POST "/v1/cases/$D/events" '{"kind":"done"}' 200 200 403
matrix "POST /v1/cases/ID/events (S02)" POST "/v1/cases/$E/events" '{"kind":"done"}' 404 404 403
matrix "GET /v1/escalations" GET /v1/escalations "" 200 200 200
matrix "POST /v1/escalations/ID/ack (S01)" POST "/v1/escalations/$A_SUP/ack" '{}' 403 200 200
matrix "POST /v1/escalations/ID/ack (S02)" POST "/v1/escalations/$B_SUP/ack" '{}' 403 404 200
matrix "GET /v1/export" GET "/v1/export?from=$FROM&to=$TO" "" 403 200 200
matrix "GET /v1/reports" GET "/v1/reports?month=$MONTH" "" 403 200 200
matrix "GET /v1/reports?store=S02" GET "/v1/reports?month=$MONTH&store=S02" "" 403 404 200
matrix "GET /metrics" GET /metrics "" 403 403 200
matrix "GET /v1/users" GET /v1/users "" 403 403 403
matrix "POST /v1/users" POST /v1/users '{"name":"eve","role":"admin"}' 403 403 403
matrix "POST /v1/users/NAME/tokens" POST /v1/users/hq1/tokens '{}' 403 403 403
matrix "POST /v1/tokens/ID/revoke" POST /v1/tokens/1/revoke '{}' 403 403 403
check_eq "no user was added by those refused" "" "$(sql "SELECT name FROM users WHERE name = 'eve'")"

# ---- A manager of S01 gets nothing of S02.
treq "$TOKEN_MGR" GET "/v1/cases/$B"
MGR_B=$BODY
treq "$TOKEN_MGR" GET /v1/cases/C-999999
check_eq "another store's case answers exactly as a case that does not exist" \
    "$(jget "$BODY" 'd["error"]["code"]')" "$(jget "$MGR_B" 'd["error"]["code"]')"
treq "$TOKEN_MGR" GET "/v1/cases?limit=1000"
check_eq "the manager's case list holds only S01" S01 "$(jget "$BODY" '",".join(sorted(set(c["store"] for c in d["cases"])))')"
treq "$TOKEN_MGR" GET "/v1/cases?store=S02"
check_status "asking the list for S02 by name: 404" 404 unknown_store
treq "$TOKEN_MGR" GET "/v1/escalations?limit=1000"
check_eq "the manager's queue holds only S01" S01 "$(jget "$BODY" '",".join(sorted(set(e["store"] for e in d["entries"])))')"
treq "$TOKEN_MGR" GET "/v1/escalations?case=$B"
check_eq "asking the queue for an S02 case gives nothing" 0 "$(jget "$BODY" 'len(d["entries"])')"
treq "$TOKEN_HQ" GET "/v1/escalations?limit=1000"
check_eq "HQ's queue holds both stores" S01,S02 "$(jget "$BODY" '",".join(sorted(set(e["store"] for e in d["entries"])))')"
treq "$TOKEN_HQ" GET "/v1/cases?limit=1000"
check_eq "HQ's case list holds both stores" S01,S02 "$(jget "$BODY" '",".join(sorted(set(c["store"] for c in d["cases"])))')"
treq "$TOKEN_MGR" GET "/v1/reports?month=$MONTH"
MGR_CASES=$(jget "$BODY" 'd["summary"]["cases"]')
treq "$TOKEN_HQ" GET "/v1/reports?month=$MONTH&store=S01"
check_eq "the manager's report counts only S01's cases" "$(jget "$BODY" 'd["summary"]["cases"]')" "$MGR_CASES"
treq "$TOKEN_HQ" GET "/v1/reports?month=$MONTH"
check_py "... fewer than HQ's report of every store" "$MGR_CASES < $(jget "$BODY" 'd["summary"]["cases"]')"
treq "$TOKEN_MGR" GET "/v1/export?from=$FROM&to=$TO"
check "the manager's export holds only S01" python3 -c '
import json, sys
stores = {json.loads(l)["store"] for l in sys.argv[1].splitlines() if l.strip()}
sys.exit(0 if stores == {"S01"} else 1)' "$BODY"

# The follow long-poll: the manager's poll is not woken with S02's entries; HQ's is.
req GET "/v1/escalations?limit=1000"
LAST=$(jget "$BODY" 'max([e["id"] for e in d["entries"]] or [0])')
CURL_MAX_TIME=15
curl -s --max-time 15 --cacert "$TLS/ca.pem" -H "Authorization: Bearer $TOKEN_MGR" \
    "$BASE/v1/escalations?after=$LAST&wait=6" >"$TEST_TMP/mgr.poll" &
MGR_POLL=$!
curl -s --max-time 15 --cacert "$TLS/ca.pem" -H "Authorization: Bearer $TOKEN_HQ" \
    "$BASE/v1/escalations?after=$LAST&wait=6" >"$TEST_TMP/hq.poll" &
HQ_POLL=$!
track_bg "$MGR_POLL"
track_bg "$HQ_POLL"
sleep 0.3
req POST /v1/cases '{"kind":"fast","store":"S02"}'  # breaches in 2 s: S02 entries only
wait "$HQ_POLL" || true
untrack "$HQ_POLL"
wait "$MGR_POLL" || true
untrack "$MGR_POLL"
CURL_MAX_TIME=10
check_eq "HQ's follow poll is answered with the new S02 entries" S02 \
    "$(jget "$(cat "$TEST_TMP/hq.poll")" '",".join(sorted(set(e["store"] for e in d["entries"])))')"
check_eq "the S01 manager's follow poll gets none of them" 0 "$(jget "$(cat "$TEST_TMP/mgr.poll")" 'len(d["entries"])')"

# ---- The actor recorded is the account, never the claim.
treq "$TOKEN_MGR" POST "/v1/escalations/$A_MGR/ack" '{"actor":"the-ceo"}'
check_status "the manager acknowledges an S01 entry" 200
check_eq "the ack is recorded as the manager, not the forged actor" "user:mgr1" "$(jget "$BODY" 'd["acked_by"]')"
treq "$TOKEN_STAFF" POST "/v1/cases/$A/events" '{"kind":"done","actor":"the-ceo"}'
check_status "staff record an event on an S01 case" 200
check_eq "the event is recorded as the staff member" "user:staff1" \
    "$(sql "SELECT actor FROM events WHERE case_id = '$A' AND kind = 'done'")"
treq "$TOKEN_HQ" POST "/v1/escalations/$B_MGR/ack" '{"actor":"mgr1"}'
check_eq "HQ acknowledges an S02 entry, recorded as HQ" "user:hq1" "$(jget "$BODY" 'd["acked_by"]')"
check_contains "the acknowledgement is in the journal (log) with who did it" \
    "entry $A_MGR of case $A acknowledged by user:mgr1" "$(cat "$SLAD_LOG")"

# ---- Disable and revoke: the next request fails.
treq "$TOKEN_STAFF" GET /v1/cases
check_status "staff's token works" 200
"$SLACTL" user disable staff1 >/dev/null
treq "$TOKEN_STAFF" GET /v1/cases
check_status "a disabled user's token fails at the next request: 401" 401 unauthorized
"$SLACTL" user enable staff1 >/dev/null
treq "$TOKEN_STAFF" GET /v1/cases
check_status "enabled again, it works" 200
TOKEN_ID=$("$SLACTL" user tokens staff1 | awk 'NR == 2 { print $1 }')
"$SLACTL" user revoke-token "$TOKEN_ID" >/dev/null
treq "$TOKEN_STAFF" GET /v1/cases
check_status "a revoked token fails at the next request: 401" 401 unauthorized
check_contains "token changes are logged" "token $TOKEN_ID of staff1 revoked by" "$(cat "$SLAD_LOG")"
check_contains "user changes are logged" "user staff1 disabled by uid 0" "$(cat "$SLAD_LOG")"

# ---- slactl --url over TLS with an HQ token.
OUT=$("$SLACTL" list --url "$BASE" --token-file "$TEST_TMP/hq1.token" --cacert "$TLS/ca.pem" 2>&1) && rc=0 || rc=$?
check_eq "slactl --url --token-file --cacert lists remotely" 0 "$rc"
check_contains "... HQ sees S02's case" "$B" "$OUT"
OUT=$("$SLACTL" list --url "$BASE" --token-file "$TEST_TMP/mgr1.token" --cacert "$TLS/ca.pem" 2>&1) || true
check "... the manager does not" bash -c "! grep -qw '$B' <<<'$OUT'"
"$SLACTL" ack "$A_HEAD" --url "$BASE" --token-file "$TEST_TMP/mgr1.token" --cacert "$TLS/ca.pem" --actor x >/dev/null
req GET "/v1/escalations?case=$A&tier=head"
check_eq "slactl ack over --url records the token's user" "user:mgr1" \
    "$(jget "$BODY" '[e["acked_by"] for e in d["entries"] if e["id"] == '"$A_HEAD"'][0]')"
"$SLACTL" health --url "$BASE" --token-file "$TEST_TMP/hq1.token" >/dev/null 2>&1 && rc=0 || rc=$?
check_eq "slactl --url without --cacert does not trust the test certificate (exit 3)" 3 "$rc"

# ---- The socket: root is an operator; another uid is refused unless mapped to a user.
if command -v setpriv >/dev/null && [[ $(id -u) == 0 ]]; then
    chmod 711 "$TEST_TMP" "$SLAD_DIR"
    chmod 666 "$SLAD_SOCK"
    # as_nobody PATH: the status, as uid 65534 (nobody); the body goes to $TEST_TMP/nobody.out
    # (written by this shell: nobody may not write in $TEST_TMP).
    as_nobody() {
        local answer
        answer=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
            curl -s -w '\n%{http_code}' --unix-socket "$SLAD_SOCK" "http://slad$1" 2>/dev/null || true)
        printf '%s' "${answer%$'\n'*}" >"$TEST_TMP/nobody.out"
        printf '%s' "${answer##*$'\n'}"
    }
    check_eq "an unmapped uid outside group slad is refused on the socket: 403" 403 "$(as_nobody /v1/cases)"
    check_contains "... saying how to map it" "slactl user add NAME --uid 65534" "$(cat "$TEST_TMP/nobody.out")"
    "$SLACTL" user add till9 --role staff --stores S02 --uid 65534 >/dev/null
    check_eq "mapped to a staff user of S02, it is that user" 200 "$(as_nobody '/v1/cases?limit=1000')"
    check_eq "... and sees only S02" S02 "$(jget "$(cat "$TEST_TMP/nobody.out")" '",".join(sorted(set(c["store"] for c in d["cases"])))')"
    check_eq "... and may not manage users" 403 "$(as_nobody "/v1/users")"
    "$SLACTL" user disable till9 >/dev/null
    check_eq "a uid mapped to a disabled user is refused, not an operator" 403 "$(as_nobody /v1/cases)"
    chmod 660 "$SLAD_SOCK"
else
    fail "the socket checks need root and setpriv"
fi

# ---- The certificate swapped, SIGHUP: the next connection gets the new one.
serial() {
    echo | openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$TLS/ca.pem" 2>/dev/null | openssl x509 -noout -serial 2>/dev/null
}
check_eq "the first certificate is served" "serial=1092" "$(serial)"
cp "$TLS/two.pem" "$TLS/server.pem"
cp "$TLS/two.key" "$TLS/server.key"
kill -HUP "$SLAD_PID"
wait_until 5 bash -c "[[ \"\$(echo | openssl s_client -connect 127.0.0.1:$PORT -CAfile '$TLS/ca.pem' 2>/dev/null | openssl x509 -noout -serial 2>/dev/null)\" == serial=10F7 ]]" || true
check_eq "after SIGHUP the new certificate is served" "serial=10F7" "$(serial)"
printf 'not a certificate\n' >"$TLS/server.pem"
kill -HUP "$SLAD_PID"
wait_until 5 grep -q "TLS certificate not reloaded" "$SLAD_LOG" || true
check_contains "a broken certificate on reload is refused and logged" "TLS certificate not reloaded" "$(cat "$SLAD_LOG")"
check_eq "... and the previous one stays in force" "serial=10F7" "$(serial)"
treq "$TOKEN_HQ" GET /v1/health
check_status "... slad still answers over TLS" 200
check "no secret reached the log" bash -c "! grep -qE '$TOKEN_MGR|$TOKEN_HQ' '$SLAD_LOG'"
stop_slad

# ---- Plain TCP: refused off loopback, and on loopback unless asked for.
P2=$((PORT + 1))
plain() {
    "$SLAD" --policy "$FIXTURES/fast.toml" --state-dir "$TEST_TMP/plain" --socket "$TEST_TMP/plain.sock" "$@" \
        >"$TEST_TMP/plain.log" 2>&1 &
    local pid=$!
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; echo running; else wait "$pid" && echo 0 || echo $?; fi
}
check_eq "--listen 0.0.0.0 without TLS: slad exits 78" 78 "$(plain --listen "0.0.0.0:$P2" --insecure-plain-tcp)"
check_contains "... saying why" "only allowed on a loopback address" "$(cat "$TEST_TMP/plain.log")"
check_eq "--listen 127.0.0.1 without TLS and without --insecure-plain-tcp: exit 78" 78 \
    "$(plain --listen "127.0.0.1:$P2")"
check_contains "... saying what to do" "needs TLS (--tls-cert FILE --tls-key FILE)" "$(cat "$TEST_TMP/plain.log")"
check_eq "a key that does not match the certificate: exit 78" 78 \
    "$(plain --listen "127.0.0.1:$P2" --tls-cert "$TLS/one.pem" --tls-key "$TLS/two.key")"
SLAD_ARGS=(--listen "127.0.0.1:$P2" --insecure-plain-tcp)
start_slad "$TEST_TMP/plain" "$FIXTURES/fast.toml"
SLAD_SOCKET=$SLAD_SOCK "$SLACTL" user add ops --role admin >/dev/null
TOKEN=$(SLAD_SOCKET=$SLAD_SOCK "$SLACTL" user token ops 2>/dev/null)
check_eq "--insecure-plain-tcp on 127.0.0.1 serves plain HTTP with a token" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$P2/v1/health")"
check_contains "... and warns" "serving plain HTTP" "$(cat "$SLAD_LOG")"
stop_slad

summary
