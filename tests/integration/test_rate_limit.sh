# The rate limit is the speed limit: two lexsync processes of two profiles with their own state
# directories on one key share one token bucket and meet no 429 from a sandbox that enforces
# lexoffice's limit; a stricter server's 429s, and a 429 storm longer than the retry attempts, are
# waited out and never reach the user; a limiter file with a slot years ahead does not stall a run.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed empty
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
cat >"$XDG_CONFIG_HOME/lexsync/config.toml" <<TOML
[profiles.shop]
state_dir = "$WORK/state-shop"

[profiles.books]
state_dir = "$WORK/state-books"
TOML

gen() { # gen PREFIX N: a contacts CSV with N companies
  echo "ref,role,company_name"
  for i in $(seq "$2"); do echo "$1-$i,customer,$1 Firma $i GmbH"; done
}
gen a 8 >"$WORK/a.csv"
gen b 8 >"$WORK/b.csv"

start=$(date +%s.%N)
"$LEXSYNC_BIN" --profile shop -v contacts push "$WORK/a.csv" -o json >"$WORK/a.json" 2>"$WORK/a.log" &
pa=$!
"$LEXSYNC_BIN" --profile books -v contacts push "$WORK/b.csv" -o json >"$WORK/b.json" 2>"$WORK/b.log" &
pb=$!
wait "$pa" || fail "first push failed: $(tail -3 "$WORK/a.log")"
wait "$pb" || fail "second push failed: $(tail -3 "$WORK/b.log")"
end=$(date +%s.%N)

requests=$(cat "$WORK/a.log" "$WORK/b.log" | grep -c '→ ')
throttled=$(cat "$WORK/a.log" "$WORK/b.log" | grep -c '← 429' || true)
assert_eq "$throttled" "0" "429 answers with a limiter shared by two profiles"
assert_eq "$(lexsync --profile shop contacts pull -o json | jq length)" "16" "contacts created"
# The shared budget is the user's, not a profile's: nothing of it in the state directories.
limiters=$(find "$XDG_STATE_HOME/lexsync/.ratelimit" -type f -name 'ratelimit-*' | wc -l)
[ "$limiters" -ge 1 ] || fail "no shared limiter file"
[ -z "$(find "$WORK/state-shop" "$WORK/state-books" -name 'ratelimit-*' 2>/dev/null)" ] ||
  fail "a limiter file in a profile's state directory"
assert_eq "$(stat -c %a "$XDG_STATE_HOME/lexsync/.ratelimit")" "700" "limiter directory mode"
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

# A limiter file holding a slot 30 years ahead (one absurd Retry-After in an older version, or a
# damaged file) counts as no debt: the run goes at once, not in 30 years.
far=$(( ($(date +%s) + 30 * 365 * 86400) * 1000000 ))
for f in "$XDG_STATE_HOME"/lexsync/.ratelimit/ratelimit-*; do echo "$far" >"$f"; done
timeout 60 "$LEXSYNC_BIN" contacts pull -o json >"$WORK/pulled.json" ||
  fail "a poisoned limiter file stalled the run"
assert_eq "$(jq length "$WORK/pulled.json")" "6" "pull after a poisoned limiter file"

# A 429 storm of 7 answers in a row on one request, more than the 6 attempts a request gets for
# other failures: waited out, one run, exit 0, every contact once (the seed fixes the storm).
start_sandbox --seed empty --faults 429-storm=0.05,storm-length=7 --fault-seed 1
gen d 10 >"$WORK/d.csv"
lexsync -v contacts push "$WORK/d.csv" -o json >"$WORK/d.json" 2>"$WORK/d.log" ||
  fail "push through a 429 storm failed: $(tail -3 "$WORK/d.log")"
[ "$(grep -c '← 429' "$WORK/d.log")" -ge 7 ] || fail "expected a storm of at least 7 answers 429"
assert_eq "$(jq '[.[] | select(.action=="created")] | length' "$WORK/d.json")" "10" "created through the storm"
assert_eq "$(lexsync contacts pull -o json | jq length)" "10" "no duplicates from a storm"
echo "ok: rate limit"
