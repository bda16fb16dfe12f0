#!/usr/bin/env bash
# Installs Debian's nginx for the stack behind a cache (scripts/stack.py, tests/test_deploy.py) when it is
# missing; with --with-wrk also the load generator of `make load`. Needs root and apt for an install.
set -euo pipefail
want=()
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then want+=(nginx); fi
if [ "${1:-}" = "--with-wrk" ] && ! command -v wrk >/dev/null 2>&1; then want+=(wrk); fi
if [ ${#want[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "${want[*]} not installed and cannot be installed here (needs root and apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
echo "installed: ${want[*]}"
