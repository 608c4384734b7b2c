# Contacts hold lists (several e-mail addresses and phone numbers per kind, several contact
# persons; made in the lexoffice web app). contacts pull -o csv writes all of them ("a; b" in one
# cell, person2_*/person3_* columns), and pushing the pulled file back finds every value in place:
# no writes, and lexoffice still holds every value. What lexoffice's API cannot write (more than
# one value per kind or contact person) is refused per row before anything is sent. Matching
# finds a contact through any of its e-mail addresses, of every kind and contact person.
source "$(dirname "$0")/lib.sh"

cat >"$WORK/seed.json" <<'JSON'
{ "organizations": [
  { "id": "aaaaaaaa-0000-4000-8000-0000000000a1", "companyName": "Listen GmbH", "taxType": "net",
    "apiKeys": ["lists-test-key"],
    "contacts": [
      { "id": "11111111-0000-4000-8000-000000000001", "version": 3,
        "roles": { "customer": { "number": 10001 } },
        "company": { "name": "Multi Handel GmbH", "allowTaxFreeInvoices": false,
          "contactPersons": [
            { "salutation": "Herr", "firstName": "Max", "lastName": "Muster", "primary": true,
              "emailAddress": "max@multi.example", "phoneNumber": "+49 30 100" },
            { "salutation": "Frau", "firstName": "Eva", "lastName": "Zweite", "primary": false,
              "emailAddress": "eva@multi.example", "phoneNumber": "+49 30 200" },
            { "firstName": "Jo", "lastName": "Dritte", "primary": false } ] },
        "addresses": { "billing": [ { "street": "Weg 1", "zip": "10115", "city": "Berlin",
                                      "countryCode": "DE" } ] },
        "emailAddresses": { "business": ["info@multi.example", "sales@multi.example"],
                            "private": ["max@home.example"] },
        "phoneNumbers": { "business": ["+49 30 1", "+49 30 2"], "mobile": ["0171 1", "0171 2"] },
        "note": "Aus der Web-App" },
      { "id": "11111111-0000-4000-8000-000000000002", "version": 1,
        "roles": { "vendor": { "number": 70001 } },
        "company": { "name": "Viele Leute AG", "allowTaxFreeInvoices": false,
          "contactPersons": [ { "lastName": "Eins" }, { "lastName": "Zwei" }, { "lastName": "Drei" },
                              { "lastName": "Vier", "emailAddress": "vier@leute.example" } ] } },
      { "id": "11111111-0000-4000-8000-000000000003", "version": 1,
        "roles": { "customer": { "number": 10002 } },
        "company": { "name": "Solo GmbH", "allowTaxFreeInvoices": false },
        "emailAddresses": { "business": ["info@solo.example"], "office": ["buero@solo.example"] } },
      { "id": "11111111-0000-4000-8000-000000000004", "version": 1,
        "roles": { "customer": { "number": 10003 } },
        "company": { "name": "Einzel KG", "allowTaxFreeInvoices": false,
          "contactPersons": [ { "lastName": "Chef", "primary": true,
                                "emailAddress": "chef@einzel.example" } ] },
        "emailAddresses": { "business": ["info@einzel.example"] } }
    ] } ] }
JSON
start_sandbox --seed "$WORK/seed.json" --no-rate-limit
export LEXSYNC_API_KEY="lists-test-key"

lexsync contacts pull -o json >"$WORK/before.json"

# pull -o csv: every value, the contact persons beyond three announced (json has them all).
lexsync contacts pull -o csv --out "$WORK/pulled.csv" 2>"$WORK/pull.err"
assert_contains "$(cat "$WORK/pull.err")" \
  "1 contact has more than 3 contact persons; the csv holds the first 3 (-o json has all)"
header=$(head -n1 "$WORK/pulled.csv" | tr -d '\r')
assert_contains "$header" ",person_email,person_phone,person2_salutation,person2_first_name,person2_last_name,person2_email,person2_phone,person3_salutation,person3_first_name,person3_last_name,person3_email,person3_phone,email,"
assert_contains "$(grep -F 'Multi Handel' "$WORK/pulled.csv")" \
  ",customer,Multi Handel GmbH,,,false,Herr,Max,Muster,max@multi.example,'+49 30 100,Frau,Eva,Zweite,eva@multi.example,'+49 30 200,,Jo,Dritte,,,info@multi.example; sales@multi.example,,max@home.example,,'+49 30 1; +49 30 2,,0171 1; 0171 2,,,,Weg 1,,10115,Berlin,,DE,"
