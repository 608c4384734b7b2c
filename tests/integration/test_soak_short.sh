# The short crash-and-fault soak (the long one is scripts/soak.sh): contacts push, invoices export
# in both modes, vouchers upload and transactions export, each against a sandbox injecting server
# errors, 504s after executed writes, 429 storms, resets and truncated answers, killed with SIGKILL
# three times at random moments and run again until it exits 0; then every input item must be in
# lexoffice exactly once.
# Seeded: SOAK_SEED=N replays a run.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/soak_lib.sh"
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
printf '[profiles.default]\nrate_limit = %s\nrate_burst = 8\ntimeout = 10\n' "$SOAK_RATE" >"$XDG_CONFIG_HOME/lexsync/config.toml"

seed=${SOAK_SEED:-20260301}
faults="5xx=0.03,504-after-write=0.05,429-storm=0.01,storm-length=3,reset=0.03,truncate=0.03,slow-upload=0.05,slow-upload-ms=300,jitter=10"
soak_job contacts 16 3 "$faults" "$seed"
soak_job invoices 16 3 "$faults" $((seed + 1))
soak_job invoices_voucher 16 3 "$faults" $((seed + 2))
soak_job vouchers 12 3 "$faults" $((seed + 3))
soak_job transactions 12 3 "$faults" $((seed + 4))
cat "$SOAK_RESULTS" >&2
soak_summary || fail "the soak found duplicates, losses or unfinished jobs (seed $seed)"
