#!/usr/bin/env bash
# Screenshots of KRA eTIMS in training (docs/screenshots/etims-*.png) under Xvfb + openbox at
# 1366x768. Needs: apt-get install xvfb openbox imagemagick. DISPLAY_NUMBER: another display
# than 97 if that one is taken.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${DISPLAY_NUMBER:-97}
Xvfb ":$n" -screen 0 1366x768x24 >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=":$n" openbox >/dev/null 2>&1 &
wm=$!
sleep 1
DISPLAY=":$n" timeout 240 .venv/bin/python tools/screenshots_etims.py || echo "screenshots_devices.py ended with $?"
kill "$wm" "$xvfb" 2>/dev/null || true
wait "$xvfb" 2>/dev/null || true
