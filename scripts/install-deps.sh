#!/usr/bin/env bash
# Installs the Debian packages lexsync needs to build and test (`--fuzz`: and to fuzz it). Works as root or through sudo, and
# does nothing when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libcli11-dev libcurl4-openssl-dev rapidjson-dev libfmt-dev libtomlplusplus-dev doctest-dev
  libsqlite3-dev libcpp-httplib-dev libssl-dev libexpat1-dev
  curl jq ca-certificates python3 bc unzip time man-db tzdata
  nodejs npm
)

# `--fuzz`: also clang 14 and its libFuzzer runtime (libclang-rt-14-dev), for scripts/fuzz.sh.
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  # Node.js builds from other repositories (NodeSource) bring npm inside the nodejs package.
  if [ "$p" = npm ] && command -v npm >/dev/null; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    sudo="sudo"
  else
    echo "lexsync: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
