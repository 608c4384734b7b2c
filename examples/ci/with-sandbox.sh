#!/usr/bin/env bash
# with-sandbox.sh COMMAND [ARG…]: runs COMMAND against a fresh lexoffice sandbox and stops the
# sandbox afterwards, whatever happens; exits with COMMAND's status. For CI systems without
# service steps, and for running the pipeline's integration test locally:
#
#   examples/ci/with-sandbox.sh examples/ci/integration-test.sh
#
# The sandbox listens on a free loopback port; `--daemon` returns once it accepts connections,
# so there is nothing to poll. LEXOFFICE_URL and LEXOFFICE_KEY are exported to COMMAND.
# SANDBOX_SEED (default: empty) chooses the seed, e.g. a file checked with
# `lexsync sandbox seed --check`.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG…]" >&2; exit 2; }
run=$(mktemp -d)
LEXOFFICE_URL=$(lexsync sandbox serve --daemon --seed "${SANDBOX_SEED:-empty}" \
                  --pid-file "$run/sandbox.pid" --log-file "$run/sandbox.log")
stop() {
  # SIGTERM: the sandbox finishes its requests, removes the pid file and exits.
  kill "$(cat "$run/sandbox.pid")" 2>/dev/null || true
  rm -rf "$run"
}
trap stop EXIT
export LEXOFFICE_URL LEXOFFICE_KEY=sandbox-api-key-lexsync-demo
"$@"
