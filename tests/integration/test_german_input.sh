# German spreadsheets as Excel writes them (semicolons, Windows-1252, German headers and values,
# decimal commas, € and %, dd.mm.yyyy, rows of only separators at the end) give the same contacts
# and invoices as their ISO twins: each twin goes into its own sandbox with the same seed, and
# what lexoffice holds afterwards is compared field by field.
source "$(dirname "$0")/lib.sh"
command -v iconv >/dev/null || { echo "SKIP: iconv is not installed"; exit 77; }
export LEXSYNC_API_KEY="$SANDBOX_KEY"

# to_cp1252 FILE: converts FILE (UTF-8) to Windows-1252 with CRLF line ends, in place.
to_cp1252() {
  iconv -f UTF-8 -t WINDOWS-1252 "$1" | sed 's/$/\r/' >"$1.tmp"
  mv "$1.tmp" "$1"
}

cat >"$WORK/contacts-iso.csv" <<'CSV'
ref,role,company_name,salutation,first_name,last_name,email,phone,street,zip,city,country,vat_id,note
crm-1,customer,Möbelhaus Größe & Söhne KG,Frau,Petra,Groß,einkauf@moebel-groesse.example,+49 30 1234567,Hauptstraße 1,10115,Berlin,DE,DE123456789,Büro – 3. OG
crm-2,vendor,,Herr,Jonas,Weiß,jonas@example.org,,Ringweg 7,50667,Köln,DE,,
crm-3,both,Café Morgenrot OHG,,,,kontakt@morgenrot.example,,Kastanienallee 5,10435,Berlin,DE,,
CSV
cat >"$WORK/contacts-de.csv" <<'CSV'
Referenz;Rolle;Firma;Anrede;Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort;Land;USt-IdNr.;Notiz
crm-1;Kunde;Möbelhaus Größe & Söhne KG;Frau;Petra;Groß;einkauf@moebel-groesse.example;+49 30 1234567;Hauptstraße 1;10115;Berlin;DE;DE123456789;Büro – 3. OG
crm-2;Lieferant;;Herr;Jonas;Weiß;jonas@example.org;;Ringweg 7;50667;Köln;DE;;
crm-3;beide;Café Morgenrot OHG;;;;kontakt@morgenrot.example;;Kastanienallee 5;10435;Berlin;DE;;
;;;;;;;;;;;;;
;;;;;;;;;;;;;

CSV
to_cp1252 "$WORK/contacts-de.csv"

cat >"$WORK/invoices-iso.csv" <<'CSV'
number,kind,date,service_date,customer_number,name,street,zip,city,country,tax_type,status,item,quantity,unit,net_price,gross_price,tax_rate,discount
RE-1,invoice,2026-03-31,2026-03-01,10001,,,,,,net,open,Unterhaltsreinigung März,36,Stunden,1234.5,,19,
RE-1,,,,,,,,,,,,Glasreinigung,1.5,Pauschal,240.00,,19,10
RE-2,invoice,2026-03-06,,,Café Morgenrot,Kastanienallee 5,10435,Berlin,DE,gross,paid,Küchenreinigung,1,Pauschal,,1154.70,7,
RE-3,invoice,2026-03-12,2026-03-11,10018,,,,,,net,open,Beratung,6,Stunden,95.00,,19,
CSV
cat >"$WORK/invoices-de.csv" <<'CSV'
Rechnungsnummer;Belegart;Rechnungsdatum;Leistungsdatum;Kundennummer;Kundenname;Straße;PLZ;Ort;Land;Steuerart;Zahlstatus;Bezeichnung;Menge;Einheit;Einzelpreis netto;Einzelpreis brutto;USt-Satz;Rabatt
RE-1;Rechnung;31.03.2026;01.03.2026;10001;;;;;;netto;offen;Unterhaltsreinigung März;36;Stunden;1.234,50 €;;19 %;
RE-1;;;;;;;;;;;;Glasreinigung;1,5;Pauschal;240,00 €;;19%;10 %
RE-2;Rechnung;06.03.2026;;;Café Morgenrot;Kastanienallee 5;10435;Berlin;DE;brutto;bezahlt;Küchenreinigung;1;Pauschal;;1.154,70 €;7 %;
RE-3;Rechnung;12.03.2026;11.03.2026;10018;;;;;;netto;offen;Beratung;6;Stunden;95,00;;19 %;
;;;;;;;;;;;;;;;;;;
;;;;;;;;;;;;;;;;;;
CSV
to_cp1252 "$WORK/invoices-de.csv"

