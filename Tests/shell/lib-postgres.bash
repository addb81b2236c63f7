# A throw-away PostgreSQL cluster for the shell tests (HQ of a chain of stores). Sourced after
# lib.bash and test_init; not a test itself.
#
#   source "$(dirname "$0")/lib.bash"; source "$(dirname "$0")/lib-postgres.bash"
#   test_init hq
#   start_postgres                 # sets PG_PORT, PG_DIR, PG_URL (postgres://postgres@127.0.0.1:PORT/postgres)
#                                  # and PG_PASSWORD_FILE (the superuser's); stopped and removed at exit
#   pg_sql "SELECT 1"              # psql as the superuser, unaligned, tuples only
#
# Debian's `postgresql` package (Makefile's APT_PACKAGES): initdb and pg_ctl of the newest
# version under /usr/lib/postgresql, run as the unprivileged `postgres` user when we are root
# (initdb refuses root). Logins over TCP on 127.0.0.1 take passwords (SCRAM); the Unix socket
# lives in the cluster's own directory. PG_SETTINGS="name=value ..." adds server settings.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    echo "lib-postgres.bash holds helpers for the shell tests; run the Tests/shell/NN-*.sh scripts instead"
    exit 0
fi

# Outside the shell tests (scripts/chain-bench), without lib.bash: its few helpers used here.
if ! declare -F fail >/dev/null; then
    fail() { echo "FAIL - $1${2:+ ($2)}" >&2; }
    _TMP_DIRS=()
    _cleanup() {
        local status=$?
        local dir
        for dir in "${_TMP_DIRS[@]}"; do rm -rf "$dir"; done
        exit "$status"
    }
fi

PG_DIR=""
PG_PORT=""
PG_URL=""
PG_PASSWORD_FILE=""
_PG_BIN=""

# Runs a command as the cluster's owner.
_pg_as_owner() {
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
    local version
    version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
    if [[ -z "$version" || ! -x /usr/lib/postgresql/$version/bin/initdb ]]; then
        fail "PostgreSQL is installed" "no /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql (make deps)"
        exit 1
    fi
    _PG_BIN=/usr/lib/postgresql/$version/bin
    PG_DIR=$(mktemp -d /tmp/slad-pg.XXXXXX)
    _TMP_DIRS+=("$PG_DIR")
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    PG_PASSWORD_FILE=$PG_DIR/superuser.password
    python3 -c 'import secrets; print(secrets.token_hex(16))' >"$PG_PASSWORD_FILE"
    [[ $(id -u) == 0 ]] && chown -R postgres: "$PG_DIR"
    _pg_as_owner "$_PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$PG_PASSWORD_FILE" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
        fail "initdb" "$(tail -n 5 "$PG_DIR/initdb.log")"
        exit 1
    }
    {
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $PG_PORT"
        echo "unix_socket_directories = '$PG_DIR'"
        local setting
        for setting in ${PG_SETTINGS:-}; do echo "${setting%%=*} = '${setting#*=}'"; done
    } >>"$PG_DIR/data/postgresql.conf"
    _pg_as_owner "$_PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null || {
        fail "PostgreSQL starts" "$(tail -n 5 "$PG_DIR/server.log")"
        exit 1
    }
    # Stopped before lib.bash's own cleanup, which keeps the exit status it was called with.
    trap '_pg_status=$?; stop_postgres; (exit $_pg_status); _cleanup' EXIT
    PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}

stop_postgres() {
    [[ -n "$PG_DIR" && -f "$PG_DIR/data/postmaster.pid" ]] || return 0
    _pg_as_owner "$_PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}

# Kills the server at once, as a crash or a power cut would, and starts it again.
restart_postgres() {
    _pg_as_owner "$_PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    _pg_as_owner "$_PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null
}

# pg_sql SQL [DATABASE]: psql as the superuser over the cluster's Unix socket.
pg_sql() {
    psql -X -q -A -t -h "$PG_DIR" -p "$PG_PORT" -U postgres -d "${2:-postgres}" -v ON_ERROR_STOP=1 -c "$1"
}