assert_contains "$(grep -F 'Viele Leute' "$WORK/pulled.csv")" ",Eins,,,,,Zwei,,,,,Drei,,,"

# Pushed back unedited: every value is already there, nothing is written, nothing is lost.
lexsync -v contacts push "$WORK/pulled.csv" -o json >"$WORK/rt.json" 2>"$WORK/rt.log" ||
  fail "push of the pulled CSV: $(tail -n 3 "$WORK/rt.log")"
assert_eq "$(count_writes "$WORK/rt.log")" "0" "writes of the pulled CSV pushed back"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/rt.json")" "unchanged" "round trip"
lexsync contacts pull -o json >"$WORK/after.json"
assert_eq "$(jq -S . "$WORK/after.json")" "$(jq -S . "$WORK/before.json")" \
  "every field of every contact after the round trip"
c=$(jq -c '.[] | select(.company.name == "Multi Handel GmbH")' "$WORK/after.json")
assert_eq "$(jq -r '.emailAddresses.business | join("|")' <<<"$c")" \
  "info@multi.example|sales@multi.example"
assert_eq "$(jq -r '.phoneNumbers.mobile | join("|")' <<<"$c")" "0171 1|0171 2"
assert_eq "$(jq -r '.company.contactPersons | map(.lastName) | join("|")' <<<"$c")" \
  "Muster|Zweite|Dritte"

# An edit of such a contact cannot be written through the API: the row fails, nothing is sent.
sed -i 's/Aus der Web-App/Geändert/' "$WORK/pulled.csv"
expect_exit 4 lexsync -v contacts push "$WORK/pulled.csv" -o json >"$WORK/edit.json" 2>"$WORK/edit.log"
assert_eq "$(count_writes "$WORK/edit.log")" "0" "writes of an edited multi-valued contact"
assert_eq "$(jq -r '.[] | select(.name == "Multi Handel GmbH") | .action' "$WORK/edit.json")" "failed"
assert_contains "$(jq -r '.[] | select(.name == "Multi Handel GmbH") | .detail' "$WORK/edit.json")" \
  "would have 2 business e-mail addresses, 2 business phone numbers, 2 mobile phone numbers, 3 contact persons: lexoffice's API writes at most one"

# A new row with two values of one kind, or two contact persons, is refused the same way.
cat >"$WORK/new.csv" <<'CSV'
ref,role,company_name,last_name,email,phone,person2_last_name
n-1,customer,Neu GmbH,Muster,a@neu.example; b@neu.example,,Zweite
n-2,customer,Einzeln GmbH,,c@neu.example,+49 40 1,
CSV
expect_exit 4 lexsync -v contacts push "$WORK/new.csv" -o json >"$WORK/new.json" 2>"$WORK/new.log"
assert_eq "$(jq -r '[.[].action] | join(",")' "$WORK/new.json")" "failed,created"
assert_contains "$(jq -r '.[0].detail' "$WORK/new.json")" \
  "the row has 2 business e-mail addresses, 2 contact persons: lexoffice's API creates contacts"
assert_eq "$(count_writes "$WORK/new.log")" "1" "only the row within the limits is sent"

# Duplicates: a row under another name is found through an e-mail other than the business
# address: the contact's office address, its contact person's, its second business address (that
# contact cannot be written through the API, but no second contact is created either).
cat >"$WORK/dup.csv" <<'CSV'
ref,role,company_name,email,email_office,last_name,person_email
d-1,customer,Solo Handel,,buero@solo.example,,
d-2,customer,Einzel Vertrieb,,,Chef,CHEF@einzel.example
d-3,customer,Multi Vertrieb,neu@multi.example; SALES@multi.example,,,
CSV
expect_exit 4 lexsync contacts push "$WORK/dup.csv" --dry-run -o json >"$WORK/dup.json"
assert_eq "$(jq -r '[.[].action] | join(",")' "$WORK/dup.json")" "update,update,failed" \
  "rows found through another e-mail"
assert_eq "$(jq -r '[.[].id] | join(",")' "$WORK/dup.json")" \
  "11111111-0000-4000-8000-000000000003,11111111-0000-4000-8000-000000000004,11111111-0000-4000-8000-000000000001"
echo "ok: contacts lists"
