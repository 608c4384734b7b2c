# invoices pull against the real sandbox: a complete archive with documents and index, totals that
# equal the voucher list's, a re-run that reads only the voucher list, and a changed document that
# is written beside the old one instead of replacing it.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
# Round trips longer than the 0.5 s between two send slots: the per-voucher reads overlap.
start_sandbox --seed demo --latency 700
export LEXSYNC_API_KEY="$SANDBOX_KEY"

api() {
  curl -sS --retry 10 --retry-delay 1 -H "Authorization: Bearer $SANDBOX_KEY" -H 'Accept: application/json' "$@"
}

status=$(api -o /dev/null -w '%{http_code}' "$BASE_URL/v1/voucherlist?voucherType=invoice&voucherStatus=any")
[ "$status" = 200 ] || { echo "SKIP: the sandbox does not serve the voucher list (HTTP $status)"; exit 77; }

# post PATH BODY: creates a sales voucher and prints its id.
post() {
  # A 429 means "not executed", so retrying the POST is safe.
  api -f --retry 10 --retry-delay 1 -X POST -H 'Content-Type: application/json' "$BASE_URL$1" -d "$2" | jq -r .id
}

customer=$(lexsync contacts pull --customer -o json | jq -c '[.[] | select(.company != null)][0]')
customer_id=$(jq -r .id <<<"$customer")
[ -n "$customer_id" ] && [ "$customer_id" != null ] || fail "the demo seed has no company customer"

lines='[{"type":"custom","name":"Unterhaltsreinigung","quantity":2,"unitName":"Stunde",
         "unitPrice":{"currency":"EUR","netAmount":13.40,"taxRatePercentage":19},"discountPercentage":50},
        {"type":"custom","name":"Fachbuch","quantity":1,"unitName":"Stück",
         "unitPrice":{"currency":"EUR","netAmount":8.32,"taxRatePercentage":7}},
        {"type":"custom","name":"Anfahrt","quantity":1,"unitName":"pauschal",
         "unitPrice":{"currency":"EUR","netAmount":5.00,"taxRatePercentage":19}}]'
invoice() { # invoice DATE ADDRESS
  printf '{"voucherDate":"%sT00:00:00.000+01:00","address":%s,"lineItems":%s,"totalPrice":{"currency":"EUR"},
           "taxConditions":{"taxType":"net"},"shippingConditions":{"shippingDate":"%sT00:00:00.000+01:00",
           "shippingType":"service"}}' "$1" "$2" "$lines" "$1"
}
contact_address="{\"contactId\":\"$customer_id\"}"
onetime_address='{"name":"=HYPERLINK(\"http://x\") Einmalkunde","countryCode":"DE"}'

inv1=$(post "/v1/invoices?finalize=true" "$(invoice 2026-03-03 "$contact_address")")
inv2=$(post "/v1/invoices?finalize=true" "$(invoice 2026-03-10 "$onetime_address")")
draft=$(post "/v1/invoices" "$(invoice 2026-03-12 "$contact_address")")
credit=$(post "/v1/credit-notes?finalize=true" "$(printf '{"voucherDate":"2026-03-20T00:00:00.000+01:00","address":%s,
  "lineItems":[{"type":"custom","name":"Gutschrift","quantity":1,"unitName":"pauschal",
  "unitPrice":{"currency":"EUR","netAmount":10.00,"taxRatePercentage":19}}],"totalPrice":{"currency":"EUR"},
  "taxConditions":{"taxType":"net"}}' "$contact_address")")
outside=$(post "/v1/invoices?finalize=true" "$(invoice 2026-04-01 "$contact_address")")
for id in "$inv1" "$inv2" "$draft" "$credit" "$outside"; do
  [[ "$id" =~ ^[0-9a-f-]{36}$ ]] || fail "could not create the test vouchers: $id"
done

# What the voucher list says about the period.
# -f: a 429 answer is retried without its body landing in the file.
api -f -o "$WORK/list.json" "$BASE_URL/v1/voucherlist?voucherType=invoice,creditnote,downpaymentinvoice&voucherStatus=any&voucherDateFrom=2026-03-01&voucherDateTo=2026-03-31&size=250"
expected=$(jq '.content | length' "$WORK/list.json")
[ "$expected" -ge 4 ] || fail "the voucher list shows $expected vouchers for March"

