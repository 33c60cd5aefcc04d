#!/usr/bin/env bash
# Real screenshots of the start-up window refusing a lost database and offering its backup,
# and of the restore, under Xvfb with openbox at 1366x768 (a common till screen). Needs: apt-get install xvfb openbox imagemagick. Writes
# docs/screenshots/backups/.
set -euo pipefail
cd "$(dirname "$0")/.."
display=${DISPLAY_NUMBER:-97}
Xvfb ":$display" -screen 0 1366x768x24 >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=":$display" openbox >/dev/null 2>&1 &
wm=$!
sleep 1
DISPLAY=":$display" timeout 120 .venv/bin/python tools/screenshots_backups.py || echo "screenshots_backups.py ended with $?"
kill "$wm" "$xvfb" 2>/dev/null || true
wait "$xvfb" 2>/dev/null || true
