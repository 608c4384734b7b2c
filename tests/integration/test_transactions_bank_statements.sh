# transactions export of published bank statement files (tests/fixtures/bank_statements) into the
# real sandbox over a partner OAuth connection: a CAMT.053 statement, one with a batch entry split
# into its transactions, and an MT940 statement, each
# recognised by its content (no --mapping), land in a giro account once per entry with the signed
# amounts, dates and counterparties of the file; a re-run of the same file writes nothing, and so
# does a run after the ledger is deleted apart from the idempotent batch; a CAMT file given to a
# CSV mapping is refused naming the mapping to use.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 is not installed"; exit 77; }
FIXTURES="${LEXSYNC_SOURCE_DIR:-$(dirname "$0")/../..}/tests/fixtures/bank_statements"
STATE_DB="$WORK/sandbox.db"
start_sandbox --seed demo --no-rate-limit --state "$STATE_DB"
unset LEXSYNC_BASE_URL # the profile carries it
EXTRA_SECRET="sandbox-client-secret"
export LEXSYNC_OAUTH_CLIENT_SECRET="$EXTRA_SECRET"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
cat >"$XDG_CONFIG_HOME/lexsync/config.toml" <<TOML
[profiles.bank]
base_url = "$BASE_URL"
oauth_base_url = "$BASE_URL"
oauth_client_id = "lexsync-sandbox-client"
timeout = 5
TOML
oauth_login bank finance.read,finance.write,transaction-assignment-hint.write,vouchers.read,vouchers.write,files.write,profile.read

sql() {
  sqlite3 -readonly "$STATE_DB" "$1"
}

# transactions ACCOUNT_NAME: "amount|date|counterparty" of the account's transactions, sorted.
transactions() {
  sql "SELECT json_extract(t.doc, '$.amount') || '|' || substr(json_extract(t.doc, '$.valueDate'), 1, 10) || '|' || COALESCE(json_extract(t.doc, '$.recipientOrSenderName'), '')
       FROM resources t JOIN resources a ON a.kind = 'finance-accounts' AND a.id = json_extract(t.doc, '$.financialAccountId')
       WHERE t.kind = 'finance-transactions' AND json_extract(a.doc, '$.name') = '$1' ORDER BY 1"
}

# export ACCOUNT FILE NAME: runs the export of FILE into giro account ACCOUNT with -v, output in
# $WORK/NAME.json and $WORK/NAME.log.
export_file() {
  lexsync -v --profile bank transactions export --account "$1" --iban DE12345678901234567890 \
    --bic GENODEF1XXX -o json "$2" >"$WORK/$3.json" 2>"$WORK/$3.log" ||
    fail "$3: $(tail -n 3 "$WORK/$3.log")"
}

# 1. CAMT.053 (two statements, no AcctSvcrRef: ids derived from the entries), without --mapping:
#    the generic CSV mapping could not read it.
export_file "Girokonto CAMT" "$FIXTURES/camt053-v02-multi-statement.xml" camt1
assert_eq "$(jq 'length' "$WORK/camt1.json")" "2" "records of the CAMT run"
assert_eq "$(transactions "Girokonto CAMT")" "$(printf '%s\n' '-7|2015-01-02|Company Name 2' '8.85|2015-01-02|Company Name 1')" "CAMT transactions in the sandbox"
assert_eq "$(sql "SELECT COUNT(DISTINCT json_extract(doc, '$.externalReference')) FROM resources WHERE kind = 'finance-transactions'")" "2" "distinct references"
export_file "Girokonto CAMT" "$FIXTURES/camt053-v02-multi-statement.xml" camt2
assert_eq "$(count_writes "$WORK/camt2.log")" "0" "writes of a CAMT re-run"
rm -rf "$XDG_STATE_HOME"
export_file "Girokonto CAMT" "$FIXTURES/camt053-v02-multi-statement.xml" camt3
assert_eq "$(grep -cE '→ POST .*/v1/finance/transactions$' "$WORK/camt3.log")" "$(count_writes "$WORK/camt3.log")" "a run with a deleted ledger writes only the batch"
assert_eq "$(sql "SELECT COUNT(*) FROM resources WHERE kind = 'finance-transactions'")" "2" "CAMT transactions after the run with a deleted ledger"

# 1b. A CAMT batch (a collective direct debit of two, -664.05 = -564.05 - 100.00) between two
#     single entries: one transaction per detail, each with its own amount and counterparty.
export_file "Girokonto Batch" "$FIXTURES/camt053-v02-batch.xml" batch1
assert_eq "$(jq 'length' "$WORK/batch1.json")" "4" "records of the CAMT batch run"
assert_eq "$(transactions "Girokonto Batch")" "$(printf '%s\n' '-100|2014-01-05|Test Customer' '-564.05|2014-01-05|Test Customer' '-754.25|2014-01-05|INSURANCE COMPANY TESTX' '1405.31|2014-01-05|3rd party Media')" "CAMT batch transactions in the sandbox"
export_file "Girokonto Batch" "$FIXTURES/camt053-v02-batch.xml" batch2
assert_eq "$(count_writes "$WORK/batch2.log")" "0" "writes of a CAMT batch re-run"

# 2. MT940 of a German bank: the bank's ids as references.
export_file "Girokonto MT940" "$FIXTURES/mt940-hbci4java.sta" mt1
assert_eq "$(transactions "Girokonto MT940")" "$(printf '%s\n' '1|2023-02-09|Max Mustermann' '2|2023-02-09|Max Mustermann')" "MT940 transactions in the sandbox"
export_file "Girokonto MT940" "$FIXTURES/mt940-hbci4java.sta" mt2
assert_eq "$(count_writes "$WORK/mt2.log")" "0" "writes of an MT940 re-run"

# 3. A statement read through a CSV mapping: exit 6, the mapping to use named, nothing sent.
set +e
lexsync --profile bank transactions export --account "Girokonto CAMT" --mapping generic \
  "$FIXTURES/camt053-v08.xml" >/dev/null 2>"$WORK/csv.err"
rc=$?
set -e
assert_eq "$rc" "6" "exit code of a CAMT file read as CSV"
assert_contains "$(cat "$WORK/csv.err")" "--mapping camt053"
assert_eq "$(sql "SELECT COUNT(*) FROM resources WHERE kind = 'finance-transactions'")" "8" "transactions at the end"
echo "OK"
