# contacts pull against the real sandbox: every page, the filters (including the search escaping
# of "Müller & Söhne"), the output formats and atomic file output.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed demo
export LEXSYNC_API_KEY="$SANDBOX_KEY"

all=$(lexsync contacts pull -o json)
total=$(jq length <<<"$all")
[ "$total" -ge 25 ] || fail "expected the demo contacts, got $total"

# Every id once.
assert_eq "$(jq -r '.[].id' <<<"$all" | sort -u | wc -l)" "$total" "unique ids"

# Filters.
customers=$(lexsync contacts pull --customer -o ndjson | wc -l)
[ "$customers" -gt 0 ] && [ "$customers" -lt "$total" ] || fail "customer filter: $customers of $total"
mueller=$(lexsync contacts pull --name 'Müller & Söhne GmbH' -o json)
assert_eq "$(jq -r '.[0].company.name' <<<"$mueller")" "Müller & Söhne GmbH" "search escaping"
assert_eq "$(jq length <<<"$mueller")" "1" "exactly one Müller & Söhne"

# Tiny pages would need many requests; lexsync asks for 250 per page.
lexsync -v contacts pull -o json >/dev/null 2>"$WORK/verbose.log"
assert_eq "$(grep -c '→ GET' "$WORK/verbose.log")" "1" "one request for fewer than 250 contacts"
grep -q 'size=250' "$WORK/verbose.log" || fail "page size 250 not requested"
grep -qF "$SANDBOX_KEY" "$WORK/verbose.log" && fail "the API key appears in the verbose log"

# CSV to a file, atomically; the header names the columns.
lexsync contacts pull -o csv --out "$WORK/contacts.csv"
head -n1 "$WORK/contacts.csv" | grep -q '^id,customer_number,vendor_number,role,company_name' || fail "csv header"
assert_eq "$(($(wc -l <"$WORK/contacts.csv") - 1))" "$total" "csv rows"
ls "$WORK" | grep -q '\.tmp' && fail "temporary file left behind"

# A short name filter is a usage error (exit 2); a wrong key is an auth error (exit 3).
expect_exit 2 lexsync contacts pull --name ab
LEXSYNC_API_KEY=wrong-key expect_exit 3 lexsync contacts pull
echo "ok: contacts pull"
