#!/usr/bin/env bash
# Screenshots of the set-up wizard in English and Kiswahili under Xvfb and openbox (see
# tools/wizard_screenshots.py; arguments are passed on to it, e.g. --only 09,10,11
# --extra-translations /tmp/i18n/wizard.json). Needs: apt-get install xvfb openbox imagemagick.
# Each language gets a display of its own that nobody else uses (the first free one from
# 140 up), so a screenshot never shows another program's windows.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
free_display() {
  local n=140
  while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
  echo "$n"
}
for language in en sw; do
  display=$(free_display)
  Xvfb ":$display" -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  sleep 1
  if ! kill -0 "$xvfb" 2>/dev/null; then
    echo "Xvfb did not start on :$display" >&2
    exit 1
  fi
  DISPLAY=":$display" openbox >/dev/null 2>&1 &
  wm=$!
  sleep 1
  DISPLAY=":$display" timeout 120 "$PY" tools/wizard_screenshots.py --language "$language" "$@" \
    || echo "wizard_screenshots.py --language $language ended with $?"
  kill "$wm" "$xvfb" 2>/dev/null || true
  wait "$xvfb" 2>/dev/null || true
done
