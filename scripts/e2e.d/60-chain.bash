# shellcheck shell=bash
# A store in the chain under the shipped unit (issue 19): a PostgreSQL cluster on the host's
# loopback (the container shares the host's network), HQ migrated and the store's role added
# with the container's slactl, [hq] in the policy, and a drop-in that lets slad reach 127.0.0.1
# only. A case opened in the container's slad is in hq_cases within 5 s; health shows the lag.
# Sourced by scripts/systemd-e2e (helpers: ct, pass, fail, prop, journal, elapsed); leaves slad
# running on the policy it found, without the drop-in, and the cluster stopped and removed.

chain_e2e() {
    # The cluster from the shell tests' helper, started in a subshell whose exit trap is dropped:
    # the server stays up (pg_ctl detaches it), and this suite's own exit trap stays as it was.
    local info pg_dir pg_port pg_bin pg_password
    info=$(
        # shellcheck source=/dev/null
        source "$REPO/Tests/shell/lib-postgres.bash"
        start_postgres > /dev/null 2>&1
        trap - EXIT
        echo "$PG_DIR $PG_PORT $_PG_BIN $PG_PASSWORD_FILE"
    ) || true
    read -r pg_dir pg_port pg_bin pg_password <<< "$info"
    if [[ -z $pg_port ]]; then
        fail "a PostgreSQL cluster starts on the host's loopback" "$info"
        return
    fi
    chain_sql() { psql -X -q -A -t -h "$pg_dir" -p "$pg_port" -U postgres -d chain -v ON_ERROR_STOP=1 -c "$1"; }
    chain_stop() {
        runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop > /dev/null 2>&1 || true
        rm -rf "$pg_dir"
    }
    if ! psql -X -q -h "$pg_dir" -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE chain" > /dev/null; then
        fail "HQ's database is created on the host's cluster"
        chain_stop
        return
    fi
    local url="postgres://postgres@127.0.0.1:$pg_port/chain"
    cp "$pg_password" "$WORK/chain-admin-password"
    chmod 644 "$WORK/chain-admin-password"
    printf 'e2e-store-secret\n' > "$WORK/chain-store-password"
    chmod 644 "$WORK/chain-store-password"
    local out
    if out=$(ct slactl hq migrate --url "$url" --password-file /mnt/slad-e2e/chain-admin-password 2>&1) &&
        out+=$(ct slactl hq add-store E2E --url "$url" --admin-password-file /mnt/slad-e2e/chain-admin-password \
            --password-file /mnt/slad-e2e/chain-store-password 2>&1); then
        pass "the container's slactl migrates HQ and adds the store's login"
    else
        fail "slactl hq migrate and add-store from the container" "$out"
        chain_stop
        return
    fi

    # The store's side: the password readable by slad only, [hq] in the policy, the network
    # drop-in allowing loopback alone.
    ct cp /etc/slad/policy.toml /etc/slad/policy.toml.before-chain
    ct install -m 0640 -o root -g slad /mnt/slad-e2e/chain-store-password /etc/slad/hq-password
    ct sh -c "cat /mnt/slad-e2e/fast.toml > /etc/slad/policy.toml && cat >> /etc/slad/policy.toml" << EOF

[hq]
url = "postgres://slad_store_e2e@127.0.0.1:$pg_port/chain"
password-file = "/etc/slad/hq-password"
tls = "disable"
store-id = "E2E"
EOF
    ct mkdir -p /etc/systemd/system/slad.service.d
    ct sh -c 'printf "[Service]\nPrivateNetwork=no\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\nIPAddressAllow=localhost\n" \
        > /etc/systemd/system/slad.service.d/chain.conf'
    ct systemctl daemon-reload
    ct systemctl restart slad || true

    local opened case_id found="" t0
    opened=$(ct slactl open --kind fast --store E2E 2>&1 || true)
    case_id=$(printf '%s\n' "$opened" | head -1)
    t0=$EPOCHREALTIME
    for _ in $(seq 50); do
        found=$(chain_sql "SELECT status FROM hq_cases WHERE store_id = 'E2E' AND case_id = '$case_id'" 2> /dev/null || true)
        [[ -n $found ]] && break
        sleep 0.1
    done
    if [[ $case_id == C-* && $found == open ]]; then
        pass "a case opened in the container's slad ($case_id) is in HQ's hq_cases within $(elapsed "$t0") s, under the unit's sandbox"
    else
        fail "a case opened under the unit reaches hq_cases within 5 s" "open: $opened" "hq: $found" "$(journal -n 10)"
    fi
    local health
    health=$(ct slactl health 2>&1 || true)
    if [[ $health == *"replication: ok, store E2E at postgres://slad_store_e2e@127.0.0.1:$pg_port/chain, "*" changes behind (lag "*" s), last contact 20"* ]]; then
        pass "slactl health shows the replication and its lag"
    else
        fail "slactl health shows the replication" "$(printf '%s\n' "$health" | grep -i replication || echo "$health")"
    fi
    local status_text
    status_text=$(prop slad StatusText)
    if [[ $status_text == *"; HQ: caught up"* || $status_text == *"; HQ: "*" changes behind (lag "* ]]; then
        pass "the status line shows replication ($status_text)"
    else
        fail "the status line shows replication" "$status_text"
    fi

    # Back as it was: no drop-in, the earlier policy, no HQ.
    ct rm -f /etc/systemd/system/slad.service.d/chain.conf /etc/slad/hq-password
    ct mv /etc/slad/policy.toml.before-chain /etc/slad/policy.toml
    ct systemctl daemon-reload
    ct systemctl restart slad || true
    chain_stop
}
chain_e2e
