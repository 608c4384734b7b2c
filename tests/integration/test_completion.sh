# The bash completion at work: a non-interactive bash sources completions/lexsync.bash and asks
# _lexsync for the words after each value-taking option of the command tree (`lexsync completion
# json`). A fixed set offers exactly its values, a file or directory option the names in the
# current directory, --profile the profiles of the config file, a free value nothing; no value
# offers a subcommand. Positional arguments the same way: the shell of `completion`, the settings
# of `config get/set/unset`, the event types of `webhooks subscribe`, input files.
source "$(dirname "$0")/lib.sh"
src="${LEXSYNC_SOURCE_DIR:?}"
tree=$(lexsync completion json)

# The scripts call `lexsync completion profiles` by the name typed, as a shell would find it.
mkdir -p "$WORK/bin"
ln -s "$LEXSYNC_BIN" "$WORK/bin/lexsync"
export PATH="$WORK/bin:$PATH"

# A config with two profiles; its key command leaves a mark if anything asks for a key.
conf="$XDG_CONFIG_HOME/lexsync/config.toml"
mkdir -p "$(dirname "$conf")"
cat >"$conf" <<TOML
default_profile = "acme"
[profiles.acme]
api_key_command = "touch '$WORK/key-asked'; echo not-a-key"
[profiles.client-b]
base_url = "http://127.0.0.1:9"
TOML
other="$WORK/other.toml"
printf '[profiles.elsewhere]\n' >"$other"

# A directory to complete file names in: one file, one directory.
mkdir -p "$WORK/files/sub"
: >"$WORK/files/a.csv"
cd "$WORK/files"

# complete WORD…: the candidates bash offers for the last WORD (the one being typed), one a line,
# sorted.
completions_for() {
  bash --norc --noprofile -c 'source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    _lexsync
    if ((${#COMPREPLY[@]})); then printf "%s\n" "${COMPREPLY[@]}"; fi' \
    _ "$src/completions/lexsync.bash" "$@" | sort
}
lines() { printf '%s\n' "$@" | sort; }

# The issue's cases, spelled out.
assert_eq "$(completions_for lexsync invoices export -o '')" "$(lines csv json ndjson table)" "-o after a command"
assert_eq "$(completions_for lexsync -o j)" "json" "-o j"
assert_eq "$(completions_for lexsync --output = nd)" "ndjson" "--output=nd"
assert_eq "$(completions_for lexsync --output = '')" "$(lines csv json ndjson table)" "--output="
assert_eq "$(completions_for lexsync --profile '')" "$(lines acme client-b)" "--profile"
assert_eq "$(completions_for lexsync --profile cl)" "client-b" "--profile cl"
assert_eq "$(completions_for lexsync --config "$other" invoices pull --profile '')" "elsewhere" \
  "--profile after --config"
assert_eq "$(LEXSYNC_CONFIG=$other completions_for lexsync --profile '')" "elsewhere" \
  "--profile with \$LEXSYNC_CONFIG"
assert_eq "$(completions_for lexsync invoices export --period last-)" \
  "$(lines last-month last-quarter last-year)" "--period"
assert_eq "$(completions_for lexsync invoices export --encoding '')" "$(lines auto utf-8 windows-1252)" \
  "--encoding"
assert_eq "$(completions_for lexsync invoices export --from '')" "" "--from takes a date"
assert_eq "$(completions_for lexsync contacts pull --out '')" "$(lines a.csv sub)" "--out FILE"
assert_eq "$(completions_for lexsync invoices pull --out '')" "sub" "--out DIR"
assert_eq "$(completions_for lexsync sandbox serve --seed '')" "$(lines a.csv demo empty sub)" \
  "--seed: built-in seeds and files"
# Names of commands and options still complete where a command or an option is expected.
assert_eq "$(completions_for lexsync invoices '')" "$(lines export pull)" "invoices verbs"
assert_contains "$(completions_for lexsync invoices export --fo)" "--format"

# Positional arguments: the shell, the settings of `config`, the event types, input files; after
# options and their values too, and only where that argument is.
assert_eq "$(completions_for lexsync completion '')" "$(lines bash fish json zsh)" "completion SHELL"
assert_eq "$(completions_for lexsync config get rate_)" "$(lines rate_burst rate_limit rate_limit_wait)" \
  "config get KEY"
assert_eq "$(completions_for lexsync --profile acme -o table config unset time)" "timeout" \
  "config unset KEY after options"
assert_eq "$(completions_for lexsync config set --output = json time)" "timeout" "config set KEY after --output="
assert_eq "$(completions_for lexsync config set base_url ti)" "" "config set VALUE is no key"
assert_eq "$(completions_for lexsync config set base_url '')" "" "config set VALUE: free text, no file names"
assert_eq "$(completions_for lexsync webhooks subscribe invoice.created --url https://x invoice.st)" \
  "invoice.status.changed" "webhooks subscribe: a further event type"
assert_eq "$(completions_for lexsync contacts push '')" "$(lines a.csv sub)" "contacts push FILE"
assert_eq "$(completions_for lexsync webhooks subscribe --u)" "--url" "an option where a positional could be"
# The settings offered are the ones `config` knows (the same list).
known=$( (lexsync config get no-such-key 2>&1 || true) | sed -n 's/.*(known: \(.*\))$/\1/p' | tr -d ' ' | tr ',' '\n' | sort)
[ -n "$known" ] || fail "config get names no known settings"
assert_eq "$(completions_for lexsync config get '')" "$known" "config keys are the known settings"

# `completion profiles` reads the file alone: no key asked for, nothing but the names.
assert_eq "$(lexsync completion profiles)" "$(lines acme client-b)" "completion profiles"
[ ! -e "$WORK/key-asked" ] || fail "completing --profile asked for an API key"
assert_eq "$(lexsync --config "$WORK/none.toml" completion profiles)" "" "no config file"
expect_exit 2 lexsync completion 2>/dev/null

# Every value-taking option of the tree, by each of its names: exactly what its kind offers.
checked=0
while IFS='|' read -r value choices path name; do
  read -ra words <<<"lexsync $path"
  case "$value" in
    choice) want=$(lines $choices) ;;
    file) want=$(lines $choices a.csv sub) ;;
    dir) want="sub" ;;
    profile) want=$(lines acme client-b) ;;
    text) want="" ;;
    *) fail "$path $name: unknown value kind '$value'" ;;
  esac
  assert_eq "$(completions_for "${words[@]}" "$name" '')" "$want" "lexsync $path $name"
  checked=$((checked + 1))
