# shellcheck shell=bash
# A store's journal forwarded to HQ with systemd's own tools, configured as docs/chain.md says
# (issue 19, "Logs too"): systemd-journal-remote (HQ's collector, HTTPS, client certificates
# checked against HQ's CA) and systemd-journal-upload (the store), both from Debian's
# systemd-journal-remote package, with certificates made on the host from a throwaway CA. Both
# run in the container (HQ and store on one machine, over 127.0.0.1). A case opened in slad is
# read back at "HQ" with `journalctl --directory=/var/log/journal/remote -u slad` with its
# MESSAGE_ID. Sourced by scripts/systemd-e2e; leaves both units stopped and their files removed.

upload_e2e() {
    if ! ct test -x /lib/systemd/systemd-journal-upload; then
        fail "systemd-journal-remote is in the container (INCLUDE in scripts/systemd-e2e)"
        return
    fi
    local dir=$WORK/journal-upload port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
        -subj "/CN=slad e2e HQ CA" 2> /dev/null
    # HQ's collector: a server certificate for 127.0.0.1. The store: a client certificate.
    local who
    for who in hq store; do
        openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/$who.key" -subj "/CN=$who" \
            -out "$dir/$who.csr" 2> /dev/null
    done
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$dir/hq.ext"
    printf 'extendedKeyUsage=clientAuth\n' > "$dir/store.ext"
    for who in hq store; do
        openssl x509 -req -in "$dir/$who.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -set_serial "$RANDOM" \
            -days 2 -extfile "$dir/$who.ext" -out "$dir/$who.pem" 2> /dev/null
    done

    # Keys readable by the service's user only: journal-remote runs as systemd-journal-remote,
    # journal-upload as a dynamic user in group systemd-journal.
    ct install -d -m 0755 /etc/ssl/certs /etc/systemd/journal-remote.conf.d /etc/systemd/journal-upload.conf.d
    ct install -d -m 0710 /etc/ssl/private
    ct sh -c 'cat > /etc/ssl/certs/hq-ca.pem' < "$dir/ca.pem"
    ct sh -c 'cat > /etc/ssl/certs/journal-remote.pem' < "$dir/hq.pem"
    ct sh -c 'cat > /etc/ssl/private/journal-remote.key' < "$dir/hq.key"
    ct sh -c 'cat > /etc/ssl/certs/store-s01.pem' < "$dir/store.pem"
    ct sh -c 'cat > /etc/ssl/private/store-s01.key' < "$dir/store.key"
    ct chgrp systemd-journal-remote /etc/ssl/private/journal-remote.key
    ct chgrp systemd-journal /etc/ssl/private/store-s01.key
    ct chmod 0640 /etc/ssl/private/journal-remote.key /etc/ssl/private/store-s01.key
    ct chmod 0711 /etc/ssl/private
    ct sh -c 'cat > /etc/systemd/journal-remote.conf.d/hq.conf' << CONF
[Remote]
SplitMode=host
ServerKeyFile=/etc/ssl/private/journal-remote.key
ServerCertificateFile=/etc/ssl/certs/journal-remote.pem
TrustedCertificateFile=/etc/ssl/certs/hq-ca.pem
CONF
    ct sh -c 'cat > /etc/systemd/journal-upload.conf.d/store.conf' << CONF
[Upload]
URL=https://127.0.0.1:$port
ServerKeyFile=/etc/ssl/private/store-s01.key
ServerCertificateFile=/etc/ssl/certs/store-s01.pem
TrustedCertificateFile=/etc/ssl/certs/hq-ca.pem
CONF
    # This run's port instead of 19532: the container shares the host's network.
    ct mkdir -p /etc/systemd/system/systemd-journal-remote.socket.d
    ct sh -c 'cat > /etc/systemd/system/systemd-journal-remote.socket.d/port.conf' << CONF
[Socket]
ListenStream=
ListenStream=127.0.0.1:$port
CONF
    ct systemctl daemon-reload
    ct systemctl start systemd-journal-remote.socket || true
    ct systemctl start systemd-journal-upload.service || true

    local opened found=""
    opened=$(ct slactl open --kind fast --store JU1 2>&1 || true)
    for _ in $(seq 100); do
        found=$(ct journalctl --no-pager -q --directory=/var/log/journal/remote -u slad.service \
            -o export 2> /dev/null | grep -a -E "^(MESSAGE|MESSAGE_ID|_HOSTNAME)=" || true)
        [[ -n $opened && $found == *"MESSAGE=$opened opened"* ]] && break
        sleep 0.1
    done
    if [[ -n $opened && $found == *"MESSAGE=$opened opened"* && $found == *MESSAGE_ID=* ]]; then
        pass "journal forwarding as docs/chain.md says: $opened's line read back at HQ with journalctl -D /var/log/journal/remote -u slad, with its MESSAGE_ID"
    else
        fail "slad's journal reaches HQ through systemd-journal-upload and -remote" "opened: $opened" \
            "at HQ: ${found:0:400}" \
            "$(ct journalctl --no-pager -q -n 15 -u systemd-journal-upload -u systemd-journal-remote || true)"
    fi

    ct systemctl stop systemd-journal-upload.service systemd-journal-remote.service \
        systemd-journal-remote.socket || true
    ct rm -rf /etc/systemd/system/systemd-journal-remote.socket.d /etc/systemd/journal-remote.conf.d/hq.conf \
        /etc/systemd/journal-upload.conf.d/store.conf /etc/ssl/private/journal-remote.key \
        /etc/ssl/private/store-s01.key
    ct systemctl daemon-reload
}

upload_e2e
