#!/usr/bin/env bash
# Installs headless Chromium (the Debian package `chromium`) for the HTML report's end-to-end test
# (test/e2e/doctor-report.e2e.test.ts opens `doctor --report` output in it). Idempotent: does
# nothing when /usr/bin/chromium exists. Needs root (CI runs as root) or passwordless sudo; quiet
# (apt's output goes to .tools/logs/chromium-install.log) and bounded (10 minutes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || { echo "install-chromium: no apt-get: install Chromium so that /usr/bin/chromium exists" >&2; exit 1; }
as_root=()
if [ "$(id -u)" != "0" ]; then
  if sudo -n true >/dev/null 2>&1; then as_root=(sudo -n); else
    echo "install-chromium: /usr/bin/chromium is missing; run as root: apt-get install -y chromium" >&2
    exit 1
  fi
fi
mkdir -p "$root/.tools/logs"
log="$root/.tools/logs/chromium-install.log"
t0=$SECONDS
install() { timeout 600 "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >>"$log" 2>&1; }
# a fresh machine may have no package lists yet: update once, then retry
if ! install; then
  timeout 300 "${as_root[@]}" apt-get update -q >>"$log" 2>&1 || true
  install || { echo "install-chromium: apt-get install chromium failed (log: $log)" >&2; exit 1; }
fi
echo "install-chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1) installed in $((SECONDS - t0))s" >&2
