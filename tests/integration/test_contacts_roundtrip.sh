# contacts push → contacts pull against the real sandbox: every input column arrives in the
# contact where the API reference puts it (a company with its contact person, all e-mail and
# phone kinds, billing and shipping address with a US state, tax and XRechnung data; a person with
# private e-mail and phone), the German-header twin of the file finds nothing left to change, a
# re-run sends no writes, and so does the file that contacts pull -o csv writes, pushed back; a
# contact with two billing addresses reaches the csv whole and comes back unchanged.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed empty
export LEXSYNC_API_KEY="$SANDBOX_KEY"

cat >"$WORK/all.csv" <<'CSV'
ref,role,company_name,tax_number,vat_id,allow_tax_free_invoices,salutation,first_name,last_name,person_email,person_phone,email,email_office,email_private,email_other,phone,phone_office,mobile,phone_private,fax,phone_other,street,supplement,zip,city,region,country,shipping_street,shipping_supplement,shipping_zip,shipping_city,shipping_region,shipping_country,note,buyer_reference,vendor_number_at_customer
rt-1,both,Prairie Supply Inc.,12/345/67890,DE811907980,true,Mr,John,Doe,john.doe@prairie.example,+1 217 555 0101,info@prairie.example,office@prairie.example,john@home.example,misc@prairie.example,+1 217 555 0100,+1 217 555 0102,+1 217 555 0103,+1 217 555 0104,+1 217 555 0105,+1 217 555 0106,1 Main St,Suite 5,62701,Springfield,IL,US,9 Dock Rd,Gate 2,60601,Chicago,IL,US,Import customer,04011000-1234512345-35,70123456
rt-2,customer,,,,,Frau,Erika,Musterfrau,,,,,erika@privat.example,,,,,+49 89 765432,,,Ringweg 7,,80331,München,,DE,,,,,,,Privatkundin,,
CSV

out=$(lexsync contacts push "$WORK/all.csv" -o json)
assert_eq "$(jq -r '[.[].action] | join(",")' <<<"$out")" "created,created" "both rows created"

all=$(lexsync contacts pull -o json)
assert_eq "$(jq length <<<"$all")" "2" "two contacts in lexoffice"
c=$(jq -c '.[] | select(.company.name == "Prairie Supply Inc.")' <<<"$all")
p=$(jq -c '.[] | select(.person.lastName == "Musterfrau")' <<<"$all")
[ -n "$c" ] || fail "company not pulled: $all"
[ -n "$p" ] || fail "person not pulled: $all"

# field JSON PATH EXPECTED: one field of a pulled contact.
field() {
  assert_eq "$(jq -r "$2" <<<"$1")" "$3" "$2"
}
field "$c" '.roles | keys | join(",")' "customer,vendor"
field "$c" '.company.taxNumber' "12/345/67890"
field "$c" '.company.vatRegistrationId' "DE811907980"
field "$c" '.company.allowTaxFreeInvoices' "true"
field "$c" '.company.contactPersons | length' "1"
field "$c" '.company.contactPersons[0].salutation' "Mr"
field "$c" '.company.contactPersons[0].firstName' "John"
field "$c" '.company.contactPersons[0].lastName' "Doe"
field "$c" '.company.contactPersons[0].primary' "true"
field "$c" '.company.contactPersons[0].emailAddress' "john.doe@prairie.example"
field "$c" '.company.contactPersons[0].phoneNumber' "+1 217 555 0101"
field "$c" '.person' "null"
field "$c" '.emailAddresses | to_entries | map("\(.key)=\(.value | join("|"))") | sort | join(" ")' \
  "business=info@prairie.example office=office@prairie.example other=misc@prairie.example private=john@home.example"
field "$c" '.phoneNumbers | to_entries | map("\(.key)=\(.value | join("|"))") | sort | join(" ")' \
  "business=+1 217 555 0100 fax=+1 217 555 0105 mobile=+1 217 555 0103 office=+1 217 555 0102 other=+1 217 555 0106 private=+1 217 555 0104"
field "$c" '.addresses.billing | length' "1"
field "$c" '.addresses.billing[0] | [.street, .supplement, .zip, .city, .countryCode] | join("|")' \
  "1 Main St|Suite 5|62701|Springfield, IL|US"
field "$c" '.addresses.shipping | length' "1"
field "$c" '.addresses.shipping[0] | [.street, .supplement, .zip, .city, .countryCode] | join("|")' \
  "9 Dock Rd|Gate 2|60601|Chicago, IL|US"
field "$c" '.note' "Import customer"
field "$c" '.xRechnung.buyerReference' "04011000-1234512345-35"
field "$c" '.xRechnung.vendorNumberAtCustomer' "70123456"

