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

exec "$builddir/daemon/natterd" "${listen[@]}" "$@"
