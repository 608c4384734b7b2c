# Runs the cron example against the sandbox: the export and the archive, then once more (cron
# running twice) without creating anything again.
set -euo pipefail
source "$LEXSYNC_SOURCE_DIR/tests/integration/lib.sh"
export PATH="$(dirname "$LEXSYNC_BIN"):$PATH"
start_sandbox --seed demo --rate-limit 10 --burst 10
export LEXSYNC_API_KEY="$SANDBOX_KEY" MONTH=2026-03 ARCHIVE_ROOT="$WORK/archive"
export BILLING_EXPORT="$WORK/invoices.csv"
cp "$LEXSYNC_SOURCE_DIR/examples/invoices/march-2026.csv" "$BILLING_EXPORT"
cp -r "$LEXSYNC_SOURCE_DIR/examples/invoices/pdf" "$WORK/pdf"
mkdir -p "$WORK/archive"
# A faster sandbox and profile than lexoffice's 2 requests/s keep the test short.
mkdir -p "$XDG_CONFIG_HOME/lexsync"
printf '[profiles.default]\nrate_limit = 10\nrate_burst = 4\n' >"$XDG_CONFIG_HOME/lexsync/config.toml"
out=$(bash "$LEXSYNC_SOURCE_DIR/examples/cron/monthly-export.sh" 2>&1)
[ -z "$out" ] || fail "the cron job printed something on success: $out"
[ -f "$WORK/archive/2026-03/index.csv" ] || fail "no archive index"
pdfs=$(ls "$WORK/archive/2026-03"/*.pdf | wc -l)
[ "$pdfs" -ge 10 ] || fail "only $pdfs PDFs archived"
grep -q "RE0001" "$WORK/archive/2026-03.mapping.csv" || fail "no mapping written back"
before=$(api_get "$BASE_URL/v1/voucherlist?voucherType=any&voucherStatus=any&size=250" | jq .totalElements)
bash "$LEXSYNC_SOURCE_DIR/examples/cron/monthly-export.sh"
after=$(api_get "$BASE_URL/v1/voucherlist?voucherType=any&voucherStatus=any&size=250" | jq .totalElements)
assert_eq "$after" "$before" "documents after cron ran twice"
echo "ok: cron example ($pdfs PDFs, $after documents)"