field "$p" '.roles | keys | join(",")' "customer"
field "$p" '.company' "null"
field "$p" '.person | [.salutation, .firstName, .lastName] | join("|")' "Frau|Erika|Musterfrau"
field "$p" '.emailAddresses | to_entries | map("\(.key)=\(.value | join("|"))") | join(" ")' \
  "private=erika@privat.example"
field "$p" '.phoneNumbers | to_entries | map("\(.key)=\(.value | join("|"))") | join(" ")' \
  "private=+49 89 765432"
field "$p" '.addresses.billing[0] | [.street, .zip, .city, .countryCode] | join("|")' \
  "Ringweg 7|80331|München|DE"
field "$p" '.addresses.shipping' "null"
field "$p" '.note' "Privatkundin"

# A re-run of the same file, and its twin with German headers and ';' (Excel), send no writes.
lexsync -v contacts push "$WORK/all.csv" -o json >"$WORK/rerun.json" 2>"$WORK/rerun.log"
assert_eq "$(count_writes "$WORK/rerun.log")" "0" "writes of the re-run"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/rerun.json")" "unchanged" "re-run actions"
{
  echo 'Referenz;Rolle;Firma;Steuernummer;USt-IdNr.;Steuerfreie Rechnungen;Anrede;Vorname;Nachname;E-Mail Ansprechpartner;Telefon Ansprechpartner;E-Mail;E-Mail Büro;E-Mail privat;E-Mail sonstige;Telefon;Telefon Büro;Mobil;Telefon privat;Fax;Telefon sonstige;Straße;Adresszusatz;PLZ;Ort;Bundesstaat;Land;Lieferadresse Straße;Lieferadresse Zusatz;Lieferadresse PLZ;Lieferadresse Ort;Lieferadresse Bundesstaat;Lieferadresse Land;Notiz;Leitweg-ID;Lieferantennummer beim Kunden'
  tail -n +2 "$WORK/all.csv" | sed 's/both/beide/; s/,customer,/,Kunde,/; s/,true,/,ja,/' | tr ',' ';'
} >"$WORK/de.csv"
lexsync -v contacts push "$WORK/de.csv" -o json >"$WORK/de.json" 2>"$WORK/de.log"
assert_eq "$(count_writes "$WORK/de.log")" "0" "writes of the German twin"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/de.json")" "unchanged" "German twin actions"

# Through CSV: contacts pull -o csv writes every column push reads (person2_*, person3_* stay
# empty with one contact person; phone numbers keep the ' that protects spreadsheets, and push
# reads it back), so pushing the pulled file sends no writes.
lexsync contacts pull -o csv --out "$WORK/pulled.csv"
assert_eq "$(head -n1 "$WORK/pulled.csv" | tr -d "\r")" \
  "id,$(head -n1 "$WORK/all.csv" | cut -d, -f2- | sed 's/^role,/customer_number,vendor_number,role,/; s/,person_phone,/,person_phone,person2_salutation,person2_first_name,person2_last_name,person2_email,person2_phone,person3_salutation,person3_first_name,person3_last_name,person3_email,person3_phone,/; s/,shipping_country,/,shipping_country,billing2_street,billing2_supplement,billing2_zip,billing2_city,billing2_region,billing2_country,billing3_street,billing3_supplement,billing3_zip,billing3_city,billing3_region,billing3_country,shipping2_street,shipping2_supplement,shipping2_zip,shipping2_city,shipping2_region,shipping2_country,shipping3_street,shipping3_supplement,shipping3_zip,shipping3_city,shipping3_region,shipping3_country,/')" \
  "pulled CSV header: push's columns"
row() { grep -F "$1" "$WORK/pulled.csv"; }
assert_contains "$(row 'Prairie Supply')" ",both,Prairie Supply Inc.,12/345/67890,DE811907980,true,Mr,John,Doe,john.doe@prairie.example,'+1 217 555 0101,,,,,,,,,,,info@prairie.example,office@prairie.example,john@home.example,misc@prairie.example,'+1 217 555 0100,'+1 217 555 0102,'+1 217 555 0103,'+1 217 555 0104,'+1 217 555 0105,'+1 217 555 0106,1 Main St,Suite 5,62701,\"Springfield, IL\",,US,9 Dock Rd,Gate 2,60601,\"Chicago, IL\",,US,,,,,,,,,,,,,,,,,,,,,,,,,Import customer,04011000-1234512345-35,70123456"
assert_contains "$(row 'Musterfrau')" ",customer,,,,,Frau,Erika,Musterfrau,,,,,,,,,,,,,,,erika@privat.example,,,,,'+49 89 765432,,,Ringweg 7,,80331,München,,DE,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,Privatkundin,,"
lexsync -v contacts push "$WORK/pulled.csv" -o json >"$WORK/csv-rt.json" 2>"$WORK/csv-rt.log" ||
  fail "push of the pulled CSV: $(tail -n 3 "$WORK/csv-rt.log")"
