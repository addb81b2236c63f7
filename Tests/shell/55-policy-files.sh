#!/usr/bin/env bash
# Broken policy files, including those that make the TOML parser (toml++) abort: slactl reports
# them and exits 1 (never crashes), and a running slad refuses them on reload and keeps its old
# policy. The parser runs in a child process first (SLAPolicyFile), so its abort costs only that.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init policy-files

for file in Tests/fuzz/parser-aborts/* Tests/fuzz/regressions/*; do
    set +e
    out=$("$SLACTL" policy check "$file" 2>&1)
    code=$?
    set -e
    check_eq "slactl policy check refuses $(basename "$file") with exit 1 (not a crash)" 1 "$code"
done

# A file that cannot be read is said so plainly, not as Foundation's NSCocoaErrorDomain error.
set +e
out=$("$SLACTL" policy check "$TEST_TMP/missing.toml" 2>&1)
code=$?
set -e
check_eq "slactl policy check of a missing file: exit 1, no such file" \
    "1 cannot read $TEST_TMP/missing.toml: no such file" "$code $out"
out=$("$SLACTL" policy check "$TEST_TMP" 2>&1) || true
check_eq "slactl policy check of a directory says so" "cannot read $TEST_TMP: it is a directory" "$out"

# slactl policy show lists what pauses, resumes and restarts clocks.
out=$("$SLACTL" policy show config/policy.toml)
check_match "policy show: repair-concrete-reply pauses on awaiting-customer, resumes on customer-responded" \
    'repair-concrete-reply +awaiting-customer +customer-responded +-' "$out"
check_match "policy show: inspection-resolution restarts on the report" \
    'inspection-resolution +inspection-requested +inspection-report-received +inspection-report-received' "$out"

cp "$FIXTURES/fast.toml" "$TEST_TMP/policy.toml"
start_slad "$TEST_TMP/state" "$TEST_TMP/policy.toml"
PID=$SLAD_PID
cp Tests/fuzz/parser-aborts/value-terminator-assert.toml "$TEST_TMP/policy.toml"
kill -HUP "$PID"
sleep 1
check "slad is still running after a reload of a file that aborts the parser" kill -0 "$PID"
check_contains "the journal says the policy was refused" "policy refused" "$(cat "$SLAD_LOG")"
req POST /v1/cases '{"kind":"fast","store":"S1"}'
check_eq "the old policy is still in force (kind fast opens)" 201 "$STATUS"
rm "$TEST_TMP/policy.toml"
kill -HUP "$PID"
sleep 1
check "slad is still running after a reload of a missing file" kill -0 "$PID"
check_contains "the log says plainly that the file is missing" \
    "<3>cannot read $TEST_TMP/policy.toml: no such file" "$(cat "$SLAD_LOG")"
check "the log has no Foundation error domain" bash -c "! grep -q NSCocoaErrorDomain '$SLAD_LOG'"
cp "$FIXTURES/fast.toml" "$TEST_TMP/policy.toml"
kill -HUP "$PID"
sleep 1
check_contains "a good policy is then reloaded" "policy reloaded" "$(cat "$SLAD_LOG")"
stop_slad
summary
