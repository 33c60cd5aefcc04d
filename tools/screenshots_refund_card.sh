#!/usr/bin/env bash
# Real screenshots of a card refund (the refund dialog, the printed-receipt panel) under
# Xvfb with openbox at 1366x768 (a common till screen). Needs: apt-get install xvfb openbox imagemagick. Writes
# docs/screenshots/manager/.
set -euo pipefail
cd "$(dirname "$0")/.."
display=${DISPLAY_NUMBER:-96}
Xvfb ":$display" -screen 0 1366x768x24 >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=":$display" openbox >/dev/null 2>&1 &
wm=$!
sleep 1
DISPLAY=":$display" timeout 240 .venv/bin/python tools/screenshots_refund_card.py || echo "screenshots_manager.py ended with $?"
kill "$wm" "$xvfb" 2>/dev/null || true
wait "$xvfb" 2>/dev/null || true
