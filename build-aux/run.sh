#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs missing dependencies, configures and builds _build/ at the
# repository root, then opens the Natter window. natterd is started first
# when it is not running (it stays up until the window closes, and logs to
# _build/natterd.log); it hosts rooms on 127.0.0.1:6667 unless the arguments
# say otherwise. Arguments are passed to natterd.
#
# Without a display, the command line takes the window's place: in a
# terminal, natterctl chat on natterd's own rooms; with no terminal at all,
# natterd in the foreground, as before.
#
#   build-aux/run.sh [NATTERD-OPTION...]
#   build-aux/run.sh --listen '*:6667' --motd-file motd.txt

set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

builddir=_build

if [[ -z ${NATTER_RUN_INSIDE_BUS:-} ]]; then
  build-aux/install-deps.sh

  # Configure: a fresh setup, a reconfigure of a half-made or outdated build
  # directory, or nothing (ninja re-runs meson itself when meson.build changes).
  if [[ ! -f $builddir/meson-private/coredata.dat ]]; then
    meson setup "$builddir"
  elif [[ ! -f $builddir/build.ninja ]]; then
    meson setup --reconfigure "$builddir" || meson setup --wipe "$builddir"
  fi

  ninja -C "$builddir"
fi

listen=(--listen 127.0.0.1:6667)
port=6667
for arg in "$@"; do
  case $arg in
    -l|-l?*|--listen|--listen=*) listen=(); port= ;;
  esac
done

natterd=("$builddir/daemon/natterd" "${listen[@]}" "$@")

# The build tree's translations (natterd, natterctl and the window).
export NATTER_LOCALEDIR=$PWD/$builddir/po

have_display=
if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]] && [[ -x $builddir/gui/natter ]]; then
  have_display=1
fi

# No display and no terminal: natterd alone, in the foreground.
if [[ -z $have_display && ! -t 0 ]]; then
  if [[ -z ${DBUS_SESSION_BUS_ADDRESS:-} && ! -S ${XDG_RUNTIME_DIR:-/nonexistent}/bus ]] &&
     command -v dbus-run-session >/dev/null 2>&1; then
    exec dbus-run-session -- bash -c '
      echo "run.sh: no session bus, so natterd has its own; in another terminal:"
      echo "  export DBUS_SESSION_BUS_ADDRESS=\"$DBUS_SESSION_BUS_ADDRESS\""
      exec "$@"' run.sh "${natterd[@]}"
  fi
  exec "${natterd[@]}"
fi

# The window and natterctl talk to natterd on the session bus: without one,
# everything runs on a bus of its own.
if [[ -z ${DBUS_SESSION_BUS_ADDRESS:-} && ! -S ${XDG_RUNTIME_DIR:-/nonexistent}/bus ]]; then
  if [[ -n ${NATTER_RUN_INSIDE_BUS:-} ]] || ! command -v dbus-run-session >/dev/null 2>&1; then
    echo "run.sh: no session bus, and dbus-run-session cannot make one" >&2
    exit 1
  fi
  NATTER_RUN_INSIDE_BUS=1 exec dbus-run-session -- "$0" "$@"
fi

natterd_running () {
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner org.natter.Daemon 2>/dev/null | grep -q true
}

natterd_pid=
stop_natterd () {
  if [[ -n $natterd_pid ]]; then
    kill -TERM "$natterd_pid" 2>/dev/null || true
    wait "$natterd_pid" 2>/dev/null || true
  fi
}

if ! natterd_running; then
  echo "run.sh: starting natterd (log: $builddir/natterd.log)"
  "${natterd[@]}" >"$builddir/natterd.log" 2>&1 &
  natterd_pid=$!
  trap stop_natterd EXIT
  for _ in $(seq 50); do
    natterd_running && break
    if ! kill -0 "$natterd_pid" 2>/dev/null; then
      echo "run.sh: natterd exited; see $builddir/natterd.log" >&2
      natterd_pid=
      exit 1
    fi
    sleep 0.2
  done
fi

if [[ -n $have_display ]]; then
  # The build tree's schema, not an installed one.
  GSETTINGS_SCHEMA_DIR="$builddir/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}" \
    "$builddir/gui/natter" || true
else
  echo "run.sh: no display, so natterctl instead of the window (Ctrl-D leaves)"
  if [[ -n $port ]]; then
    "$builddir/cli/natterctl" chat "127.0.0.1:$port" --nick "${USER:-natter}" --join '#natter' || true
  else
    "$builddir/cli/natterctl" chat || true
  fi
fi
