# Runs the CI examples as their CI systems would, with lexsync on PATH (the package installation
# steps are skipped): with-sandbox.sh around the integration test, the `run:` steps of
# github-actions.yml one shell per step with $GITHUB_ENV carried between steps, and the shell
# lines of gitlab-ci.yml (before_script + script in one shell, after_script in another). Each
# must pass and leave no sandbox running.
set -euo pipefail
source "$LEXSYNC_SOURCE_DIR/tests/integration/lib.sh"
export PATH="$(dirname "$LEXSYNC_BIN"):$PATH"
ci="$LEXSYNC_SOURCE_DIR/examples/ci"

# waits (bounded) until process $1 has ended; fails when it is still there.
assert_gone() {
  timeout 30 tail --pid="$1" -f /dev/null || fail "sandbox $1 still running after the pipeline"
}
# The sandbox started by a pipeline, found by its pid file ($1), ended once the pipeline is done.
pid_of() { [ -s "$1" ] || fail "no pid file $1"; cat "$1"; }

# 1. with-sandbox.sh.
out=$(bash "$ci/with-sandbox.sh" bash "$ci/integration-test.sh")
assert_contains "$out" "integration test passed"
set +e
bash "$ci/with-sandbox.sh" bash -c 'echo "$LEXOFFICE_URL" >"$0"; exit 3' "$WORK/url1"
status=$?
set -e
assert_eq "$status" 3 "with-sandbox.sh passes the command's exit status on"
url=$(cat "$WORK/url1")
[[ "$url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "with-sandbox.sh exported '$url'"
curl -s -o /dev/null --max-time 5 "$url/_sandbox/health" &&
  fail "the sandbox of with-sandbox.sh still answers after the command"

# 2. GitHub Actions: each `run:` step of the workflow in its own shell, as the runner does.
gh="$WORK/github"
mkdir -p "$gh/workspace" "$gh/steps" "$gh/temp"
ln -s "$LEXSYNC_SOURCE_DIR/examples" "$gh/workspace/examples"
: >"$gh/env"
awk -v dir="$gh/steps" '
  /^ *- (name|uses):/ { step++; skip = ($0 ~ /name: Install/) }
  block && match($0, /^ */) && RLENGTH <= indent && $0 !~ /^ *$/ { block = 0 }
  block { sub("^ {" indent + 2 "}", ""); print >> (dir "/" step ".sh"); next }
  /^ *run: \|/ { if (!skip) { block = 1; match($0, /^ */); indent = RLENGTH } ; next }
  /^ *run: / { if (!skip) { line = $0; sub(/^ *run: /, "", line); print line >> (dir "/" step ".sh") } }
' "$ci/github-actions.yml"
steps=$(ls "$gh/steps" | sort -n)
assert_eq "$(wc -w <<<"$steps")" 3 "run steps in github-actions.yml (start, test, stop)"
for step in $steps; do
  (
    cd "$gh/workspace"
    export RUNNER_TEMP="$gh/temp" GITHUB_ENV="$gh/env"
    set -a; source "$gh/env"; set +a
    bash -e "$gh/steps/$step" >"$gh/steps/$step.out" 2>&1
  ) || fail "github-actions.yml step $step failed: $(cat "$gh/steps/$step.out")"
  [ "$step" = "$(head -n1 <<<"$steps")" ] && gh_pid=$(pid_of "$gh/temp/sandbox.pid")
done
assert_contains "$(cat "$gh/steps/"*.out)" "integration test passed"
assert_contains "$(cat "$gh/env")" "LEXOFFICE_URL=http://127.0.0.1:"
assert_gone "$gh_pid"
rm -rf "$gh" # the extracted steps hold the sandbox's (public) demo key, which lib.sh scans for

# 3. GitLab CI: before_script + script in one shell, after_script in another.
gl="$WORK/gitlab"
mkdir -p "$gl"
ln -s "$LEXSYNC_SOURCE_DIR/examples" "$gl/examples"
awk -v dir="$gl" '
  /^  (before_script|script):/ { out = dir "/main.sh"; next }
  /^  after_script:/ { out = dir "/after.sh"; next }
  /^  [a-z_]+:/ { out = "" }
  out && /^    - / && !/apt-get/ { line = $0; sub(/^    - /, "", line); print line >> out }
' "$ci/gitlab-ci.yml"
assert_eq "$(wc -l <"$gl/main.sh")" 3 "shell lines of before_script and script (install skipped)"
(cd "$gl" && bash -e main.sh >"$gl/main.out" 2>&1) || fail "gitlab-ci.yml script failed: $(cat "$gl/main.out")"
assert_contains "$(cat "$gl/main.out")" "integration test passed"
gl_pid=$(pid_of "$gl/sandbox.pid")
(cd "$gl" && bash -e after.sh >"$gl/after.out" 2>&1) || fail "gitlab-ci.yml after_script failed: $(cat "$gl/after.out")"
assert_gone "$gl_pid"
[ ! -e "$gl/sandbox.pid" ] || fail "the sandbox left its pid file behind"
rm -rf "$gl"
echo "ok: ci examples (with-sandbox.sh, GitHub Actions, GitLab CI)"
