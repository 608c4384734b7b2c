# The invoice samples export cleanly into the sandbox (as invoices, and the time-tracking sample as
# drafts per customer), and a second export sends nothing.
set -euo pipefail
source "$LEXSYNC_SOURCE_DIR/tests/integration/lib.sh"
start_sandbox --seed demo --rate-limit 10 --burst 10
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
printf '[profiles.default]\nrate_limit = 10\nrate_burst = 4\n' >"$XDG_CONFIG_HOME/lexsync/config.toml"
cp -r "$LEXSYNC_SOURCE_DIR/examples/invoices" "$WORK/invoices"
lexsync invoices export --from 2026-03-01 --to 2026-03-31 "$WORK/invoices/march-2026.csv" -o json >"$WORK/march.json"
lexsync invoices export --from 2026-04-01 --to 2026-04-30 "$WORK/invoices/april-2026.json" -o json >"$WORK/april.json"
lexsync invoices export --from 2026-03-01 --to 2026-03-31 --hourly-rate 38.50 --group-by project \
  "$WORK/invoices/hours-2026-03.csv" -o json >"$WORK/hours.json"
for f in march april hours; do
  n=$(jq '[.[] | select(.action == "created")] | length' "$WORK/$f.json")
  [ "$n" -ge 1 ] || fail "$f: nothing created"
done
# Every source invoice is accounted for: the draft RE-2026-0310 is reported, not lost.
assert_eq "$(jq length "$WORK/march.json")" "13" "records of march-2026.csv"
assert_eq "$(jq -r '.[] | select(.number == "RE-2026-0310") | .action' "$WORK/march.json")" \
  "excluded-status" "the source draft"
lexsync -v invoices export --from 2026-03-01 --to 2026-03-31 "$WORK/invoices/march-2026.csv" -o json >/dev/null 2>"$WORK/again.log"
assert_eq "$(count_writes "$WORK/again.log")" "0" "writes of a second export"
echo "ok: invoice examples"
