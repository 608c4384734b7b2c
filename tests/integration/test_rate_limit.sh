# The rate limit is the speed limit: two lexsync processes on one key share one token bucket and
# meet no 429 from a sandbox that enforces lexoffice's limit; a stricter server's 429s are retried
# and never reach the user.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed empty
export LEXSYNC_API_KEY="$SANDBOX_KEY"

gen() { # gen PREFIX N: a contacts CSV with N companies
  echo "ref,role,company_name"
  for i in $(seq "$2"); do echo "$1-$i,customer,$1 Firma $i GmbH"; done
}
gen a 8 >"$WORK/a.csv"
gen b 8 >"$WORK/b.csv"

start=$(date +%s.%N)
"$LEXSYNC_BIN" -v contacts push "$WORK/a.csv" -o json >"$WORK/a.json" 2>"$WORK/a.log" &
pa=$!
"$LEXSYNC_BIN" -v contacts push "$WORK/b.csv" -o json >"$WORK/b.json" 2>"$WORK/b.log" &
pb=$!
wait "$pa" || fail "first push failed: $(tail -3 "$WORK/a.log")"
wait "$pb" || fail "second push failed: $(tail -3 "$WORK/b.log")"
end=$(date +%s.%N)

requests=$(cat "$WORK/a.log" "$WORK/b.log" | grep -c '→ ')
throttled=$(cat "$WORK/a.log" "$WORK/b.log" | grep -c '← 429' || true)
assert_eq "$throttled" "0" "429 answers with a shared limiter"
assert_eq "$(lexsync contacts pull -o json | jq length)" "16" "contacts created"
# 18 requests at 2/s with a burst of 2 take at least (18 - 2) / 2 = 8 seconds: the limit holds.
awk -v s="$start" -v e="$end" -v n="$requests" 'BEGIN { exit !((e - s) >= (n - 2) / 2 - 0.5) }' ||
  fail "$requests requests took $(awk -v s="$start" -v e="$end" 'BEGIN{print e-s}')s: faster than the limit"
echo "requests: $requests, seconds: $(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.1f", e-s}')" >&2

# A server stricter than the profile (1/s, no burst) answers 429s; lexsync retries them.
start_sandbox --seed empty --rate-limit 1 --burst 1
gen c 6 >"$WORK/c.csv"
lexsync -v contacts push "$WORK/c.csv" -o json >"$WORK/c.json" 2>"$WORK/c.log" ||
  fail "push against a strict server failed: $(tail -3 "$WORK/c.log")"
grep -q '← 429' "$WORK/c.log" || fail "expected the strict server to answer 429 at least once"
assert_eq "$(jq '[.[] | select(.action=="created")] | length' "$WORK/c.json")" "6" "created despite 429s"
assert_eq "$(lexsync contacts pull -o json | jq length)" "6" "no duplicates from retried 429s"
echo "ok: rate limit"