# contacts_of: what lexoffice holds about the pushed contacts, without ids, versions and the
# numbers lexoffice assigned (in the order the creations arrive, which the overlapping writes of
# a push do not fix).
contacts_of() {
  lexsync contacts pull -o json |
    jq -S '[.[] | select(.emailAddresses // {} | tostring | test("moebel-groesse|jonas@example.org|morgenrot"))
            | del(.id, .organizationId, .version, .roles[].number)] | sort_by(.company.name // .person.lastName)'
}

# invoices_of JSON: the documents an export created, as lexoffice holds them, without ids.
invoices_of() {
  jq -r '.[] | .id' "$1" | while read -r id; do
    api_get "$BASE_URL/v1/invoices/$id" |
      jq -S '{voucherDate, address: (.address | del(.contactId)), taxConditions, shippingConditions,
              totalPrice, lineItems: [.lineItems[] | del(.id)]}'
  done
}

run_twin() { # run_twin NAME CONTACTS INVOICES [export options…]
  local name=$1 contacts=$2 invoices=$3
  shift 3
  export XDG_STATE_HOME="$WORK/state-$name"
  start_sandbox --seed demo
  lexsync contacts push "$contacts" -o json >"$WORK/push-$name.json"
  contacts_of >"$WORK/contacts-$name.json"
  lexsync invoices export "$invoices" "$@" -o json >"$WORK/export-$name.json" 2>"$WORK/export-$name.err"
  invoices_of "$WORK/export-$name.json" >"$WORK/invoices-$name.json"
}

run_twin iso "$WORK/contacts-iso.csv" "$WORK/invoices-iso.csv" --from 2026-03-01 --to 2026-03-31
# The German twin: invoices from stdin, the period in German notation.
run_twin de "$WORK/contacts-de.csv" - --from 01.03.2026 --to 31.03.2026 <"$WORK/invoices-de.csv"

assert_eq "$(jq -r '[.[].action] | join(",")' "$WORK/push-de.json")" "created,created,created" "contacts pushed"
assert_eq "$(jq length "$WORK/contacts-iso.json")" "3" "ISO contacts in lexoffice"
diff -u "$WORK/contacts-iso.json" "$WORK/contacts-de.json" || fail "the German contacts differ from their ISO twins"
assert_eq "$(jq -r '[.[] | select(.company.name == "Möbelhaus Größe & Söhne KG")][0].note' "$WORK/contacts-de.json")" \
  "Büro – 3. OG" "Windows-1252 en dash"

assert_eq "$(jq -r '[.[].action] | join(",")' "$WORK/export-de.json")" "created,created,created" "invoices exported"
assert_eq "$(jq -r '[.[].number] | join(",")' "$WORK/export-de.json")" "RE-1,RE-2,RE-3" "invoice numbers"
diff -u "$WORK/invoices-iso.json" "$WORK/invoices-de.json" || fail "the German invoices differ from their ISO twins"
assert_eq "$(jq -s -r '.[0].totalPrice.totalNetAmount' "$WORK/invoices-de.json")" "44766" "RE-1 net total"

# --month is the same period; a forced UTF-8 read of the German file names the first bad byte.
export XDG_STATE_HOME="$WORK/state-de"
out=$(lexsync invoices export - --month 2026-03 -o json <"$WORK/invoices-de.csv")
assert_eq "$(jq -r '[.[].action] | unique | join(",")' <<<"$out")" "skipped" "re-run with --month"
set +e
lexsync invoices export --encoding utf-8 "$WORK/invoices-de.csv" 2>"$WORK/utf8.err"
rc=$?
set -e
assert_eq "$rc" "6" "exit code for a forced wrong encoding"
assert_contains "$(cat "$WORK/utf8.err")" "invoices-de.csv:1:84: not valid UTF-8"
echo "ok: German spreadsheets give the same contacts and invoices as their ISO twins"
