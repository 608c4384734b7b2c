# Contact bank accounts against the real sandbox: an API key (and a connection without the bank
# account scopes) is refused before anything is sent, by push and by pull --bank-accounts; a wrong
# IBAN is an input error; over a partner OAuth connection push creates each account once after
# its contact, a re-run and a run with an empty ledger write nothing, an IBAN already on the
# contact is not written again; pull --bank-accounts writes the columns push reads (one more
# request per contact), pull without it is unchanged.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
start_sandbox --seed demo --rate-limit 10 --burst 4
unset LEXSYNC_BASE_URL # the profiles carry it
EXTRA_SECRET="sandbox-client-secret"
export LEXSYNC_OAUTH_CLIENT_SECRET="$EXTRA_SECRET"
cfg="$XDG_CONFIG_HOME/lexsync"
mkdir -p "$cfg"
cat >"$cfg/config.toml" <<TOML
[profiles.partner]
base_url = "$BASE_URL"
oauth_base_url = "$BASE_URL"
oauth_client_id = "lexsync-sandbox-client"
rate_limit = 10
rate_burst = 4

[profiles.noscope]
base_url = "$BASE_URL"
oauth_base_url = "$BASE_URL"
oauth_client_id = "lexsync-sandbox-client"
rate_limit = 10
rate_burst = 4

[profiles.keyonly]
base_url = "$BASE_URL"
rate_limit = 10
rate_burst = 4
TOML
oauth_login partner profile.read,contacts.read,contacts.write,contacts.bankaccounts.read,contacts.bankaccounts.write
oauth_login noscope profile.read,contacts.read,contacts.write

# German headers; the third row has no bank account, the IBANs are written with spaces.
in="$WORK/kunden.csv"
cat >"$in" <<'CSV'
Referenz;Rolle;Firma;Land;Kontoinhaber;Bank;IBAN;BIC
K-1;Kunde;Kontotest Eins GmbH;DE;;Commerzbank;DE89 3704 0044 0532 0130 00;COBADEFFXXX
K-2;Kunde;Kontotest Zwei GmbH;AT;Erika Zwei;Bank Austria;AT61 1904 3002 3457 3201;BKAUATWW
K-3;Kunde;Kontotest Drei GmbH;DE;;;;
CSV

# answered LOG METHOD PATTERN: the requests of a -v log with METHOD whose URL matches the extended
# regex PATTERN that lexoffice answered with 2xx (a 429, not executed, is sent again and counts once).
answered() {
  grep -cE "← 2[0-9][0-9] .*\($2 [^)]*$3" "$1" || true
}

# contacts_named NAME: how many contacts the sandbox holds with that name (read with the API key).
contacts_named() {
  api_get "$BASE_URL/v1/contacts?name=$(jq -rn --arg n "$1" '$n|@uri')" | jq '.content | length'
}

# 1. An API key, and a connection without the scopes: exit 3 with the reason, nothing sent.
set +e
LEXSYNC_API_KEY="$SANDBOX_KEY" lexsync -v --profile keyonly contacts push "$in" >/dev/null 2>"$WORK/key.err"
rc=$?
set -e
assert_eq "$rc" "3" "API key push exit"
assert_contains "$(cat "$WORK/key.err")" "this profile uses an API key"
assert_contains "$(cat "$WORK/key.err")" "Nothing was sent"
grep -q '→ ' "$WORK/key.err" && fail "a request was sent with an API key: $(grep '→ ' "$WORK/key.err")"
assert_eq "$(contacts_named 'Kontotest Eins GmbH')" "0" "no contact written with an API key"
set +e
lexsync --profile noscope contacts push "$in" >/dev/null 2>"$WORK/noscope.err"
rc=$?
set -e
assert_eq "$rc" "3" "push without the scopes exit"
assert_contains "$(cat "$WORK/noscope.err")" "not granted contacts.bankaccounts.read and contacts.bankaccounts.write"
assert_eq "$(contacts_named 'Kontotest Eins GmbH')" "0" "no contact written without the scopes"
set +e
LEXSYNC_API_KEY="$SANDBOX_KEY" lexsync -v --profile keyonly contacts pull --bank-accounts -o json >/dev/null 2>"$WORK/keypull.err"
rc=$?
set -e
assert_eq "$rc" "3" "API key pull --bank-accounts exit"
assert_contains "$(cat "$WORK/keypull.err")" "pull without --bank-accounts"
grep -q '→ ' "$WORK/keypull.err" && fail "pull sent a request with an API key"

