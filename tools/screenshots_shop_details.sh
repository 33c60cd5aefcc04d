#!/usr/bin/env bash
# Real screenshots of a live till (the LIVE marker) and the manager's Shop details screen
# under Xvfb with openbox at 1024x768 (the smallest till screen Kaunta supports), on a
# display of its own (xvfb-run -a). Needs: apt-get install xvfb openbox imagemagick.
# Writes docs/screenshots/live-*.png and docs/screenshots/manager/16-*.png to 20-*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
xvfb-run -a -s "-screen 0 1024x768x24 -nolisten tcp" bash -c '
  openbox >/dev/null 2>&1 &
  wm=$!
  sleep 1
  timeout 120 .venv/bin/python tools/screenshots_shop_details.py \
    || echo "screenshots_shop_details.py ended with $?"
  kill "$wm" 2>/dev/null || true
'
