#!/usr/bin/env bash
# Real screenshots of a live till (the LIVE marker) and the manager's Shop details screen
# under Xvfb with openbox at 1024x768 (the smallest till screen Kaunta supports), on a
# display of its own (xvfb-run -a). Needs: apt-get install xvfb openbox imagemagick.
# Writes docs/screenshots/live-*.png and docs/screenshots/manager/16-*.png to 20b-*.png
# (and the same with -sw in Kiswahili).
set -euo pipefail
cd "$(dirname "$0")/.."
# Arguments go to the Kiswahili run (e.g. --extra-translations /tmp/i18n/shop14.json for
# texts not merged into kaunta_sw.ts yet).
for language in en sw; do
  extra=()
  if [ "$language" = sw ]; then extra=("$@"); fi
  xvfb-run -a -s "-screen 0 1024x768x24 -nolisten tcp" bash -c '
    openbox >/dev/null 2>&1 &
    wm=$!
    sleep 1
    timeout 120 .venv/bin/python tools/screenshots_shop_details.py "$@" \
      || echo "screenshots_shop_details.py ended with $?"
    kill "$wm" 2>/dev/null || true
  ' shots --language "$language" "${extra[@]}"
done
