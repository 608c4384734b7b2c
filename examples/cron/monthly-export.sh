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
# LEXSYNC_API_KEY.
set -euo pipefail

month=${MONTH:-$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)}
from="$month-01"
to=$(date -d "$from +1 month -1 day" +%Y-%m-%d)
billing=${BILLING_EXPORT:-$HOME/billing/invoices.csv}
archive=${ARCHIVE_ROOT:-$HOME/lexoffice-archive}/$month

# Every write is idempotent: if cron runs this twice, or it is re-run after a failure, nothing is
# created twice and the archive only fetches what changed.
lexsync --quiet invoices export --from "$from" --to "$to" --finalize "$billing" \
  --write-back "$archive.mapping.csv" -o json >/dev/null
lexsync --quiet invoices pull --from "$from" --to "$to" --out "$archive" --format csv,csv-de,xlsx -o json >/dev/null
