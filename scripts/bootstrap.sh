#!/usr/bin/env bash
# Sets up a fresh machine for Signet: the system tools the tests and benchmarks use (from Debian),
# pnpm, and the workspace's dependencies. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.8
# gpg: cross-checks signatures; zip/unzip: the benchmark baseline and zip fixtures; golang-go: the Action's
# Go build path (standard library only); chromium: the desktop renderer's end-to-end tests (playwright-core drives it);
# postgresql: the PostgreSQL store's tests start their own server (initdb/pg_ctl); nginx: the static export's tests.
APT_PACKAGES=(gnupg zip unzip golang-go chromium postgresql nginx)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: please install: ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "bootstrap: installing pnpm $PNPM_VERSION" >&2
  npm install --global --silent "pnpm@$PNPM_VERSION" >/dev/null 2>&1
fi

pnpm install --frozen-lockfile --reporter=silent
command -v terraform >/dev/null || echo "bootstrap: WARNING: terraform is not on the PATH; the terraform end-to-end tests will be skipped (they say so)." >&2
