# Shared helpers for the end-to-end shell tests of slad. Sourced by Tests/shell/NN-name.sh; it is
# not a test itself (and is named .bash so that `make test`, which runs Tests/shell/*.sh, skips it).
#
# A test script does:
#   source "$(dirname "$0")/lib.bash"
#   test_init api            # the name printed in the summary line; makes $TEST_TMP, installs the trap
#   start_slad "$TEST_TMP/state" "$FIXTURES/fast.toml"
#   req POST /v1/cases '{"kind":"fast","store":"S1"}'; check_eq "open answers 201" 201 "$STATUS"
#   ...
#   summary                  # prints "api: N passed, M failed", exits non-zero on any failure
#
# Binaries come from $SLAD_BIN_DIR (default: `swift build --show-bin-path` in the repository).
# KEEP_TMP=1 keeps the temporary directories (state, logs) for a look after the run.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    echo "lib.bash holds helpers for the shell tests; run the Tests/shell/NN-*.sh scripts instead"
    exit 0
fi

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$TESTS_DIR/../.." && pwd)
FIXTURES=$TESTS_DIR/fixtures

TEST_NAME=${TEST_NAME:-shell}
PASSED=0
FAILED=0
TEST_TMP=""
_SLAD_PIDS=()
_BG_PIDS=()
_TMP_DIRS=()
_SLAD_LOGS=()

# The pid, socket, state directory and log of the slad started last.
SLAD_PID=""
SLAD_SOCK=""
SLAD_DIR=""
SLAD_LOG=""

# The answer to the last `req`.
STATUS=""
BODY=""

# MARK: Setup and cleanup

