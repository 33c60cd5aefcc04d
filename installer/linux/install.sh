#!/bin/sh
# Install the one-folder Linux build for one user (no root): the program, a `kaunta`
# command, the menu entry and its icon.
#
#   sh installer/linux/install.sh [BUILD_FOLDER] [PREFIX]
#
# BUILD_FOLDER: what installer/build.py made (default dist/kaunta); PREFIX: default
# ~/.local. The icon is the app's own (resources/icons/kaunta.svg, shipped in the build as
# _internal/kaunta_resources/icons/kaunta.svg), installed into the hicolor theme, which is
# how the menu entry's "Icon=kaunta" finds it. Running it again replaces the program and
# keeps the shop's data and settings (they live in the user's data and config folders).
set -eu
here=$(dirname "$0")
build=${1:-dist/kaunta}
prefix=${2:-$HOME/.local}
if [ ! -x "$build/kaunta" ]; then
  echo "install.sh: no built till at $build (run: python installer/build.py)" >&2
  exit 2
fi
icon="$build/_internal/kaunta_resources/icons/kaunta.svg"
if [ ! -f "$icon" ]; then
  echo "install.sh: the build has no icon at $icon" >&2
  exit 2
fi
app="$prefix/lib/kaunta"
mkdir -p "$prefix/lib" "$prefix/bin" "$prefix/share/applications" \
  "$prefix/share/icons/hicolor/scalable/apps"
rm -rf "$app.new"
cp -a "$build" "$app.new"
rm -rf "$app"
mv "$app.new" "$app"
ln -sf "$app/kaunta" "$prefix/bin/kaunta"
cp "$icon" "$prefix/share/icons/hicolor/scalable/apps/kaunta.svg"
sed "s|^Exec=kaunta |Exec=$app/kaunta |" "$here/kaunta.desktop" \
  > "$prefix/share/applications/kaunta.desktop"
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database "$prefix/share/applications" >/dev/null 2>&1 || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t "$prefix/share/icons/hicolor" >/dev/null 2>&1 || true
fi
echo "installed $app; menu entry $prefix/share/applications/kaunta.desktop"