done < <(jq -r '.. | objects | select(has("path")) | (.path[1:] | join(" ")) as $p
                | .flags[] | select(.takesValue) | .names[] as $n
                | [.value, ((.choices // []) | join(" ")), $p, $n] | join("|")' <<<"$tree")
[ "$checked" -gt 50 ] || fail "only $checked value options checked"
# Every positional argument: exactly what its kind offers, the ones before it
# given as "x".
pos_checked=0
while IFS='|' read -r value choices path index; do
  read -ra words <<<"lexsync $path"
  for ((k = 0; k < index; k++)); do words+=(x); done
  case "$value" in
    choice) want=$(lines $choices) ;;
    file) want=$(lines $choices a.csv sub) ;;
    dir) want="sub" ;;
    profile) want=$(lines acme client-b) ;;
    text) want="" ;; # free text (a value, an id): nothing, not the file names of the directory
    *) fail "$path positional $index: unknown value kind '$value'" ;;
  esac
  assert_eq "$(completions_for "${words[@]}" '')" "$want" "lexsync $path, positional $index"
  pos_checked=$((pos_checked + 1))
done < <(jq -r '.. | objects | select(has("path")) | (.path[1:] | join(" ")) as $p
                | .positionals | to_entries[]
                | [.value.value, ((.value.choices // []) | join(" ")), $p, .key] | join("|")' <<<"$tree")
[ "$pos_checked" -ge 9 ] || fail "only $pos_checked positional arguments checked"
# The tree names every kind.
for kind in choice file dir profile text; do
  jq -e --arg k "$kind" '[.. | objects | select(.value? == $k)] | length > 0' <<<"$tree" \
    >/dev/null || fail "no option of kind $kind in the tree"
done
echo "ok: completion ($checked option names, $pos_checked positional arguments)"
