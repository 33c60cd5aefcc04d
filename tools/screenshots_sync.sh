#!/usr/bin/env bash
# Screenshots of the sync line and the head-office tools (training mode, its own local head
# office) under Xvfb + openbox at 1024x768. Needs: apt-get install xvfb openbox imagemagick.
set -euo pipefail
cd "$(dirname "$0")/.."
Xvfb :95 -screen 0 1024x768x24 >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=:95 openbox >/dev/null 2>&1 &
wm=$!
sleep 1
DISPLAY=:95 timeout 240 .venv/bin/python tools/screenshots_sync.py || echo "screenshots_sync.py ended with $?"
kill "$wm" "$xvfb" 2>/dev/null || true
wait "$xvfb" 2>/dev/null || true