# First pull: everything fetched, documents for all but drafts.
ARCHIVE="$WORK/archive"
lexsync -v invoices pull --from 2026-03-01 --to 2026-03-31 --out "$ARCHIVE" --format csv,csv-de,json,xlsx \
  -o json >"$WORK/pull1.json" 2>"$WORK/pull1.log"
assert_eq "$(jq length "$WORK/pull1.json")" "$expected" "records of the first pull"
# The account that picks the ledger is read beside the voucher list, not after it.
[ "$(most_in_flight "$WORK/pull1.log" '^GET .*/v1/(profile|voucherlist)')" -ge 2 ] ||
  fail "the account was not read beside the voucher list"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/pull1.json")" "fetched" "first pull actions"
assert_eq "$(jq -r --arg id "$draft" '.[] | select(.id == $id) | .files | length' "$WORK/pull1.json")" "0" "draft files"
jq -e --arg id "$inv1" '.[] | select(.id == $id) | .files | length >= 1' "$WORK/pull1.json" >/dev/null ||
  fail "invoice without files"
jq -e --arg id "$outside" 'all(.[]; .id != $id)' "$WORK/pull1.json" >/dev/null || fail "April invoice archived"
non_drafts=$(jq '[.content[] | select(.voucherStatus != "draft")] | length' "$WORK/list.json")
assert_eq "$(ls "$ARCHIVE"/*.pdf | wc -l)" "$non_drafts" "PDF files"
for f in $(jq -r '.[].files[] | select(endswith(".pdf"))' "$WORK/pull1.json"); do
  head -c 4 "$ARCHIVE/$f" | grep -q '%PDF' || fail "$f is not a PDF"
done
(cd "$ARCHIVE" && jq -r '.vouchers[].files[] | "\(.sha256)  \(.name)"' index.json | sha256sum -c --quiet) ||
  fail "file hashes in index.json"
# Two requests per finalised voucher (data and PDF; XRechnung adds its XML), one per draft: the
# open amounts come from the voucher list, payments are read only with --payments.
assert_eq "$(grep -c '→ GET .*/v1/payments/' "$WORK/pull1.log" || true)" "0" "payments reads without --payments"
drafts=$((expected - non_drafts))
docs=$(grep -cE '→ GET .*/(invoices|credit-notes|down-payment-invoices)/[^/]+(/file)?$' "$WORK/pull1.log" || true)
xml=$(jq '[.[].files[] | select(endswith(".xml"))] | length' "$WORK/pull1.json")
assert_eq "$docs" "$((2 * non_drafts + drafts + xml))" "document requests of the first pull"

# The index's totals equal the sum of the voucher list's totalAmount, credit notes subtracted, to
# the cent.
python3 - "$WORK/list.json" "$ARCHIVE" "$customer" <<'PY' || fail "index check"
import csv, json, sys, zipfile
from decimal import Decimal
listing = json.load(open(sys.argv[1]), parse_float=Decimal)
archive = sys.argv[2]
customer = json.loads(sys.argv[3])
index = json.load(open(archive + "/index.json"), parse_float=Decimal)
def signed(r, amount):
    return -amount if r["voucherType"] == "creditnote" else amount
want = sum((signed(r, Decimal(str(r["totalAmount"]))) for r in listing["content"]), Decimal(0))
types = {r["voucherType"] for r in listing["content"]}
assert "creditnote" in types, "the period has a credit note"
for t in types:
    plain = sum((Decimal(str(r["totalAmount"])) for r in listing["content"] if r["voucherType"] == t), Decimal(0))
    assert Decimal(str(index["totalsByType"][t]["totalGrossAmount"])) == plain, f"{t} total"
