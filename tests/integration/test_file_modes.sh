# Files lexsync writes respect the user: new output files follow the umask, a rewritten input
# (--write-back) keeps its mode, the state directory is 0700 whatever the umask, and a config.toml
# that others can change is not trusted to name a command (as ssh does); doctor says why.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed demo --no-rate-limit
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mode() { stat -c '%a' "$1"; }

# --- Output files follow the umask -------------------------------------------------------------
(umask 077 && lexsync contacts pull -o csv --out "$WORK/private.csv")
assert_eq "$(mode "$WORK/private.csv")" 600 "output under umask 077"
(umask 022 && lexsync contacts pull -o csv --out "$WORK/shared.csv")
assert_eq "$(mode "$WORK/shared.csv")" 644 "output under umask 022"
# …and a file written again keeps the mode it has.
chmod 640 "$WORK/shared.csv"
(umask 022 && lexsync contacts pull -o csv --out "$WORK/shared.csv")
assert_eq "$(mode "$WORK/shared.csv")" 640 "output written again"

# --- --write-back keeps the input's mode ---------------------------------------------------------
printf 'ref,role,company_name\nr1,customer,Modus GmbH\n' >"$WORK/input.csv"
chmod 600 "$WORK/input.csv"
(umask 022 && lexsync contacts push "$WORK/input.csv" --write-back >/dev/null 2>&1)
grep -q 'Modus GmbH' "$WORK/input.csv" || fail "the input was not written back"
[ "$(head -n1 "$WORK/input.csv")" != "ref,role,company_name" ] || fail "no ids were written back"
assert_eq "$(mode "$WORK/input.csv")" 600 "--write-back"

# --- The state directory is 0700 whatever the umask ------------------------------------------------
# contacts push opens the ledger (contacts pull does not need one).
export LEXSYNC_STATE_DIR="$WORK/umask0/state/lexsync"
(umask 000 && lexsync contacts push "$WORK/input.csv" -o json >/dev/null 2>&1)
assert_eq "$(mode "$LEXSYNC_STATE_DIR")" 700 "state directory under umask 000"
unset LEXSYNC_STATE_DIR

# --- A config others can write may not name a command ---------------------------------------------
cfg="$WORK/cfg/config.toml"
mkdir -p "$WORK/cfg"
chmod 700 "$WORK/cfg"
printf '[profiles.default]\napi_key_command = "touch %s/ran"\n' "$WORK" >"$cfg"
chmod 666 "$cfg"
unset LEXSYNC_API_KEY
expect_exit 3 lexsync --config "$cfg" contacts pull -o json >/dev/null 2>"$WORK/cfg.err"
assert_contains "$(cat "$WORK/cfg.err")" "writable by others (mode 0666)"
[ ! -e "$WORK/ran" ] || fail "the command of a world-writable config ran"
set +e
doctor=$(lexsync --config "$cfg" doctor -o json 2>/dev/null)
set -e
[ ! -e "$WORK/ran" ] || fail "doctor ran the command of a world-writable config"
assert_contains "$doctor" "writable by others"
echo ok