# 2. A wrong IBAN is an input error with file:line:column:field; nothing is sent.
bad="$WORK/bad.csv"
sed 's/DE89 3704 0044 0532 0130 00/DE89 3704 0044 0532 0130 01/; s/AT61 1904 3002 3457 3201/AT61 1904 3002 3457 320/' "$in" >"$bad"
set +e
lexsync --profile partner contacts push "$bad" >/dev/null 2>"$WORK/bad.err"
rc=$?
set -e
assert_eq "$rc" "6" "bad IBAN exit"
assert_contains "$(cat "$WORK/bad.err")" "$bad:2:7:IBAN: 'DE89 3704 0044 0532 0130 01' is not a valid IBAN: its check digits do not match"
assert_contains "$(cat "$WORK/bad.err")" "$bad:3:7:IBAN: 'AT61 1904 3002 3457 320' is not an IBAN of AT: those have 20 characters, this one 19"
assert_eq "$(contacts_named 'Kontotest Eins GmbH')" "0" "nothing sent for bad input"

# 3. The push: three contacts, then two bank accounts, each after its contact.
lexsync -v --profile partner contacts push "$in" -o json >"$WORK/push1.json" 2>"$WORK/push1.log"
assert_eq "$(jq -r '[.[].action] | join(",")' "$WORK/push1.json")" "created,created,created" "contacts created"
assert_eq "$(jq -r '[.[].bankAccount] | map(. // "-") | join(",")' "$WORK/push1.json")" "created,created,-" "bank accounts created"
assert_eq "$(answered "$WORK/push1.log" POST '/bankaccounts')" "2" "two bank account POSTs"
assert_eq "$(answered "$WORK/push1.log" '(POST|PUT)' '')" "5" "five writes in all"
id1=$(jq -r '.[0].id' "$WORK/push1.json")
first_bank_post=$(grep -nE '→ POST .*/bankaccounts' "$WORK/push1.log" | head -n1 | cut -d: -f1)
last_contact_post=$(grep -nE '→ POST [^ ]*/v1/contacts( |$)' "$WORK/push1.log" | tail -n1 | cut -d: -f1)
[ "$first_bank_post" -gt "$last_contact_post" ] || fail "a bank account was sent before its contact"

# What lexoffice holds, read through pull --bank-accounts (JSON: the accounts as an array).
lexsync -v --profile partner contacts pull --name 'Kontotest%' --bank-accounts -o json >"$WORK/pull.json" 2>"$WORK/pull.log"
assert_eq "$(jq length "$WORK/pull.json")" "3" "three contacts pulled"
assert_eq "$(answered "$WORK/pull.log" GET '/bankaccounts')" "3" "one bank account request per contact"
assert_eq "$(jq -r '.[] | select(.company.name=="Kontotest Eins GmbH") | [.bankAccounts[] | "\(.accountHolder)|\(.bankName)|\(.iban)|\(.bic)"] | join(" ")' "$WORK/pull.json")" \
  "Kontotest Eins GmbH|Commerzbank|DE89370400440532013000|COBADEFFXXX" "account of the first contact"
assert_eq "$(jq -r '.[] | select(.company.name=="Kontotest Zwei GmbH") | [.bankAccounts[].accountHolder] | join(",")' "$WORK/pull.json")" "Erika Zwei" "holder as given"
assert_eq "$(jq -r '.[] | select(.company.name=="Kontotest Drei GmbH") | .bankAccounts | length' "$WORK/pull.json")" "0" "no account for the third"

