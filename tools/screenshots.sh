#!/usr/bin/env bash
# Real screenshots of the till under Xvfb with a window manager (openbox), at the screen
# sizes tills have. Needs: apt-get install xvfb openbox imagemagick (and Qt's xcb libraries,
# which `python3 dev.py start` installs). Writes docs/screenshots/ (1024x768, the smallest
# and hardest; docs/screenshots/sw/ in Kiswahili) and docs/screenshots/sizes/ (the
# login, sale screen, cash and M-Pesa dialogs at every size, in both languages).
# --sizes-only: only docs/screenshots/sizes/; --phone: only the M-Pesa dialog beside the
# training phone (the walk's 05 and sizes/mpesa-*), LANGUAGES="sw" for Kiswahili alone.
# WALKS="sw" (default "en sw"): only the Kiswahili walk, with the size shots.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
#: X display numbers used (two); set DISPLAY_BASE when another Xvfb runs on 97 or 98
base=${DISPLAY_BASE:-97}
shoot() {  # size display args...
  local size=$1 display=$2; shift 2
  Xvfb ":$display" -screen 0 "${size}x24" >/dev/null 2>&1 &
  local xvfb=$!
  sleep 1
  DISPLAY=":$display" openbox >/dev/null 2>&1 &
  local wm=$!
  sleep 1
  DISPLAY=":$display" timeout 240 "$PY" tools/screenshots.py "$@" || echo "screenshots.py $* ended with $?"
  kill "$wm" "$xvfb" 2>/dev/null || true
  wait "$xvfb" 2>/dev/null || true
}
if [ "${1:-}" = "--phone" ]; then
  # only the pictures of the M-Pesa dialog beside the training phone, in LANGUAGES (default:
  # both): the walk's 05 (docs/screenshots/, sw/) and the size shots' mpesa-* at every size
  phone=05-mpesa-waiting-and-customer-phone
  taken=()
  for language in ${LANGUAGES:-en sw}; do
    shoot 1024x768 "$base" --language "$language" --shots "$phone"
    dir=docs/screenshots
    [ "$language" = en ] || dir="docs/screenshots/$language"
    taken+=("$dir/$phone.png")
    for size in 1024x768 1366x768 1920x1080; do
      shoot "$size" "$((base + 1))" --only sale --size "$size" --language "$language" --shots mpesa
      suffix=""
      [ "$language" = en ] || suffix="-$language"
      taken+=("docs/screenshots/sizes/mpesa-$size$suffix.png")
    done
  done
  for f in "${taken[@]}"; do
    convert "$f" +dither -colors 64 "PNG8:$f.tmp" && mv "$f.tmp" "$f"
  done
  exit 0
fi
#: the walks taken (docs/screenshots/ in English, docs/screenshots/sw/): WALKS="sw" for one
walks=${WALKS:-en sw}
if [ "${1:-}" != "--sizes-only" ]; then
  for language in $walks; do
    shoot 1024x768 "$base" --language "$language"
  done
fi
for size in 1024x768 1366x768 1920x1080; do
  for language in en sw; do
    shoot "$size" "$((base + 1))" --only sale --size "$size" --language "$language"
  done
done
# 64 colours, no dithering: the screens are flat colours and antialiased text, which stay
# readable, at a third of the size (a 1920x1080 shot 160 KB -> 55 KB)
# (only what this run took: --sizes-only leaves the walk's files untouched)
taken=(docs/screenshots/sizes/*.png)
if [ "${1:-}" != "--sizes-only" ]; then
  for language in $walks; do
    if [ "$language" = en ]; then
      taken+=(docs/screenshots/0[1-8]-*.png)
    else
      taken+=("docs/screenshots/$language"/*.png)
    fi
  done
fi
for f in "${taken[@]}"; do
  convert "$f" +dither -colors 64 "PNG8:$f.tmp" && mv "$f.tmp" "$f"
done
