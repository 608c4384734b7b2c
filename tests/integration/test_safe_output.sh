# What a server or a file name says reaches people and programs safely: a key that a proxy or
# server echoes appears neither on stderr nor in -o json; escape sequences and CRs in server data
# and file names are shown, not acted on, in tables and messages; JSON output stays valid UTF-8
# whatever bytes the data held (U+FFFD per invalid byte); CSV keeps the bytes.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
KEY="lexsync-test-key-6d1f0e3a9b8c7d2e"
EXTRA_SECRET=$KEY # lib.sh fails the test when it appears in any file under $WORK
export LEXSYNC_API_KEY="$KEY"

# has_byte FILE OCTAL: whether FILE holds that byte.
has_byte() { LC_ALL=C grep -q "$(printf "\\$2")" "$1"; }
# valid_json FILE: strict UTF-8 JSON (python's decoder refuses invalid UTF-8).
valid_json() { python3 -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$1"; }

# --- A key echoed in an error answer ---------------------------------------------------------------
start_hostile echo-auth
expect_exit 3 env LEXSYNC_BASE_URL="$HOSTILE_URL" "$LEXSYNC_BIN" contacts pull -o json \
  >"$WORK/pull.out" 2>"$WORK/pull.err"
assert_contains "$(cat "$WORK/pull.err")" "Unauthorized: Bearer ***"
start_hostile echo-key
for fmt in json table; do
  expect_exit 3 env LEXSYNC_BASE_URL="$HOSTILE_URL" "$LEXSYNC_BIN" auth status -o "$fmt" \
    >"$WORK/status.$fmt" 2>"$WORK/status-$fmt.err"
done
assert_contains "$(jq -r '.[0].status' "$WORK/status.json")" "rejected key ***"
expect_exit 1 env LEXSYNC_BASE_URL="$HOSTILE_URL" "$LEXSYNC_BIN" -vv contacts pull -o json \
  >/dev/null 2>"$WORK/pull-v.err"
assert_contains "$(cat "$WORK/pull-v.err")" '\x1b[2J\x0drejected key ***'
for f in "$WORK"/status.* "$WORK"/*.err; do
  ! grep -qF "$KEY" "$f" || fail "the key appears in $(basename "$f")"
  ! has_byte "$f" 033 || fail "an escape character reached $(basename "$f")"
  ! has_byte "$f" 015 || fail "a CR reached $(basename "$f")"
done
valid_json "$WORK/status.json" || fail "auth status -o json is not JSON"

# --- Control characters and invalid UTF-8 in server data -------------------------------------------
start_hostile control
export LEXSYNC_BASE_URL="$HOSTILE_URL"
lexsync contacts pull -o table >"$WORK/contacts.table"
assert_contains "$(cat "$WORK/contacts.table")" 'Evil\x1b[2J\x1b]0;owned\x07 Corp\x0dX'
assert_contains "$(cat "$WORK/contacts.table")" 'M\xfcller GmbH'
! has_byte "$WORK/contacts.table" 033 || fail "an escape character reached the table"
! has_byte "$WORK/contacts.table" 015 || fail "a CR reached the table"
for fmt in json ndjson; do
  lexsync contacts pull -o "$fmt" >"$WORK/contacts.$fmt"
done
valid_json "$WORK/contacts.json" || fail "contacts pull -o json is not valid UTF-8 JSON"
while IFS= read -r line; do
  printf '%s' "$line" >"$WORK/line.json"
  valid_json "$WORK/line.json" || fail "an ndjson line is not valid UTF-8 JSON: $line"
done <"$WORK/contacts.ndjson"
assert_eq "$(jq -r '.[0].company.name' "$WORK/contacts.json")" $'Evil\e[2J\e]0;owned\a Corp\rX' \
  "the escape sequences, kept in JSON"
assert_eq "$(jq -r '.[1].company.name' "$WORK/contacts.json")" "M�ller GmbH" "U+FFFD for the byte"
! has_byte "$WORK/contacts.json" 033 || fail "a raw escape character in JSON"
lexsync contacts pull -o csv >"$WORK/contacts.csv"
has_byte "$WORK/contacts.csv" 374 || fail "csv lost the Latin-1 byte"
unset LEXSYNC_BASE_URL

# --- File names that are not UTF-8 or hold escape sequences ----------------------------------------
start_sandbox --seed empty --no-rate-limit
export LEXSYNC_API_KEY="$SANDBOX_KEY"
dir="$WORK/receipts"
mkdir -p "$dir"
printf '%%PDF-1.4\n%%%%EOF\n' >"$dir/$(printf 'Beleg-M\374ller.pdf')"
printf '%%PDF-1.4\n%% 2\n%%%%EOF\n' >"$dir/$(printf 'evil\033[2J\rname.pdf')"
lexsync vouchers upload "$dir" --dry-run -o json >"$WORK/upload.json" 2>"$WORK/upload.err"
valid_json "$WORK/upload.json" || fail "vouchers upload -o json is not valid UTF-8 JSON"
jq -e '[.[].path] | any(endswith("Beleg-M�ller.pdf"))' "$WORK/upload.json" >/dev/null ||
  fail "the file name with U+FFFD: $(jq -c '[.[].path]' "$WORK/upload.json")"
lexsync vouchers upload "$dir" --dry-run -o table >"$WORK/upload.table" 2>>"$WORK/upload.err"
assert_contains "$(cat "$WORK/upload.table")" 'evil\x1b[2J\x0dname.pdf'
assert_contains "$(cat "$WORK/upload.table")" 'Beleg-M\xfcller.pdf'
for f in "$WORK/upload.table" "$WORK/upload.err"; do
  ! has_byte "$f" 033 || fail "an escape character reached $(basename "$f")"
done
echo ok