got = Decimal(str(index["totals"]["totalGrossAmount"]))
assert got == want, f"gross total {got} != voucher list {want}"
rows = index["vouchers"]
assert len(rows) == len(listing["content"]), "index rows"
net = sum((signed(r, Decimal(str(r["totalNetAmount"]))) for r in rows), Decimal(0))
tax = sum((signed(r, Decimal(str(r["totalTaxAmount"]))) for r in rows), Decimal(0))
assert net + tax == got, f"net {net} + tax {tax} != gross {got}"
named = [r for r in rows if r["customerNumber"] == str(customer["roles"]["customer"]["number"])]
assert named and all(r["customerName"] == customer["company"]["name"] for r in named), "customer from the contact"
# Technical CSV: same rows, totals add up.
with open(archive + "/index.csv", newline="", encoding="utf-8") as f:
    tech = list(csv.DictReader(f))
assert len(tech) == len(rows)
assert sum(signed(r, Decimal(r["totalGross"])) for r in tech) == want
assert any(r["customerName"].startswith("'=HYPERLINK") for r in tech), "formula neutralised"
# German CSV: BOM, semicolons, decimal comma, a totals row equal to the list's.
raw = open(archive + "/index-de.csv", "rb").read()
assert raw.startswith(b"\xef\xbb\xbf")
de = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
totals_rows = len(types) + 1 if len(types) > 1 else 1
head, body, total = de[0], de[1:-totals_rows], de[-1]
assert total[0] == "Summe" and len(body) == len(rows)
gross = head.index("Brutto")
assert Decimal(total[gross].replace(",", ".")) == want
assert all(len(r[head.index("Belegdatum")].split(".")) == 3 for r in body)
# xlsx: a valid zip with the sheet, one row per voucher plus header and totals.
with zipfile.ZipFile(archive + "/index.xlsx") as z:
    assert z.testzip() is None
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<row ") == len(rows) + 1 + totals_rows
    assert "Belegnummer" in z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else "Belegnummer" in sheet
    assert "<f>" not in sheet
PY

# A re-run reads only the account (whose ledger it uses) and the voucher list, and fetches nothing.
lexsync -v invoices pull --from 2026-03-01 --to 2026-03-31 --out "$ARCHIVE" --format csv,csv-de,json,xlsx \
  -o json >"$WORK/pull2.json" 2>"$WORK/pull2.log"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/pull2.json")" "unchanged" "re-run actions"
gets=$(grep -cE '→ GET ' "$WORK/pull2.log" || true)
list_gets=$(grep -cE '→ GET .*/v1/voucherlist' "$WORK/pull2.log" || true)
assert_eq "$gets" "$((list_gets + 1))" "requests of the re-run"
assert_eq "$list_gets" "1" "voucher list pages of the re-run"
assert_contains "$(cat "$WORK/pull2.log")" "0 fetched, $expected unchanged"

# A file that differs from what lexoffice sends is kept; the new version goes beside it.
pdf=$(jq -r --arg id "$inv1" '.[] | select(.id == $id) | .files[0]' "$WORK/pull1.json")
echo "edited locally" >"$ARCHIVE/$pdf"
lexsync invoices pull --from 2026-03-01 --to 2026-03-31 --out "$ARCHIVE" --refetch -o json \
  >"$WORK/pull3.json" 2>"$WORK/pull3.log"
assert_eq "$(cat "$ARCHIVE/$pdf")" "edited locally" "the edited file is untouched"
beside="${pdf%.pdf}_2.pdf"
head -c 4 "$ARCHIVE/$beside" | grep -q '%PDF' || fail "new version beside the edited file"
assert_contains "$(cat "$WORK/pull3.log")" "warning: "
assert_contains "$(cat "$WORK/pull3.log")" "kept it and wrote $beside"
assert_eq "$(jq -r --arg id "$inv1" '.vouchers[] | select(.id == $id) | .files[0].name' "$ARCHIVE/index.json")" \
  "$beside" "index names the new version"
assert_eq "$(ls "$ARCHIVE"/*_2.pdf | wc -l)" "1" "only the edited file got a second version"

# Bad options exit 2.
expect_exit 2 lexsync invoices pull --from 2026-03-31 --to 2026-03-01 --out "$ARCHIVE"
echo "ok"
