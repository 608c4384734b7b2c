# vouchers upload against the real sandbox: a generated folder of mixed receipts (valid PDF, PNG,
# JPEG and XRechnung files, duplicates by content, invalid files, some with sidecar bookkeeping
# data) uploads with every valid receipt in lexoffice exactly once and every invalid one reported;
# a run killed with SIGKILL and resumed, and a plain re-run, add nothing.
# Usage: test_vouchers_upload.sh [NUMBER_OF_FILES]   (default 40; e.g. 200 for the long run)
source "$(dirname "$0")/lib.sh"
n=${1:-${VOUCHERS_TEST_FILES:-40}}
start_sandbox --seed empty
export LEXSYNC_API_KEY="$SANDBOX_KEY"

dir="$WORK/receipts"
mkdir -p "$dir/scans" "$dir/mail/2026" "$dir/.trash"
sidecar="$dir/bookkeeping.csv"
echo "file,voucher_number,voucher_date,type,amount,tax_rate,gross_7,category,remark" >"$sidecar"
valid=0 invalid=0 dups=0 booked=0
declare -a numbers=()
for i in $(seq "$n"); do
  case $((i % 10)) in
  1 | 2 | 3)
    printf '%%PDF-1.4\n%% receipt %d\n1 0 obj <<>> endobj\ntrailer <<>>\n%%%%EOF\n' "$i" >"$dir/scans/receipt-$i.pdf"
    valid=$((valid + 1))
    ;;
  4)
    printf '%%PDF-1.7\n%% supplier invoice %d\n%%%%EOF\n' "$i" >"$dir/mail/2026/invoice-$i.pdf"
    echo "mail/2026/invoice-$i.pdf,ER-$i,2026-03-$(printf %02d $((i % 28 + 1))),purchaseinvoice,119.00,19,10.70,Bürobedarf,Lieferung & Versand $i" >>"$sidecar"
    numbers+=("ER-$i")
    valid=$((valid + 1)) booked=$((booked + 1))
    ;;
  5)
    { printf '\x89PNG\r\n\x1a\n'; printf 'card app photo %d' "$i"; } >"$dir/scans/photo-$i.PNG"
    valid=$((valid + 1))
    ;;
  6)
    { printf '\xff\xd8\xff\xe0'; printf 'jpeg receipt %d' "$i"; } >"$dir/scans/till-$i.jpg"
    valid=$((valid + 1))
    ;;
  7)
    cat >"$dir/mail/2026/xrechnung-$i.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>XR-$i</cbc:ID><cbc:IssueDate>2026-03-01</cbc:IssueDate>
</ubl:Invoice>
XML
    valid=$((valid + 1))
    ;;
  8)
    # A second copy of a receipt made above (same content, other name and folder).
    src="$dir/scans/receipt-$((i - 7)).pdf"
    if [ -f "$src" ]; then
      cp "$src" "$dir/mail/copy-of-$i.pdf"
      dups=$((dups + 1))
    fi
    ;;
  9)
    case $(((i / 10) % 4)) in
    0) echo "not a pdf $i" >"$dir/scans/broken-$i.pdf" ;;
    1) echo "<Order xmlns='urn:example'><Id>$i</Id></Order>" >"$dir/mail/order-$i.xml" ;;
    2) printf '%%PDF-1.4\n%% %d\n' "$i" >"$dir/scans/pdf-named-$i.png" ;;
    3) echo "<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'><a></Invoice>" >"$dir/mail/bad-$i.xml" ;;
    esac
    invalid=$((invalid + 1))
    ;;
  0)
    echo "note $i" >"$dir/scans/note-$i.txt" # not a receipt type: not picked up from folders
    ;;
  esac
done
# One file just over the 5 MiB limit, one exactly at it.
{ printf '%%PDF-1.4\n'; head -c 5242872 /dev/zero; } >"$dir/scans/huge.pdf"
invalid=$((invalid + 1))
{ printf '%%PDF-1.4\n'; head -c 5242871 /dev/zero; } >"$dir/scans/limit.pdf"
valid=$((valid + 1))
cp "$dir/scans/receipt-1.pdf" "$dir/.trash/receipt-1.pdf" # hidden folders are skipped
total=$((valid + invalid + dups))
echo "generated $total receipts: $valid valid ($booked with bookkeeping data), $dups duplicates, $invalid invalid"

# Invalid sidecar data is refused before any request.
printf 'file,voucher_number,voucher_date,amount,tax_rate,category\nscans/receipt-1.pdf,,2026-02-30,12.345,18,\n' >"$WORK/bad.csv"
cp "$WORK/bad.csv" "$dir/bad.csv"
set +e
lexsync -v vouchers upload --data "$dir/bad.csv" "$dir" >/dev/null 2>"$WORK/bad.err"
rc=$?
set -e
rm "$dir/bad.csv"
assert_eq "$rc" "6" "exit code for an invalid sidecar"
assert_contains "$(cat "$WORK/bad.err")" "bad.csv:2:voucher_number: missing"
assert_contains "$(cat "$WORK/bad.err")" "bad.csv:2:tax_rate:"
grep -q '→ ' "$WORK/bad.err" && fail "requests were sent for an invalid sidecar"

