#!/usr/bin/env bash
# A business application's integration test against lexoffice, run in CI against the sandbox.
# It needs LEXOFFICE_URL and LEXOFFICE_KEY (set by the pipeline: see github-actions.yml,
# gitlab-ci.yml or with-sandbox.sh). The application is a small web-shop connector in shell
# (curl) that creates a customer and an invoice the way any lexoffice client would; lexsync then
# checks what "lexoffice" received.
set -euo pipefail
: "${LEXOFFICE_URL:?start the sandbox first (lexsync sandbox serve --daemon)}"
: "${LEXOFFICE_KEY:?the API key of the sandbox organisation}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the application under test (normally your own code) ---
api() { curl -sf --retry 5 -H "Authorization: Bearer $LEXOFFICE_KEY" -H 'Content-Type: application/json' \
             -H 'Accept: application/json' "$@"; }
customer=$(api -X POST "$LEXOFFICE_URL/v1/contacts" -d '{"version":0,"roles":{"customer":{}},
  "company":{"name":"Shop Kunde GmbH"},"emailAddresses":{"business":["shop@kunde.example"]}}' | jq -r .id)
api -X POST "$LEXOFFICE_URL/v1/invoices?finalize=true" -d "{\"voucherDate\":\"2026-10-15T00:00:00.000+02:00\",
  \"address\":{\"contactId\":\"$customer\"},\"lineItems\":[{\"type\":\"custom\",\"name\":\"Bestellung 1001\",
  \"quantity\":2,\"unitName\":\"Stück\",\"unitPrice\":{\"currency\":\"EUR\",\"netAmount\":49.90,
  \"taxRatePercentage\":19}}],\"totalPrice\":{\"currency\":\"EUR\"},\"taxConditions\":{\"taxType\":\"net\"},
  \"shippingConditions\":{\"shippingDate\":\"2026-10-15T00:00:00.000+02:00\",\"shippingType\":\"delivery\"}}" >/dev/null
# --- end of the application ---

# What lexoffice holds now, checked with lexsync.
export LEXSYNC_BASE_URL=$LEXOFFICE_URL LEXSYNC_API_KEY=$LEXOFFICE_KEY
export XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config"
contacts=$(lexsync contacts pull --email 'shop@kunde.example' -o json | jq length)
lexsync invoices pull --from 2026-10-01 --to 2026-10-31 --out "$work/archive" -o json >/dev/null 2>&1
gross=$(jq -r '.totals.totalGrossAmount // empty' "$work/archive/index.json")
[ "$contacts" = 1 ] || { echo "integration test: expected 1 customer, found $contacts" >&2; exit 1; }
[ "$gross" = "118.76" ] || { echo "integration test: expected a gross total of 118.76, found '$gross'" >&2; exit 1; }
echo "integration test passed: 1 customer, invoices worth 118.76 EUR gross"
