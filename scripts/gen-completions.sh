#!/usr/bin/env bash
# Regenerates completions/ from the command tree of a built lexsync (default: build/default).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/default/cli/lexsync}
for shell in bash zsh fish; do
  "$bin" completion "$shell" >"completions/lexsync.$shell"
done
