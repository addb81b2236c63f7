# shellcheck shell=bash
# TLS under the shipped unit (sourced by scripts/systemd-e2e; see README.md here): a certificate
# for 127.0.0.1 made on the host with a throwaway CA, installed in /etc/slad/tls readable by group
# slad, a drop-in in the style of systemd/slad-network.conf with --listen, --tls-cert and
# --tls-key; `curl --cacert` gets /v1/health with a token from `slactl user token`, plain http://
# gets nothing, and a request without a token is 401. The drop-in is removed and slad restarted.

TLS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TLS_DIR=$WORK/tls
tls_for_unit "$TLS_DIR" tls "$TLS_PORT"
ct systemctl restart slad || true

ct slactl user add e2e-hq --role hq > /dev/null 2>&1 || true
tls_token=$(ct slactl user token e2e-hq --label e2e 2> /dev/null || true)
tls_health=""
for _ in $(seq 50); do
    tls_health=$(curl -s --max-time 2 --cacert "$TLS_DIR/ca.pem" -H "Authorization: Bearer $tls_token" \
        "https://127.0.0.1:$TLS_PORT/v1/health" || true)
    [[ $tls_health == *'"status"'* ]] && break
    sleep 0.1
done
if [[ $tls_token == slad_* && $tls_health == *'"status"'* ]]; then
    pass "TLS under the unit: curl --cacert gets /v1/health on 127.0.0.1:$TLS_PORT with a token from slactl user token"
else
    fail "TLS under the unit serves /v1/health" "token: ${tls_token:0:8}..." "${tls_health:0:300}" "$(journal -n 10)"
fi
tls_plain=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$TLS_PORT/v1/health" || true)
tls_anonymous=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$TLS_DIR/ca.pem" \
    "https://127.0.0.1:$TLS_PORT/v1/health" || true)
if [[ $tls_plain == 000 && $tls_anonymous == 401 ]]; then
    pass "plain http:// to the TLS listener gets no answer; https without a token is 401"
else
    fail "plain http:// fails and https without a token is 401" "plain: $tls_plain, anonymous: $tls_anonymous"
fi
if wait_journal "TLS certificate loaded from /etc/slad/tls/tls.pem"; then
    pass "the journal says which certificate is served and until when"
else
    fail "the journal names the certificate loaded" "$(journal -n 10)"
fi

ct rm -f /etc/systemd/system/slad.service.d/tls.conf
ct rmdir --ignore-fail-on-non-empty /etc/systemd/system/slad.service.d
ct systemctl daemon-reload
ct systemctl restart slad || true
