# Contact identity in contacts push: a row that matches an existing contact by name, e-mail or
# number but is another business (another VAT id, or another name and address) is a conflict
# with both sides, exit 4, and the existing contact stays as it is; two different people with the
# same name in one file are both created, and only rows that nothing tells apart are flagged.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed empty
export LEXSYNC_API_KEY="$SANDBOX_KEY"

cat >"$WORK/first.csv" <<'CSV'
role,company_name,vat_id,email,street,zip,city,country
customer,Alpha Bau GmbH,DE123456789,info@alpha-bau.example,Hauptstr. 1,50667,Köln,DE
CSV
lexsync contacts push "$WORK/first.csv" -o json >"$WORK/first.json"
number=$(lexsync contacts pull -o json | jq -r '.[0].roles.customer.number')
[[ "$number" =~ ^[0-9]+$ ]] || fail "no customer number: $number"
before=$(lexsync contacts pull -o json | jq -S '.[0]')

# Three other businesses: same name elsewhere, same e-mail with another name and address, same
# customer number with another VAT id.
cat >"$WORK/others.csv" <<CSV
role,company_name,customer_number,vat_id,email,street,zip,city,country
customer,Alpha Bau GmbH,,,,Marktplatz 3,20095,Hamburg,DE
customer,Omega Handel AG,,,info@alpha-bau.example,Ringstr. 9,80331,München,DE
customer,Alpha Bau GmbH,$number,DE987654321,,,,,
CSV
for line in 2 3 4; do
  { head -n1 "$WORK/others.csv"; sed -n "${line}p" "$WORK/others.csv"; } >"$WORK/one.csv"
  set +e
  lexsync -v contacts push "$WORK/one.csv" -o json >"$WORK/one.json" 2>"$WORK/one.log"
  rc=$?
  set -e
  assert_eq "$rc" "4" "exit code for another business (line $line)"
  assert_eq "$(jq -r '.[0].action' "$WORK/one.json")" "conflict" "action (line $line)"
  detail=$(jq -r '.[0].detail' "$WORK/one.json")
  assert_contains "$detail" "another business"
  assert_contains "$detail" "Köln" # the existing side
  assert_eq "$(count_writes "$WORK/one.log")" "0" "writes for another business (line $line)"
done
assert_contains "$(jq -r '.[0].detail' "$WORK/one.json")" "DE987654321"
assert_eq "$(lexsync contacts pull -o json | jq -S '.[0]')" "$before" "the existing contact is unchanged"
assert_eq "$(lexsync contacts pull -o json | jq length)" "1" "nothing created for the conflicts"

# Two different people called Thomas Müller are both created; two rows that nothing tells apart
# are flagged (only those two), and the rest of the file goes in.
cat >"$WORK/people.csv" <<'CSV'
role,first_name,last_name,zip,city,country
customer,Thomas,Müller,10115,Berlin,DE
customer,Thomas,Müller,80331,München,DE
customer,Anna,Schmidt,,,
customer,Anna,Schmidt,,,
customer,Jo,Weber,,,
CSV
set +e
lexsync contacts push "$WORK/people.csv" -o json >"$WORK/people.json" 2>"$WORK/people.err"
rc=$?
set -e
assert_eq "$rc" "4" "exit code with two indistinguishable rows"
assert_eq "$(jq -r '[.[].action] | join(",")' "$WORK/people.json")" \
  "created,created,conflict,conflict,created" "actions per row"
assert_contains "$(jq -r '.[3].detail' "$WORK/people.json")" "the same contact as line 4"
all=$(lexsync contacts pull -o json)
assert_eq "$(jq '[.[] | select(.person.lastName=="Müller")] | length' <<<"$all")" "2" "two Thomas Müller"
assert_eq "$(jq '[.[] | select(.person.lastName=="Schmidt")] | length' <<<"$all")" "0" "flagged rows not pushed"

# With the state deleted, the same people are found again, each the right one: no writes.
grep -v Schmidt "$WORK/people.csv" >"$WORK/people2.csv"
rm -rf "$XDG_STATE_HOME/lexsync/default"
lexsync -v contacts push "$WORK/people2.csv" -o json >"$WORK/again.json" 2>"$WORK/again.log"
assert_eq "$(count_writes "$WORK/again.log")" "0" "writes after the state was deleted"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/again.json")" "unchanged" "re-run actions"
assert_eq "$(jq -r '.[0].id' "$WORK/again.json")" \
  "$(jq -r '.[] | select(.addresses.billing[0].city=="Berlin") | .id' <<<"$all")" "Berlin is Berlin"
echo "ok: contact identity"
