#!/usr/bin/env bash
# Real screenshots of enrolling a till from the manager's tools (English and Kiswahili),
# under Xvfb with openbox at 1366x768 (a common till screen). Needs: apt-get install xvfb
# openbox imagemagick. Writes docs/screenshots/setup/.
set -euo pipefail
cd "$(dirname "$0")/.."
display=${DISPLAY_NUMBER:-98}
Xvfb ":$display" -screen 0 1366x768x24 >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=":$display" openbox >/dev/null 2>&1 &
wm=$!
sleep 1
for language in en sw; do
  DISPLAY=":$display" timeout 120 .venv/bin/python tools/screenshots_enroll.py "$language" || echo "screenshots_enroll.py $language ended with $?"
done
kill "$wm" "$xvfb" 2>/dev/null || true
wait "$xvfb" 2>/dev/null || true
