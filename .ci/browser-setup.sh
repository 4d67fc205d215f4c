#!/usr/bin/env bash
# Installs headless Chromium and its chromedriver for the browser tests (server/src/test/java/io/parley/server/browser).
# Idempotent and non-interactive: does nothing when both are already there. Debian 12 (bookworm) packages.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ ${#need[@]} -eq 0 ]; then
  echo "browser-setup: chromium and chromedriver already installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo -n)
fi
"${sudo[@]}" apt-get update -qq </dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null
/usr/bin/chromium --version </dev/null