test_init() {
    TEST_NAME=$1
    if [[ -z "${SLAD_BIN_DIR:-}" ]]; then
        SLAD_BIN_DIR=$(cd "$REPO_DIR" && swift build --show-bin-path 2>/dev/null) || SLAD_BIN_DIR=""
    fi
    SLAD=$SLAD_BIN_DIR/slad
    SLACTL=$SLAD_BIN_DIR/slactl
    if [[ ! -x "$SLAD" || ! -x "$SLACTL" ]]; then
        echo "no slad/slactl in SLAD_BIN_DIR='$SLAD_BIN_DIR': build first (swift build)" >&2
        echo "$TEST_NAME: 0 passed, 1 failed"
        exit 1
    fi
    # Unix socket paths are limited to 107 bytes: keep the temporary root short.
    local root=${TMPDIR:-/tmp}
    ((${#root} <= 40)) || root=/tmp
    TEST_TMP=$(mktemp -d "$root/slad-$TEST_NAME.XXXXXX")
    _TMP_DIRS+=("$TEST_TMP")
    set -o errtrace
    trap '_ERR_AT="line $LINENO: $BASH_COMMAND"' ERR
    trap _cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

_SUMMARY_DONE=""
_ERR_AT=""

_cleanup() {
    local status=$?
    set +e
    trap - ERR
    if [[ -z "$_SUMMARY_DONE" ]]; then
        fail "the script stopped early (exit status $status${_ERR_AT:+, $_ERR_AT})"
    fi
    local pid
    for pid in "${_BG_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${_SLAD_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    local deadline=$((SECONDS + 5))
    for pid in "${_SLAD_PIDS[@]}" "${_BG_PIDS[@]}"; do
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if ((FAILED > 0)) || ((status != 0)); then
        local log
        for log in "${_SLAD_LOGS[@]}"; do
            [[ -s "$log" ]] || continue
            echo "---- last lines of $log" >&2
            tail -n 25 "$log" >&2
        done
    fi
    if [[ "${KEEP_TMP:-}" == 1 ]]; then
        echo "kept: ${_TMP_DIRS[*]}" >&2
    else
        local dir
        for dir in "${_TMP_DIRS[@]}"; do rm -rf "$dir"; done
    fi
    echo "$TEST_NAME: $PASSED passed, $FAILED failed"
    if ((FAILED == 0 && PASSED > 0)); then exit 0; fi
    exit 1
}

# Registers a background process (client loop, follower) to be killed on exit.
track_bg() {
    _BG_PIDS+=("$1")
}

# untrack PID: forgets a process once it was reaped, so that its pid, free for reuse, is not killed.
untrack() {
    local pid kept=()
    for pid in "${_BG_PIDS[@]}"; do [[ "$pid" == "$1" ]] || kept+=("$pid"); done
    _BG_PIDS=("${kept[@]}")
    kept=()
    for pid in "${_SLAD_PIDS[@]}"; do [[ "$pid" == "$1" ]] || kept+=("$pid"); done
    _SLAD_PIDS=("${kept[@]}")
}

# stop_bg PID: stops a tracked background process and reaps it.
stop_bg() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    untrack "$1"
}

# MARK: The daemon

# start_slad DIR POLICY: starts slad with its state in DIR, socket DIR/slad.sock, log DIR/slad.log
# (appended to across restarts), and waits until it answers. Sets SLAD_PID, SLAD_SOCK, SLAD_DIR, SLAD_LOG.
# start_slad DIR POLICY: starts slad (with the extra arguments in the array SLAD_ARGS, if any).
SLAD_ARGS=()
start_slad() {
    local dir=$1 policy=$2
    mkdir -p "$dir"
    SLAD_DIR=$dir
    SLAD_SOCK=$dir/slad.sock
    SLAD_LOG=$dir/slad.log
    echo "==== start $(date -u +%H:%M:%S.%3N)" >>"$SLAD_LOG"
    "$SLAD" --policy "$policy" --state-dir "$dir" --socket "$SLAD_SOCK" "${SLAD_ARGS[@]}" 2>>"$SLAD_LOG" &
    SLAD_PID=$!
    _SLAD_PIDS+=("$SLAD_PID")
    [[ " ${_SLAD_LOGS[*]} " == *" $SLAD_LOG "* ]] || _SLAD_LOGS+=("$SLAD_LOG")
    wait_ready "$SLAD_SOCK" 10
}

# wait_ready [SOCKET] [SECONDS]: true once /v1/health answers on the socket.
wait_ready() {
    local sock=${1:-$SLAD_SOCK} limit=${2:-10}
    local deadline=$(($(now_ms) + limit * 1000))
    while (($(now_ms) < deadline)); do
        if curl -s --max-time 1 --unix-socket "$sock" http://slad/v1/health 2>/dev/null | grep -q '"status"'; then
            return 0
        fi
        if [[ -n "$SLAD_PID" ]] && ! kill -0 "$SLAD_PID" 2>/dev/null; then
            echo "slad (pid $SLAD_PID) exited before it was ready" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "slad did not answer on $sock within $limit s" >&2
    return 1
}

# stop_slad [SECONDS]: SIGTERM, then waits for the exit; prints nothing, returns slad's exit status
# (124 when it had to be killed after SECONDS, default 15).
stop_slad() {
    local limit=${1:-15} pid=$SLAD_PID
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + limit))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        untrack "$pid"
        SLAD_PID=""
        return 124
    fi
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    untrack "$pid"
    SLAD_PID=""
    return "$rc"
}

# kill_slad: SIGKILL, a crash; waits until the process is gone.
kill_slad() {
    local pid=$SLAD_PID
    [[ -n "$pid" ]] || return 0
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    untrack "$pid"
    SLAD_PID=""
}

# MARK: The API

# req METHOD PATH [BODY]: calls slad's API on $SLAD_SOCK; sets STATUS (000: no answer) and BODY.
# BODY may be @FILE. CURL_MAX_TIME overrides the 10 s limit.
req() {
    local method=$1 path=$2 body=${3-}
    local out
    out=$(mktemp "$TEST_TMP/req.XXXXXX")
    local args=(-s -o "$out" -w '%{http_code}' --max-time "${CURL_MAX_TIME:-10}" --unix-socket "$SLAD_SOCK" -X "$method")
    if [[ $# -ge 3 ]]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$body")
    fi
    STATUS=$(curl "${args[@]}" "http://slad$path" 2>/dev/null) || true
    [[ -n "$STATUS" ]] || STATUS=000
    BODY=$(cat "$out")
    rm -f "$out"
}

# api METHOD PATH [BODY]: prints "STATUS BODY" (the body is one line of JSON).
api() {
    req "$@"
    printf '%s %s\n' "$STATUS" "$BODY"
}

# jget JSON EXPR: evaluates a Python expression on the parsed JSON `d`; strings print bare, other
# values as JSON (true, null, [..]). Prints "__error__: ..." (and returns 0) when it cannot.
jget() {
    printf '%s' "$1" | python3 -c '
import json, sys
try:
    d = json.loads(sys.stdin.read())
    v = eval(sys.argv[1], {"json": json, "d": d})
    print(v if isinstance(v, str) else json.dumps(v))
except Exception as e:
    print("__error__: %s: %s" % (type(e).__name__, e))
' "$2"
}

# is_json TEXT: true when TEXT is one JSON document.
is_json() {
    printf '%s' "$1" | python3 -c 'import json, sys; json.loads(sys.stdin.read())' 2>/dev/null
}

# json_lines FILE: true when every non-empty line of FILE is a JSON object.
json_lines() {
    python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    if line.strip():
        if not isinstance(json.loads(line), dict): sys.exit(1)
        n += 1
sys.exit(0 if n else 1)
' "$1" 2>/dev/null
}

# MARK: The store

# sql QUERY: runs QUERY on the running (or stopped) slad's store; one row a line, columns by '|'.
sql() {
    sqlite3 -batch -noheader -cmd '.timeout 5000' "${SQL_DB:-$SLAD_DIR/slad.sqlite}" "$1"
}

# MARK: Time

now_ms() { date +%s%3N; }

# iso_ms MILLIS: ISO 8601 in UTC with milliseconds.
iso_ms() {
    local ms=$1
    date -u -d "@$((ms / 1000)).$(printf '%03d' $((ms % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ
}

# iso_to_ms ISO: milliseconds since the epoch.
iso_to_ms() {
    python3 -c 'import sys, datetime; print(round(datetime.datetime.fromisoformat(sys.argv[1]).timestamp() * 1000))' "$1"
}

# sleep_until MILLIS: sleeps until the wall clock reaches MILLIS.
sleep_until() {
    local left=$(($1 - $(now_ms)))
    if ((left > 0)); then sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"; fi
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; false after SECONDS.
wait_until() {
    local limit=$1
    shift
    local deadline=$(($(now_ms) + limit * 1000))
    while true; do
        if "$@"; then return 0; fi
        (($(now_ms) < deadline)) || return 1
        sleep 0.1
    done
}

# MARK: Assertions: each counts, none exits.

pass() {
    PASSED=$((PASSED + 1))
    echo "ok   - $1"
}

fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL - $1${2:+ ($2)}"
}

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
    if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# check_ne NAME UNEXPECTED ACTUAL
check_ne() {
    if [[ "$2" != "$3" ]]; then pass "$1"; else fail "$1" "did not expect '$2'"; fi
}

# check_match NAME REGEX ACTUAL
check_match() {
    if [[ "$3" =~ $2 ]]; then pass "$1"; else fail "$1" "'$3' does not match /$2/"; fi
}

# check_contains NAME NEEDLE HAYSTACK
check_contains() {
    if [[ "$3" == *"$2"* ]]; then pass "$1"; else fail "$1" "'$2' not in '${3:0:400}'"; fi
}

# check_py NAME PYTHON_EXPRESSION: passes when the expression (built from values) is true, e.g.
#   check_py "written promptly" "0 <= $late < 1000"
check_py() {
    if python3 -c "import sys; sys.exit(0 if ($2) else 1)" 2>/dev/null; then
        pass "$1"
    else
        fail "$1" "not true: $2"
    fi
}

# known_bug NAME CHECK_FUNCTION [ARGS...]: a check that documents a defect reported but not fixed
# yet: when it fails it prints "KNOWN BUG" and does not count as a failure (SLAD_STRICT=1 makes it
# count); when it passes it counts as passed, and says the defect looks fixed.
known_bug() {
    local name=$1 output
    shift
    output=$("$@" 2>&1) || true  # runs in a subshell: its own pass/fail count is dropped
    if [[ "$output" == ok* ]]; then
        pass "$name (a known defect: looks fixed)"
    elif [[ "${SLAD_STRICT:-}" == 1 ]]; then
        fail "$name" "known defect: ${output#FAIL - }"
    else
        echo "KNOWN BUG - $name: ${output#FAIL - } (not counted; SLAD_STRICT=1 counts it)"
    fi
}

# check_status NAME EXPECTED_STATUS [EXPECTED_CODE]: checks the last `req` answer, and for an
# error answer that its body is {"error":{"code","message"}} with that code and a message.
check_status() {
    local name=$1 status=$2 code=${3:-}
    if [[ "$STATUS" != "$status" ]]; then
        fail "$name" "expected HTTP $status${code:+ $code}, got $STATUS: ${BODY:0:300}"
        return
    fi
    if [[ -n "$code" ]]; then
        local got message
        got=$(jget "$BODY" 'd["error"]["code"]')
        message=$(jget "$BODY" 'd["error"]["message"]')
        if [[ "$got" != "$code" ]]; then
            fail "$name" "HTTP $status as expected, but code '$got' instead of '$code': ${BODY:0:300}"
            return
        fi
        if [[ -z "$message" || "$message" == __error__* ]]; then
            fail "$name" "no error message: ${BODY:0:300}"
            return
        fi
    fi
    pass "$name"
}

# summary: ends the test. The exit trap stops what is left, then prints the final line
# "NAME: N passed, M failed" and exits non-zero on any failure (or when nothing was checked).
summary() {
    _SUMMARY_DONE=1
    exit 0
}
