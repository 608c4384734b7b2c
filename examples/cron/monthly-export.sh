#!/usr/bin/env bash
# The accountant's monthly job, for cron: last month's invoices from the billing system's export
# into lexoffice, then last month's archive (PDFs and index) out of it. Silent on success; on
# failure one line on stderr and lexsync's exit code (cron mails it).
#
#   # m h dom mon dow  command
#   15 6 1 * *  /usr/local/share/lexsync/examples/cron/monthly-export.sh
#
# Settings (environment): BILLING_EXPORT (the billing system's CSV, default ~/billing/invoices.csv),
# ARCHIVE_ROOT (default ~/lexoffice-archive), MONTH (YYYY-MM, default last month),
# LEXSYNC_PROFILE (which account). The API key comes from the profile (lexsync auth login) or
# LEXSYNC_API_KEY. lexsync computes the period itself, so no GNU date is needed.
set -euo pipefail

period=(--period last-month)
if [ -n "${MONTH:-}" ]; then
  period=(--month "$MONTH")
fi
billing=${BILLING_EXPORT:-$HOME/billing/invoices.csv}
root=${ARCHIVE_ROOT:-$HOME/lexoffice-archive}

# Every write is idempotent: if cron runs this twice, or it is re-run after a failure, nothing is
# created twice and the archive only fetches what changed.
lexsync --quiet invoices export "${period[@]}" --finalize "$billing" \
  --write-back "$root/{month}.mapping.csv" -o json >/dev/null
lexsync --quiet invoices pull "${period[@]}" --out "$root/{month}" --format csv,csv-de,xlsx -o json >/dev/null
