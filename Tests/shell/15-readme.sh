#!/usr/bin/env bash
# The README's quick start, run as written: each ```sh block of its "Quick start" section but the
# first (`make run`, `make test`) is read from README.md itself and run line by line, in one shell,
# against a slad on config/policy.toml; what each command prints is compared with the `# ...`
# lines under it in the README (`#` alone: an empty line). A command shown without output must
# succeed and answer no error. Also the policy errors shown under "The policy", made by the edit
# they name. So the README cannot drift from what slad prints.
#
# What legitimately varies between runs is normalised, in the README and in the output alike: ISO
# 8601 instants, the durations before `left`/`late` and after an instant (`14m56s left`, WRITTEN
# LATE), the peer's uid, and runs of spaces (TextTable pads to the widest cell). Ids, names,
# statuses, targets, tiers, headers and the order of lines must match. `slactl policy` and
# `slactl deadline` need no daemon and depend on nothing but their input: compared exactly.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
test_init readme

README=$REPO_DIR/README.md
WORK=$TEST_TMP/work
OUT=$TEST_TMP/out
mkdir -p "$WORK" "$OUT"
# The README's paths, relative to the repository, lead to this test's files: config/ is the
# repository's, var/ is the state (and socket) of the slad started here.
ln -s "$REPO_DIR/config" "$WORK/config"
start_slad "$WORK/var" "$REPO_DIR/config/policy.toml"

# The commands of the quick start's blocks, in order, to $OUT/N.cmd (continued lines joined), and
# the output the README shows under each to $OUT/N.expected (none when it shows none).
python3 - "$README" "$OUT" <<'EOF'
import re, sys
readme, out = sys.argv[1], sys.argv[2]
text = open(readme, encoding="utf-8").read()
section = re.search(r"^## Quick start.*?$(.*?)^## ", text, re.S | re.M)
if not section:
    sys.exit("README.md has no '## Quick start' section")
blocks = re.findall(r"^```sh\n(.*?)^```$", section.group(1), re.S | re.M)
n = 0
for block in blocks[1:]:  # the first is `make run` and `make test`
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        if line.startswith("#"):
            sys.exit("README.md: '%s' is shown as output under no command" % line)
        command = [line]
        while command[-1].endswith("\\") and i < len(lines):
            command.append(lines[i])
            i += 1
        shown = []
        while i < len(lines) and lines[i].startswith("#"):
            shown.append(lines[i][2:] if lines[i].startswith("# ") else lines[i][1:])
            i += 1
        n += 1
        open("%s/%d.cmd" % (out, n), "w").write("\n".join(command) + "\n")
        if shown:
            open("%s/%d.expected" % (out, n), "w").write("\n".join(shown) + "\n")
if n < 10:
    sys.exit("README.md: only %d commands found in the quick start's blocks" % n)
EOF
count=$(find "$OUT" -name '*.cmd' | wc -l)

# One shell runs them in order, so that the README's `export` holds for the rest. Its
# `$(swift build --show-bin-path)` gives the binaries under test; `--follow` runs 3 s.
{
    echo 'cd "$WORK"'
    echo 'export USER=root LOGNAME=root   # the README runs as root: the default actor'
    echo 'swift() { if [[ "$*" == "build --show-bin-path" ]]; then echo "$SLAD_BIN_DIR"; else command swift "$@"; fi; }'
    for ((i = 1; i <= count; i++)); do
        prefix=""
        grep -q -- '--follow' "$OUT/$i.cmd" && prefix="timeout 3 "
        echo "{"
        echo "$prefix$(cat "$OUT/$i.cmd")"
        echo "} >\"\$OUT/$i.out\" 2>&1 </dev/null; echo \$? >\"\$OUT/$i.rc\""
    done
} >"$TEST_TMP/session.bash"
# The README appends the build's directory to PATH: one that holds an installed slactl would come
# first and be tested instead, so those are left out.
path=$(tr ':' '\n' <<<"$PATH" | while read -r dir; do
    [[ -z "$dir" || -x "$dir/slactl" ]] || echo "$dir"
done | paste -sd:)
WORK=$WORK OUT=$OUT SLAD_BIN_DIR=$SLAD_BIN_DIR PATH=$path bash "$TEST_TMP/session.bash"

