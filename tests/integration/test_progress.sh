# The progress line: under a terminal, contacts push draws "contacts push: N/M contacts" on
# stderr, redrawn in place and erased before the summary, and shows the wait for the rate limit
# (a profile at 0.5 requests per second waits 2 s before each request); stdout, a file here,
# holds only the records. Without a terminal stderr has no progress line.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { echo "SKIP: script (util-linux) is not installed"; exit 77; }
start_sandbox --seed empty
export LEXSYNC_API_KEY="$SANDBOX_KEY" WORK
mkdir -p "$XDG_CONFIG_HOME/lexsync"
cat >"$XDG_CONFIG_HOME/lexsync/config.toml" <<TOML
[profiles.default]
rate_limit = 0.5
rate_burst = 1
TOML
printf 'ref,role,company_name\np-1,customer,Erste Firma GmbH\np-2,customer,Zweite Firma GmbH\n' >"$WORK/tty.csv"
printf 'ref,role,company_name\nq-1,customer,Dritte Firma GmbH\n' >"$WORK/plain.csv"

# script(1) runs the command on a pseudo-terminal and copies what it wrote there to its stdout.
script -qfec '"$LEXSYNC_BIN" contacts push "$WORK/tty.csv" -o json >"$WORK/tty.json"' /dev/null \
  </dev/null >"$WORK/tty.err" || fail "contacts push under a terminal: $(cat "$WORK/tty.err")"
assert_eq "$(jq '[.[] | select(.action=="created")] | length' "$WORK/tty.json")" "2" "records on stdout"
grep -q $'\rcontacts push: 2/2 contacts' "$WORK/tty.err" || fail "no progress line: $(cat -v "$WORK/tty.err")"
grep -q 'waiting 2 s for the rate limit' "$WORK/tty.err" || fail "no rate-limit wait: $(cat -v "$WORK/tty.err")"
# Erased before the summary, which starts a clean line.
grep -q $'\r\033\\[Kcontacts push: 2 created' "$WORK/tty.err" ||
  fail "progress not erased before the summary: $(cat -v "$WORK/tty.err")"

lexsync contacts push "$WORK/plain.csv" -o json >"$WORK/plain.json" 2>"$WORK/plain.err"
assert_eq "$(jq length "$WORK/plain.json")" "1" "records without a terminal"
if grep -q $'\r' "$WORK/plain.err"; then fail "a progress line without a terminal: $(cat -v "$WORK/plain.err")"; fi
echo "ok: progress"