# 4. A re-run writes nothing and does not even list the accounts (the ledger knows them).
lexsync -v --profile partner contacts push "$in" -o json >"$WORK/push2.json" 2>"$WORK/push2.log"
assert_eq "$(count_writes "$WORK/push2.log")" "0" "re-run writes"
assert_eq "$(jq -r '[.[].bankAccount] | map(. // "-") | join(",")' "$WORK/push2.json")" "unchanged,unchanged,-" "re-run bank accounts"

# 5. With the ledger gone, lexoffice is asked: the IBANs are found, nothing is written.
rm -rf "$XDG_STATE_HOME/lexsync/partner"
lexsync -v --profile partner contacts push "$in" -o json >"$WORK/push3.json" 2>"$WORK/push3.log"
assert_eq "$(count_writes "$WORK/push3.log")" "0" "writes with an empty ledger"
assert_eq "$(answered "$WORK/push3.log" GET '/bankaccounts')" "2" "the accounts looked up in lexoffice"
assert_eq "$(jq -r '[.[].bankAccount] | map(. // "-") | join(",")' "$WORK/push3.json")" "unchanged,unchanged,-" "found in lexoffice"

# 6. The CSV of pull --bank-accounts has the bank columns and pushes back without a write; a
# pull without the flag has none and asks nothing more.
lexsync --profile partner contacts pull --name 'Kontotest%' --bank-accounts -o csv --out "$WORK/pulled.csv"
tr -d '\r' <"$WORK/pulled.csv" >"$WORK/pulled-lf.csv"
head -n1 "$WORK/pulled-lf.csv" | grep -q ',note,buyer_reference,vendor_number_at_customer,bank_account_holder,bank_name,iban,bic$' \
  || fail "pulled csv header: $(head -n1 "$WORK/pulled-lf.csv")"
grep -q ',Kontotest Eins GmbH,.*,Kontotest Eins GmbH,Commerzbank,DE89370400440532013000,COBADEFFXXX$' "$WORK/pulled-lf.csv" \
  || fail "pulled csv row: $(cat "$WORK/pulled.csv")"
lexsync -v --profile partner contacts push "$WORK/pulled.csv" -o json >"$WORK/push4.json" 2>"$WORK/push4.log"
assert_eq "$(count_writes "$WORK/push4.log")" "0" "pulled csv pushed back"
lexsync -v --profile partner contacts pull --name 'Kontotest%' -o csv >"$WORK/plain.csv" 2>"$WORK/plain.log"
grep -q 'iban' "$WORK/plain.csv" && fail "pull without --bank-accounts wrote bank columns"
assert_eq "$(answered "$WORK/plain.log" GET '')" "1" "pull without --bank-accounts: one request"

# 7. A new row whose IBAN is already on its (matched) contact writes no account; a new IBAN for
# an existing contact is created once.
cat >"$WORK/more.csv" <<'CSV'
ref,role,company_name,country,bank_name,iban,bic
K-1,customer,Kontotest Eins GmbH,DE,Commerzbank,DE89370400440532013000,COBADEFFXXX
K-3,customer,Kontotest Drei GmbH,DE,Zürcher Bank,CH93 0076 2011 6238 5295 7,UBSWCHZH80A
CSV
rm -rf "$XDG_STATE_HOME/lexsync/partner"
lexsync -v --profile partner contacts push "$WORK/more.csv" -o json >"$WORK/push5.json" 2>"$WORK/push5.log"
assert_eq "$(jq -r '[.[].bankAccount] | join(",")' "$WORK/push5.json")" "unchanged,created" "more: bank accounts"
assert_eq "$(answered "$WORK/push5.log" '(POST|PUT)' '')" "1" "more: one write"
lexsync -v --profile partner contacts push "$WORK/more.csv" -o json >"$WORK/push6.json" 2>"$WORK/push6.log"
assert_eq "$(count_writes "$WORK/push6.log")" "0" "more: re-run"
lexsync --profile partner contacts pull --name 'Kontotest%' --bank-accounts -o json >"$WORK/pull2.json"
assert_eq "$(jq '[.[].bankAccounts | length] | add' "$WORK/pull2.json")" "3" "three accounts in all"
echo "ok: contacts bank accounts"