assert_eq "$(count_writes "$WORK/csv-rt.log")" "0" "writes of the pulled CSV pushed back"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/csv-rt.json")" "unchanged" "pulled CSV actions"
# An edit in the pulled file is one update of that contact.
sed -i 's/Privatkundin/Stammkundin/' "$WORK/pulled.csv"
lexsync -v contacts push "$WORK/pulled.csv" -o json >"$WORK/csv-edit.json" 2>"$WORK/csv-edit.log"
assert_eq "$(count_writes "$WORK/csv-edit.log")" "1" "writes of one edited CSV row"
assert_eq "$(lexsync contacts pull --name 'Erika%' -o json | jq -r '.[0].note')" "Stammkundin"
sed -i 's/Stammkundin/Privatkundin/' "$WORK/pulled.csv"
lexsync contacts push "$WORK/pulled.csv" -o json >/dev/null

# A changed kind is one PUT of that kind only; the rest stays.
sed -i 's/+1 217 555 0105/+1 217 555 0199/' "$WORK/all.csv"
out=$(lexsync contacts push "$WORK/all.csv" -o json)
assert_eq "$(jq -r '.[] | select(.ref=="rt-1") | .action' <<<"$out")" "updated" "fax update"
c=$(lexsync contacts pull --name 'Prairie%' -o json | jq -c '.[0]')
field "$c" '.phoneNumbers.fax[0]' "+1 217 555 0199"
field "$c" '.phoneNumbers.business[0]' "+1 217 555 0100"
field "$c" '.addresses.shipping[0].city' "Chicago, IL"
field "$c" '.company.contactPersons[0].emailAddress' "john.doe@prairie.example"

# Several addresses of a kind (a contact made in the web app, as the demo seed has one with two
# billing addresses): contacts pull -o csv writes the second into billing2_*, the file pushed back
# sends nothing, a changed second address is refused with the reason (lexoffice's API writes one
# address of each kind), and so is a new row with a second address; the contact stays as it was.
start_sandbox --seed demo
lexsync contacts pull -o csv --out "$WORK/demo.csv"
assert_contains "$(grep -F 'Hausverwaltung Becker' "$WORK/demo.csv")" ",Rathausstraße 1,,60311,Frankfurt am Main,,DE,,,,,,,Postfach 1234,,60001,Frankfurt am Main,,DE,,,,,,,"
lexsync -v contacts push "$WORK/demo.csv" -o json >"$WORK/demo-rt.json" 2>"$WORK/demo-rt.log" ||
  fail "push of the pulled demo CSV: $(tail -n 3 "$WORK/demo-rt.log")"
assert_eq "$(count_writes "$WORK/demo-rt.log")" "0" "writes of the pulled demo CSV pushed back"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/demo-rt.json")" "unchanged" "pulled demo CSV actions"
sed -i 's/Postfach 1234/Postfach 9999/' "$WORK/demo.csv"
set +e
lexsync -v contacts push "$WORK/demo.csv" -o json >"$WORK/demo-edit.json" 2>"$WORK/demo-edit.log"
set -e
assert_eq "$(count_writes "$WORK/demo-edit.log")" "0" "writes of an edited second billing address"
assert_contains "$(jq -r '.[] | select(.action == "failed") | .detail' "$WORK/demo-edit.json")" "would have 2 billing addresses"
assert_eq "$(lexsync contacts pull --name 'Hausverwaltung%' -o json | jq -r '.[0].addresses.billing | map(.street) | join("|")')" "Rathausstraße 1|Postfach 1234" "billing addresses after the refused edit"
printf 'role,company_name,street,zip,city,country,billing2_street,billing2_zip,billing2_city,billing2_country\ncustomer,Zwei Adressen GmbH,Weg 1,10115,Berlin,DE,Postfach 1,10001,Berlin,DE\n' >"$WORK/two.csv"
set +e
lexsync -v contacts push "$WORK/two.csv" -o json >"$WORK/two.json" 2>"$WORK/two.log"
set -e
assert_eq "$(count_writes "$WORK/two.log")" "0" "writes of a new row with two billing addresses"
assert_contains "$(jq -r '.[0].detail' "$WORK/two.json")" "the row has 2 billing addresses"
# A second address without a first one, or without a country: file:line:column:field errors.
printf 'role,company_name,billing2_street,billing2_city\ncustomer,Ohne Erste GmbH,Weg 2,Berlin\n' >"$WORK/gap.csv"
set +e
lexsync contacts push "$WORK/gap.csv" -o json >/dev/null 2>"$WORK/gap.err"
rc=$?
set -e
assert_eq "$rc" "6" "exit code of a second address without a first"
assert_contains "$(cat "$WORK/gap.err")" "gap.csv:2:3:billing2_street: the first billing address is missing"
assert_contains "$(cat "$WORK/gap.err")" "billing2_country: missing: an address needs a country code"
echo "ok: contacts round trip"
