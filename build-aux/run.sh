#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs missing dependencies, configures and builds _build/ at the
# repository root, then runs natterd in the foreground (it logs to the
# terminal; Ctrl-C stops it). Arguments are passed to natterd; without a
# --listen argument it listens on 127.0.0.1:6667.
#
#   build-aux/run.sh [NATTERD-OPTION...]
#   build-aux/run.sh --listen '*:6667' --motd-file motd.txt

set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

builddir=_build

build-aux/install-deps.sh

# Configure: a fresh setup, a reconfigure of a half-made or outdated build
# directory, or nothing (ninja re-runs meson itself when meson.build changes).
if [[ ! -f $builddir/meson-private/coredata.dat ]]; then
  meson setup "$builddir"
elif [[ ! -f $builddir/build.ninja ]]; then
  meson setup --reconfigure "$builddir" || meson setup --wipe "$builddir"
fi

ninja -C "$builddir"

listen=(--listen 127.0.0.1:6667)
for arg in "$@"; do
  case $arg in
    -l|-l?*|--listen|--listen=*) listen=() ;;
  esac
done

natterd=("$builddir/daemon/natterd" "${listen[@]}" "$@")

# natterd holds client sessions on the session bus. Without one (a plain
# terminal, a container), it gets a bus of its own, and says where it is so
# gdbus and natterctl in another terminal can reach it.
if [[ -z ${DBUS_SESSION_BUS_ADDRESS:-} && ! -S ${XDG_RUNTIME_DIR:-/nonexistent}/bus ]] &&
   command -v dbus-run-session >/dev/null 2>&1; then
  exec dbus-run-session -- bash -c '
    echo "run.sh: no session bus, so natterd has its own; in another terminal:"
    echo "  export DBUS_SESSION_BUS_ADDRESS=\"$DBUS_SESSION_BUS_ADDRESS\""
    exec "$@"' run.sh "${natterd[@]}"
fi

exec "${natterd[@]}"