# normalise: what varies between runs, as described at the top (and the provisional mark of a
# revisit run in the last days of a year, past the shipped holiday data).
normalise() {
    sed -E \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})/<TIME>/g' \
        -e 's/uid [0-9]+ \([^)]*\)/uid <UID>/g' \
        -e '/^\* [a-z-]+: deadline provisional: /d' -e 's/^([a-z-]+ +[a-z]+) \*( |$)/\1\2/' \
        -e 's/[[:space:]]+/ /g' -e 's/ $//' \
        -e 's/(^| )[0-9]+[dhms]([0-9]+[hms])? (left|late)( |$)/\1<DURATION> \3\4/g' \
        -e 's/<TIME> [0-9]+[dhms]([0-9]+[hms])?( |$)/<TIME> <DURATION>\2/g'
}

for ((i = 1; i <= count; i++)); do
    cmd=$(cat "$OUT/$i.cmd")
    name="README: $(head -n 1 "$OUT/$i.cmd" | sed -E 's/ +#.*//; s/ *\\$/ .../')"
    rc=$(cat "$OUT/$i.rc")
    expected_rc=0
    [[ "$cmd" == *--follow* ]] && expected_rc=124
    if [[ ! -f "$OUT/$i.expected" ]]; then
        # Shown without output: it works, and slad answered no error (curl exits 0 on a 4xx).
        if [[ "$rc" == 0 ]] && ! grep -q '"error"' "$OUT/$i.out"; then
            pass "$name (works; the README shows no output)"
        else
            fail "$name" "exit status $rc: $(head -c 400 "$OUT/$i.out")"
        fi
        continue
    fi
    if [[ "$cmd" =~ ^slactl\ (policy|deadline)\  ]]; then
        expected=$(cat "$OUT/$i.expected")
        actual=$(cat "$OUT/$i.out")
    else
        expected=$(normalise <"$OUT/$i.expected")
        actual=$(normalise <"$OUT/$i.out")
    fi
    if [[ "$rc" == "$expected_rc" && "$expected" == "$actual" ]]; then
        pass "$name"
    else
        fail "$name" "exit status $rc (expected $expected_rc); the README shows another output"
        diff -u --label "README.md (as compared)" --label "what slactl printed (as compared)" \
            <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 's/^/    /' || true
    fi
done

# The policy errors under "The policy": each line names the line, key and value of an edit of
# config/policy.toml; make those edits in a copy (the line must hold that key) and check it.
mapfile -t shown < <(sed -n '/^## The policy/,/^## /p' "$README" | grep -E '^policy\.toml:[0-9]+: ')
check_eq "README: the policy section shows two policy errors" 2 "${#shown[@]}"
cp "$REPO_DIR/config/policy.toml" "$TEST_TMP/policy.toml"
cp -r "$REPO_DIR/config/holidays" "$TEST_TMP/"  # the holiday files it names
for line in "${shown[@]}"; do
    if [[ "$line" =~ ^policy\.toml:([0-9]+):\ [a-z.-]+\.([a-z-]+):\ [^\']*\'([^\']*)\' ]]; then
        number=${BASH_REMATCH[1]} key=${BASH_REMATCH[2]} value=${BASH_REMATCH[3]}
        held=$(sed -n "${number}p" "$TEST_TMP/policy.toml")
        check_match "README: line $number of config/policy.toml is the $key it names" "^$key = " "$held"
        sed -i "${number}s/^$key = .*/$key = \"$value\"/" "$TEST_TMP/policy.toml"
    else
        fail "README: a policy error names a line, key and quoted value" "$line"
    fi
done
actual=$(cd "$TEST_TMP" && "$SLACTL" policy check policy.toml 2>&1) && rc=0 || rc=$?
expected=$(printf '%s\n' "${shown[@]}")
if [[ "$rc" == 1 && "$actual" == "$expected" ]]; then
    pass "README: slactl policy check prints the policy errors shown"
else
    fail "README: slactl policy check prints the policy errors shown" "exit status $rc (expected 1)"
    diff -u --label README.md --label "slactl policy check" <(printf '%s\n' "$expected") \
        <(printf '%s\n' "$actual") | sed 's/^/    /' || true
fi

stop_slad
summary
