# The help, the man pages, the completions and the README against the real command tree
# (`lexsync completion json`), so that none of them can drift from the commands.
source "$(dirname "$0")/lib.sh"
src="${LEXSYNC_SOURCE_DIR:?}"
tree=$(lexsync completion json)

# Every command path, e.g. "contacts push", and its long flags.
paths=$(jq -r '.. | objects | select(has("path")) | .path[1:] | join(" ")' <<<"$tree")
missing=0
while IFS= read -r path; do
  # --help exits 0 and prints to stdout.
  # shellcheck disable=SC2086
  help=$(lexsync $path --help) || fail "lexsync $path --help failed"
  [ -n "$help" ] || fail "lexsync $path --help printed nothing"

  # The man page of the command, else of its parent, else lexsync(1).
  page=""
  candidate="lexsync${path:+-${path// /-}}"
  while :; do
    if [ -f "$src/man/$candidate.1" ]; then
      page="$src/man/$candidate.1"
      break
    fi
    [ "$candidate" = "lexsync" ] && break
    candidate="${candidate%-*}"
  done
  [ -n "$page" ] || fail "no man page for '$path'"
  flags=$(jq -r --arg p "$path" '.. | objects | select(has("path")) | select((.path[1:] | join(" ")) == $p)
           | .flags[].names[] | select(startswith("--"))' <<<"$tree")
  for flag in $flags; do
    if ! grep -qF -- "$flag" "$page" && ! grep -qF -- "$(sed 's/-/\\-/g' <<<"$flag")" "$page"; then
      echo "man page $(basename "$page") does not document '$path $flag'" >&2
      missing=$((missing + 1))
    fi
  done
  # Nouns are listed in lexsync(1) and the README.
  if [ -n "$path" ] && [ "${path// /}" = "$path" ]; then
    grep -qF "$path" "$src/man/lexsync.1" || fail "lexsync(1) does not list '$path'"
    grep -qF "lexsync $path" "$src/README.md" || fail "README does not mention 'lexsync $path'"
  fi
done <<<"$paths"
[ "$missing" -eq 0 ] || fail "$missing flags missing from the man pages"

# The packaged completion scripts are what the binary generates (scripts/gen-completions.sh).
for shell in bash zsh fish; do
  ext=$shell
  diff -u "$src/completions/lexsync.$ext" <(lexsync completion "$shell") >&2 ||
    fail "completions/lexsync.$ext is stale: run scripts/gen-completions.sh"
done
bash -n "$src/completions/lexsync.bash" || fail "bash completion has a syntax error"
if command -v zsh >/dev/null; then zsh -n "$src/completions/lexsync.zsh" || fail "zsh completion syntax"; fi
if command -v fish >/dev/null; then fish -n "$src/completions/lexsync.fish" || fail "fish completion syntax"; fi

# Every subcommand, flag and value of a fixed set reaches the bash completion.
for word in $(jq -r '.. | objects | select(has("path")) | (.path[-1]), (.flags[] | .names[], .choices[]?)' <<<"$tree" | sort -u); do
  [ "$word" = "lexsync" ] && continue
  grep -qF -- "$word" "$src/completions/lexsync.bash" || fail "bash completion lacks '$word'"
done

# Every man page renders without a warning of man or groff at 80 columns.
for page in "$src"/man/*.1; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "$(basename "$page") renders with warnings: $warnings"
done

# Guidance: bare lexsync, `help`, a noun without its verb show help; mistakes get "did you mean".
assert_contains "$(lexsync)" "invoices"
assert_contains "$(lexsync help invoices)" "export"
assert_contains "$(lexsync help invoices export)" "--from"
assert_contains "$(lexsync invoices)" "pull"
assert_contains "$(lexsync version)" "lexsync"
expect_exit 2 lexsync invocies 2>"$WORK/typo.err"
assert_contains "$(cat "$WORK/typo.err")" "did you mean 'invoices'"
expect_exit 2 lexsync help invocies 2>"$WORK/typo.err"
assert_contains "$(cat "$WORK/typo.err")" "did you mean 'invoices'"
expect_exit 2 lexsync invoices exprot 2>"$WORK/typo.err"
assert_contains "$(cat "$WORK/typo.err")" "did you mean 'export'"
expect_exit 2 lexsync contacts pull --no-such-flag
expect_exit 2 lexsync contacts pull --ot x.csv 2>"$WORK/typo.err"
assert_contains "$(cat "$WORK/typo.err")" "did you mean '--out'"
echo "ok: docs"
