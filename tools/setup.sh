#!/usr/bin/env bash
# Everything a fresh machine lacks to run trailer-gui and its tests; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# System libraries Qt needs (offscreen and under Xvfb), Xvfb itself for a screenless machine.
APT_PACKAGES="xvfb xauth libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
libxcb-render-util0 libxcb-image0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libpulse0"
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
    missing=""
    for p in $APT_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        echo "installing system packages:$missing"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
    fi
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test]"