# A dry run plans every valid receipt and writes nothing.
set +e
lexsync -v vouchers upload --data "$sidecar" "$dir" --dry-run -o json >"$WORK/plan.json" 2>"$WORK/plan.log"
rc=$?
set -e
assert_eq "$rc" "4" "dry-run exit code (refused files)"
assert_eq "$(count_writes "$WORK/plan.log")" "0" "dry-run writes"
assert_eq "$(jq '[.[] | select(.action=="planned")] | length' "$WORK/plan.json")" "$valid" "planned uploads"
assert_eq "$(jq '[.[] | select(.action=="refused")] | length' "$WORK/plan.json")" "$invalid" "refused in the plan"
assert_eq "$(jq -r '[.[] | select(.voucherNumber != null)][0].requests[0].body.voucherStatus' "$WORK/plan.json")" "open" "planned voucher body"

# A run killed with SIGKILL in the middle, then a resumed run.
"$LEXSYNC_BIN" vouchers upload --data "$sidecar" "$dir" -o json >/dev/null 2>&1 &
pid=$!
sleep 3.5
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true

set +e
lexsync vouchers upload --data "$sidecar" "$dir" -o json >"$WORK/run.json" 2>"$WORK/run.err"
rc=$?
set -e
assert_eq "$rc" "4" "exit code with refused files"
jq -e 'length > 0' "$WORK/run.json" >/dev/null || fail "no results"
assert_eq "$(jq '[.[] | select(.action=="refused")] | length' "$WORK/run.json")" "$invalid" "refused files reported"
assert_eq "$(jq '[.[] | select(.action=="failed")] | length' "$WORK/run.json")" "0" "failed files"
grep -q 'huge.pdf' <(jq -r '.[] | select(.action=="refused") | .path' "$WORK/run.json") || fail "oversized file not refused"
# Every valid receipt is accounted for once: uploaded now, before the kill, or found unknown
# (sent by the killed run, whose answer was lost).
assert_eq "$(jq '[.[] | select(.action!="refused") | .sha256] | unique | length' "$WORK/run.json")" "$valid" "distinct receipts"
assert_eq "$(jq '[.[] | select(.action=="uploaded" or .action=="duplicate" or .action=="unknown")] | length' "$WORK/run.json")" "$((valid + dups))" "receipts accounted for"
unknown=$(jq '[.[] | select(.action=="unknown")] | length' "$WORK/run.json")
[ "$unknown" -le 1 ] || fail "$unknown unknown outcomes after one kill"
assert_contains "$(cat "$WORK/run.err")" "refused"

# lexoffice holds each valid receipt exactly once: one purchase voucher per receipt, one voucher
# per booked number, each with one file.
sleep 1
list=$(api_get "$BASE_URL/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=any&size=250")
assert_eq "$(jq '.totalElements' <<<"$list")" "$valid" "vouchers in lexoffice"
for number in "${numbers[@]}"; do
  v=$(api_get "$BASE_URL/v1/vouchers?voucherNumber=$number")
  assert_eq "$(jq '.content | length' <<<"$v")" "1" "vouchers numbered $number"
  assert_eq "$(jq '.content[0].files | length' <<<"$v")" "1" "files of $number"
  assert_eq "$(jq -r '.content[0].voucherStatus' <<<"$v")" "open" "status of $number"
  assert_eq "$(jq -r '.content[0].totalGrossAmount' <<<"$v")" "129.7" "total of $number"
  sleep 0.5
done
ids=$(jq -r '.[] | select(.voucherId != null) | .voucherId' "$WORK/run.json" | sort -u | wc -l)
[ "$ids" -ge $((valid - unknown)) ] || fail "voucher ids reported: $ids"

# A plain re-run uploads nothing.
set +e
lexsync -v vouchers upload --data "$sidecar" "$dir" -o json >"$WORK/rerun.json" 2>"$WORK/rerun.log"
set -e
assert_eq "$(count_writes "$WORK/rerun.log")" "0" "writes of the re-run"
assert_eq "$(jq '[.[] | select(.action=="uploaded")] | length' "$WORK/rerun.json")" "0" "uploads of the re-run"

# A single file with flags, then the same file again: uploaded once.
printf '%%PDF-1.4\n%% single\n%%%%EOF\n' >"$WORK/single.pdf"
out=$(lexsync vouchers upload "$WORK/single.pdf" --voucher-number "S-1" --date 2026-04-01 \
  --type purchasecreditnote --net 100 --tax-rate 7 --category Bürobedarf -o json)
assert_eq "$(jq -r '.[0].action' <<<"$out")" "uploaded" "single upload"
out=$(lexsync vouchers upload "$WORK/single.pdf" -o json)
assert_eq "$(jq -r '.[0].action' <<<"$out")" "duplicate" "same file again"

# --to adds a file to an existing voucher and keeps its files.
vid=$(jq -r '.[0].voucherId' <<<"$out")
printf '%%PDF-1.4\n%% delivery note\n%%%%EOF\n' >"$WORK/delivery.pdf"
out=$(lexsync vouchers upload --to "$vid" "$WORK/delivery.pdf" -o json)
assert_eq "$(jq -r '.[0].action' <<<"$out")" "uploaded" "--to"
v=$(api_get "$BASE_URL/v1/vouchers/$vid")
assert_eq "$(jq '.files | length' <<<"$v")" "2" "files after --to"
echo "ok: vouchers upload ($total receipts, $valid valid, $dups duplicates, $invalid invalid, $unknown unknown after the kill)"
