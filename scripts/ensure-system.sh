#!/usr/bin/env bash
# Installs the system packages the tests use, from Debian, when any is missing: the one place that does,
# called by `make test`, `make bench`, `make load` and .ci/run.
#   chromium        the browser tests (tests/browser), driven by Playwright
#   fonts-noto-cjk  Chinese text in Chromium: without a CJK face it draws boxes, and layout checks measure them
#   nginx           the cache in front of several workers (scripts/stack.py, tests/test_deploy.py)
#   wrk             the load generator (make load, tests/test_deploy.py)
# Needs root and apt-get for an install; without them it names what is missing and exits 1, and the tests
# that need a missing part skip, naming the package (under CI=true they fail instead).
set -euo pipefail
packages=(chromium fonts-noto-cjk nginx wrk)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "not installed, and not installable here (needs root and apt-get): ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
