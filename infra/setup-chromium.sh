#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser test (Playwright drives it; browsers are never
# downloaded). Does nothing when /usr/bin/chromium is there already.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "[tally] the browser test needs Debian's chromium: sudo apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi
echo "[tally] installing Debian's chromium for the browser test" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends chromium >/dev/null ||
  { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
