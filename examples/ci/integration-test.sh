#!/usr/bin/env bash
# A CI step for a business application that integrates with lexoffice: start the sandbox on a free
# loopback port, point the application at it, run the application's export, then check what
# "lexoffice" received. Here the application is a small web-shop connector in shell (curl) that
# creates a customer and an invoice the way any lexoffice client would; lexsync checks the result.
#
#   # .github/workflows/ci.yml (excerpt)
#   - run: sudo apt-get install -y lexsync   # or build it: scripts/try.sh
#   - run: examples/ci/integration-test.sh
set -euo pipefail

work=$(mktemp -d)
lexsync sandbox serve --port 0 --seed empty >"$work/url" 2>"$work/sandbox.log" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null; wait $sandbox 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
export LEXOFFICE_URL=$(head -n1 "$work/url")
export LEXOFFICE_KEY=sandbox-api-key-lexsync-demo

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
