# contacts push against the real sandbox: create, match, update, write-back, dry run, a re-run
# that sends no writes, and bad input that sends nothing.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed demo
export LEXSYNC_API_KEY="$SANDBOX_KEY"

cat >"$WORK/contacts.csv" <<'CSV'
ref,role,company_name,first_name,last_name,email,phone,street,zip,city,country,note
src-1,customer,Glanzwerk Gebäudereinigung GmbH,Petra,Sauber,info@glanzwerk.example,+49 30 123456,Hauptstr. 1,10115,Berlin,DE,Neukunde
src-2,vendor,Putzmittel Großhandel AG,,,,,,,,,
src-3,customer,,Jonas,Weber,jonas.weber@example.org,,Ringweg 7,80331,München,DE,
src-4,both,"Fenster & Glas <Nord> GmbH",,,kontakt@fenster-nord.example,,,,,,
CSV
cp "$WORK/contacts.csv" "$WORK/original.csv"

# Dry run: a plan, no writes, the file untouched.
plan=$(lexsync -v contacts push "$WORK/contacts.csv" --dry-run -o json 2>"$WORK/dry.log")
assert_eq "$(jq -r '[.[].action] | unique | join(",")' <<<"$plan")" "create" "dry-run plan"
assert_eq "$(count_writes "$WORK/dry.log")" "0" "dry run writes"
assert_eq "$(jq -r '.[0].request.method' <<<"$plan")" "POST" "dry-run shows the request"
cmp -s "$WORK/contacts.csv" "$WORK/original.csv" || fail "dry run changed the input file"

# First push creates all four and writes back ids and numbers.
out=$(lexsync -v contacts push "$WORK/contacts.csv" --write-back -o json 2>"$WORK/push1.log")
assert_eq "$(jq '[.[] | select(.action=="created")] | length' <<<"$out")" "4" "created"
assert_eq "$(count_writes "$WORK/push1.log")" "4" "writes of the first push"
head -n1 "$WORK/contacts.csv" | grep -q ',id,customer_number,vendor_number' || fail "write-back columns"
ids=$(tail -n +2 "$WORK/contacts.csv" | grep -c -E '[0-9a-f]{8}-[0-9a-f]{4}-')
assert_eq "$ids" "4" "ids written back"
number=$(jq -r '.[] | select(.ref=="src-1") | .customerNumber' <<<"$out")
[[ "$number" =~ ^1[0-9]{4}$ ]] || fail "customer number assigned by lexoffice: $number"
grep -q ",$number," "$WORK/contacts.csv" || fail "customer number written back"

# The contacts are in lexoffice exactly once, with their data.
all=$(lexsync contacts pull -o json)
assert_eq "$(jq '[.[] | select(.company.name=="Fenster & Glas <Nord> GmbH")] | length' <<<"$all")" "1" "escaped name stored once"
assert_eq "$(jq -r '.[] | select(.person.lastName=="Weber") | .addresses.billing[0].city' <<<"$all")" "München" "address"

# A re-run (with the written-back file, and with the original) sends no writes.
lexsync -v contacts push "$WORK/contacts.csv" -o json >"$WORK/rerun.json" 2>"$WORK/rerun.log"
assert_eq "$(count_writes "$WORK/rerun.log")" "0" "writes of the re-run"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/rerun.json")" "unchanged" "re-run actions"
lexsync -v contacts push "$WORK/original.csv" -o json >/dev/null 2>"$WORK/rerun2.log"
assert_eq "$(count_writes "$WORK/rerun2.log")" "0" "writes of a re-run of the original file"

# A change updates by read-merge-write, keeping what the input does not mention.
sed -i 's/Neukunde/Stammkunde/' "$WORK/contacts.csv"
out=$(lexsync -v contacts push "$WORK/contacts.csv" -o json 2>"$WORK/update.log")
assert_eq "$(jq -r '.[] | select(.ref=="src-1") | .action' <<<"$out")" "updated" "update action"
assert_eq "$(count_writes "$WORK/update.log")" "1" "one PUT"
c=$(lexsync contacts pull --name 'Glanzwerk%' -o json)
assert_eq "$(jq -r '.[0].note' <<<"$c")" "Stammkunde" "note updated"
assert_eq "$(jq -r '.[0].phoneNumbers.business[0]' <<<"$c")" "+49 30 123456" "phone kept"
assert_eq "$(jq -r '.[0].version' <<<"$c")" "2" "version incremented"

# An existing demo contact is matched by e-mail, not duplicated.
email=$(jq -r '[.[] | select(.emailAddresses.business[0] != null and .company != null)][0].emailAddresses.business[0]' <<<"$all")
name=$(jq -r --arg e "$email" '[.[] | select(.emailAddresses.business[0] == $e)][0].company.name' <<<"$all")
printf 'role,company_name,email\ncustomer,%s,%s\n' "$name" "$email" >"$WORK/existing.csv"
out=$(lexsync contacts push "$WORK/existing.csv" -o json)
assert_eq "$(jq -r '.[0].action' <<<"$out")" "unchanged" "matched by e-mail"

