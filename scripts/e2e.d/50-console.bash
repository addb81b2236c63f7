# shellcheck shell=bash
# The managers' console under the shipped unit (sourced by scripts/systemd-e2e; see README.md
# here): slad with --listen and TLS (a certificate for 127.0.0.1 from a throwaway CA made on the
# host by tls_for_unit in scripts/systemd-e2e), a manager made with `slactl user add --password-stdin`, and curl as
# the browser: the sign-in form's token, sign-in, the board with the security headers, sign-out,
# and the signed-out cookie refused. (The browser itself, headless Chromium, is Tests/shell/65-console.sh.)

CONSOLE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CONSOLE_DIR=$WORK/console
tls_for_unit "$CONSOLE_DIR" console "$CONSOLE_PORT"
ct systemctl restart slad || true

console_password=e2e-console-password-1
printf '%s\n' "$console_password" |
    ct slactl user add e2e-amy --role manager --stores S01 --password-stdin \
        > /dev/null 2>&1 || true
console_curl() { curl -s --max-time 5 --cacert "$CONSOLE_DIR/ca.pem" -b "$CONSOLE_DIR/jar" -c "$CONSOLE_DIR/jar" "$@"; }
console_page=""
for _ in $(seq 50); do
    console_page=$(console_curl "https://127.0.0.1:$CONSOLE_PORT/console/signin" || true)
    [[ $console_page == *signin-form* ]] && break
    sleep 0.1
done
console_token=$(awk '$6 == "slad_signin" { print $7 }' "$CONSOLE_DIR/jar" 2> /dev/null || true)
console_signin=$(console_curl -o /dev/null -w '%{http_code}' -X POST "https://127.0.0.1:$CONSOLE_PORT/console/signin" \
    --data-urlencode "csrf=$console_token" --data-urlencode "name=e2e-amy" \
    --data-urlencode "password=$console_password" || true)
console_board=$(console_curl -D "$CONSOLE_DIR/board.headers" "https://127.0.0.1:$CONSOLE_PORT/console/" || true)
console_headers=$(tr -d '\r' < "$CONSOLE_DIR/board.headers" 2> /dev/null || true)
if [[ $console_signin == 303 && $console_board == *'id="user">e2e-amy<'* \
    && $console_headers == *"content-security-policy: default-src 'self'; script-src 'self'; style-src 'self'"* ]]; then
    pass "the console under the unit: e2e-amy signs in over TLS and gets the board, with its security headers"
else
    fail "the console signs a manager in under the unit" "sign-in: $console_signin" "${console_board:0:300}" \
        "$(journal -n 10)"
fi
console_cookie=$(awk '$6 == "slad_session" { print $7 }' "$CONSOLE_DIR/jar" 2> /dev/null || true)
console_csrf=$(grep -o 'name="csrf" value="[^"]*"' <<< "$console_board" | head -n 1 | sed 's/.*value="//; s/"$//' || true)
console_curl -o /dev/null -X POST "https://127.0.0.1:$CONSOLE_PORT/console/signout" \
    --data-urlencode "csrf=$console_csrf" || true
console_replay=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 5 --cacert "$CONSOLE_DIR/ca.pem" \
    -H "Cookie: slad_session=$console_cookie" "https://127.0.0.1:$CONSOLE_PORT/console/" || true)
if [[ -n $console_cookie && $console_replay == "303 "*"/console/signin" ]]; then
    pass "after sign-out the session's cookie, replayed, opens nothing (sent to sign in)"
else
    fail "sign-out ends the session under the unit" "replay: $console_replay"
fi
if wait_journal "sign-in: e2e-amy from 127.0.0.1"; then
    pass "the sign-in is in the journal"
else
    fail "the journal has the console sign-in" "$(journal -n 10)"
fi

ct rm -f /etc/systemd/system/slad.service.d/console.conf /etc/slad/tls/console.pem /etc/slad/tls/console.key
ct rmdir --ignore-fail-on-non-empty /etc/systemd/system/slad.service.d
ct systemctl daemon-reload
ct systemctl restart slad || true