# Two rows naming the same person: reported before anything is sent.
cat >"$WORK/bad.csv" <<'CSV'
role,company_name,last_name,email,country,city
customer,Alpha GmbH,,alpha@example.org,DE,Köln
customer,,,,DE,
vendor,Beta GmbH,,not-an-email,,Bonn
customer,Alpha GmbH,,alpha@example.org,DE,Köln
client,Gamma GmbH,,,,
CSV
set +e
lexsync -v contacts push "$WORK/bad.csv" >"$WORK/bad.out" 2>"$WORK/bad.err"
rc=$?
set -e
assert_eq "$rc" "6" "exit code for invalid input"
err=$(cat "$WORK/bad.err")
assert_contains "$err" "bad.csv:3:2:company_name: missing name"
assert_contains "$err" "bad.csv:4:4:email: 'not-an-email' is not a valid e-mail address"
assert_contains "$err" "bad.csv:4:5:country: missing"
assert_contains "$err" "bad.csv:5:4:email: duplicate of line 2"
assert_contains "$err" "bad.csv:6:1:role:"
grep -q '→ ' "$WORK/bad.err" && fail "requests were sent for invalid input"
printf 'role,company_name,colour\ncustomer,X GmbH,blue\n' >"$WORK/col.csv"
expect_exit 6 lexsync contacts push "$WORK/col.csv"
# Windows-1252 is read as such; forcing UTF-8 names the first byte that is not.
printf 'role,company_name\ncustomer,M\xfcller GmbH\n' >"$WORK/latin1.csv"
set +e
lexsync contacts push --encoding utf-8 "$WORK/latin1.csv" 2>"$WORK/latin1.err"
rc=$?
set -e
assert_eq "$rc" "6" "exit code for Latin-1 input read as UTF-8"
assert_contains "$(cat "$WORK/latin1.err")" "latin1.csv:2:11: not valid UTF-8"
# Country codes lexoffice does not know are refused before anything is sent (UK: GB is meant).
printf 'role,company_name,city,country\ncustomer,Zeta GmbH,Ort,XX\ncustomer,Theta Ltd,London,UK\n' >"$WORK/cc.csv"
set +e
lexsync -v contacts push "$WORK/cc.csv" >/dev/null 2>"$WORK/cc.err"
rc=$?
set -e
assert_eq "$rc" "6" "exit code for unknown country codes"
assert_contains "$(cat "$WORK/cc.err")" "cc.csv:2:4:country: 'XX' is not a country code lexoffice knows"
assert_contains "$(cat "$WORK/cc.err")" "cc.csv:3:4:country: 'UK' is not a country code lexoffice knows; did you mean 'GB'?"
grep -q '→ ' "$WORK/cc.err" && fail "requests were sent for unknown country codes"
# A row lexoffice would refuse fails with the reason, the others go in, and the exit code says
# "partial" (4). The demo contact with two billing addresses (made in the web app) cannot be
# written through the API: updating its note is refused before the PUT is sent.
printf 'id,role,company_name,city,country,note\nc0a80001-0000-4000-8000-000000000010,customer,Hausverwaltung Becker GmbH,,,Neue Notiz\n,customer,Eta GmbH,Ort,DE,\n' >"$WORK/refused.csv"
set +e
lexsync contacts push "$WORK/refused.csv" -o json >"$WORK/refused.json" 2>/dev/null
rc=$?
set -e
assert_eq "$rc" "4" "exit code when lexoffice refuses a row"
assert_eq "$(jq -r '.[0].action' "$WORK/refused.json")" "failed" "refused row"
assert_contains "$(jq -r '.[0].detail' "$WORK/refused.json")" "would have 2 billing addresses"
assert_eq "$(jq -r '.[1].action' "$WORK/refused.json")" "created" "the valid row still goes in"
# Round trips of a second: the writes overlap (several in flight under the one rate limit), and
# still every contact is created exactly once, in input order, with its number written back; a
# re-run sends nothing.
start_sandbox --seed demo --latency 1000
{
  echo "ref,role,company_name,email,city,country"
  for i in $(seq 8); do echo "slow-$i,customer,Langsam $i GmbH,slow$i@example.org,Berlin,DE"; done
} >"$WORK/slow.csv"
out=$(lexsync -v contacts push "$WORK/slow.csv" --write-back -o json 2>"$WORK/slow.log")
assert_eq "$(jq -r '[.[].action] | unique | join(",")' <<<"$out")" "created" "actions at 1 s latency"
assert_eq "$(jq -r '[.[].ref] | join(",")' <<<"$out")" "$(seq -f 'slow-%g' -s, 8)" "records in input order"
assert_eq "$(count_writes "$WORK/slow.log")" "8" "writes at 1 s latency"
assert_eq "$(grep -c '← 429' "$WORK/slow.log" || true)" "0" "429 answers at 1 s latency"
# The account and the contact listing are read side by side, and the account is known (it picks
# the ledger) before the first write is sent.
[ "$(most_in_flight "$WORK/slow.log" '^GET .*/v1/(profile|contacts)')" -ge 2 ] ||
  fail "the account and the contacts were not read side by side"
[ "$(grep -c '→ GET .*/v1/profile' "$WORK/slow.log")" = 1 ] || fail "the account was not read once"
[ "$(first_line "$WORK/slow.log" '← [0-9]+ .*[(]GET [^ )]*/v1/profile[)]')" -lt "$(first_line "$WORK/slow.log" '→ POST ')" ] ||
  fail "a write was sent before the account was known"
all=$(lexsync contacts pull -o json)
for i in $(seq 8); do
  assert_eq "$(jq --arg n "Langsam $i GmbH" '[.[] | select(.company.name == $n)] | length' <<<"$all")" "1" "Langsam $i once"
done
python3 - "$WORK/slow.csv" "$all" <<'PY' || fail "numbers written back at 1 s latency"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
remote = {c["company"]["name"]: c for c in json.loads(sys.argv[2]) if "company" in c}
assert len(rows) == 8
for r in rows:
    c = remote[r["company_name"]]
    assert r["id"] == c["id"], r
    assert r["customer_number"] == str(c["roles"]["customer"]["number"]), r
PY
lexsync -v contacts push "$WORK/slow.csv" -o json >"$WORK/slow-rerun.json" 2>"$WORK/slow-rerun.log"
assert_eq "$(count_writes "$WORK/slow-rerun.log")" "0" "writes of the re-run at 1 s latency"
echo "ok: contacts push"
