#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs missing dependencies, configures and builds _build/ at the
# repository root, then opens the Natter window. natterd is started first
# when it is not running (logging to _build/natterd.log); it hosts rooms on
# 127.0.0.1:6667 unless the arguments say otherwise. Arguments are passed to
# natterd. natterd is a background service: it keeps running when the window
# or the chat ends, and `natterctl shutdown` stops it.
#
# Without a display, the command line takes the window's place: in a
# terminal, natterctl chat on natterd's own rooms; with no terminal at all,
# natterd in the foreground, as before.
#
# Without a session bus, run.sh starts one that outlives it (natterd is on
# it), prints its address, and gives it an activation file for the built
# natterd, so the window's "Start natterd" and natterctl can start it again.
# The next run.sh finds that bus again.
#
# NATTER_RUN_BUILDDIR=DIR runs the tree already built in DIR as it is: no
# install-deps.sh, no build (the tests use it).
#
#   build-aux/run.sh [NATTERD-OPTION...]
#   build-aux/run.sh --listen '*:6667' --motd-file motd.txt

set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

if [[ -n ${NATTER_RUN_BUILDDIR:-} ]]; then
  builddir=$NATTER_RUN_BUILDDIR
else
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
fi
builddir=$(cd "$builddir" && pwd)

listen=(--listen 127.0.0.1:6667)
for arg in "$@"; do
  case $arg in
    -l|-l?*|--listen|--listen=*) listen=() ;;
  esac
done

natterd=("$builddir/daemon/natterd" "${listen[@]}" "$@")
natterctl=$builddir/cli/natterctl
natterd_log=$builddir/natterd.log

# The build tree's translations (natterd, natterctl and the window).
export NATTER_LOCALEDIR=$builddir/po

have_display=
if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]] && [[ -x $builddir/gui/natter ]]; then
  have_display=1
fi

have_session_bus () {
  [[ -n ${DBUS_SESSION_BUS_ADDRESS:-} || -S ${XDG_RUNTIME_DIR:-/nonexistent}/bus ]]
}

# No display and no terminal: natterd alone, in the foreground.
if [[ -z $have_display && ! -t 0 ]]; then
  if ! have_session_bus && command -v dbus-run-session >/dev/null 2>&1; then
    exec dbus-run-session -- bash -c '
      echo "run.sh: no session bus, so natterd has its own; in another terminal:"
      echo "  export DBUS_SESSION_BUS_ADDRESS=\"$DBUS_SESSION_BUS_ADDRESS\""
      exec "$@"' run.sh "${natterd[@]}"
  fi
  exec "${natterd[@]}"
fi

# Where run.sh keeps its bus and the activation file for it.
if [[ -n ${XDG_RUNTIME_DIR:-} && -d $XDG_RUNTIME_DIR && -w $XDG_RUNTIME_DIR ]]; then
  run_dir=$XDG_RUNTIME_DIR/natter-run
else
  run_dir=$builddir/run
fi

# natterd as run.sh starts it, logging to natterd.log: run by run.sh itself
# and by D-Bus activation on run.sh's bus.
write_launcher () {
  mkdir -p "$run_dir/services"
  {
    echo '#!/bin/bash'
    echo '# Written by build-aux/run.sh: natterd as run.sh starts it.'
    printf 'export NATTER_LOCALEDIR=%q\n' "$NATTER_LOCALEDIR"
    printf 'exec'
    printf ' %q' "${natterd[@]}"
    printf ' </dev/null >>%q 2>&1\n' "$natterd_log"
  } >"$run_dir/natterd"
  chmod +x "$run_dir/natterd"
  # D-Bus reads Exec as a shell would, quotes included.
  printf '[D-BUS Service]\nName=org.natter.Daemon\nExec='\''%s'\''\n' "$run_dir/natterd" \
    >"$run_dir/services/org.natter.Daemon.service"
}

bus_answers () {
  DBUS_SESSION_BUS_ADDRESS=$1 timeout 5 gdbus call --session --dest org.freedesktop.DBus \
    --object-path /org/freedesktop/DBus --method org.freedesktop.DBus.GetId >/dev/null 2>&1
}

xml_escape () {
  local text=${1//&/&amp;}
  text=${text//</&lt;}
  printf '%s' "${text//>/&gt;}"
}

# A session bus of run.sh's own, for when there is none: one that outlives
# run.sh (dbus-run-session would end it, and natterd with it, with the
# window or the chat), with the built natterd as an activatable service.
# Sets bus_pid, and bus_started when it is new.
bus_pid=
bus_started=
start_own_bus () {
  local address= pid= build= info

  if [[ -f $run_dir/bus ]]; then
    { read -r address; read -r pid; read -r build; } <"$run_dir/bus" || true
    if [[ $build == "$builddir" && -n $pid ]] && kill -0 "$pid" 2>/dev/null && bus_answers "$address"; then
      bus_pid=$pid
      export DBUS_SESSION_BUS_ADDRESS=$address
      return
    fi
  fi

  if ! command -v dbus-daemon >/dev/null 2>&1; then
    echo "run.sh: no session bus, and no dbus-daemon to start one" >&2
    exit 1
  fi
  cat >"$run_dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- Written by build-aux/run.sh: a session bus with the built natterd. -->
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$(xml_escape "$run_dir/services")</servicedir>
  <standard_session_servicedirs/>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
  # --fork: its own session, so neither run.sh's end nor the terminal's ends it.
  info=$(dbus-daemon --config-file="$run_dir/bus.conf" --fork --print-address=1 --print-pid=1)
  address=$(sed -n 1p <<<"$info")
  bus_pid=$(sed -n 2p <<<"$info")
  printf '%s\n%s\n%s\n' "$address" "$bus_pid" "$builddir" >"$run_dir/bus"
  bus_started=1
  export DBUS_SESSION_BUS_ADDRESS=$address
}

print_bus_address () {
  echo "run.sh: natterd is on run.sh's own session bus (there was none); in another terminal:"
  echo "  export DBUS_SESSION_BUS_ADDRESS=\"$DBUS_SESSION_BUS_ADDRESS\""
}

mkdir -p "$run_dir"
write_launcher
if ! have_session_bus; then
  start_own_bus
  print_bus_address
elif [[ -f $run_dir/bus && $(sed -n 1p "$run_dir/bus") == "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
  # Its address, exported from an earlier run.sh.
  bus_pid=$(sed -n 2p "$run_dir/bus")
fi

natterd_running () {
  [[ $(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
         --method org.freedesktop.DBus.NameHasOwner org.natter.Daemon 2>/dev/null) == *true* ]]
}

# natterd could not start: what run.sh started for it goes too.
give_up () {
  echo "run.sh: $1; see $natterd_log" >&2
  if [[ -n $bus_started ]]; then
    kill "$bus_pid" 2>/dev/null || true
    rm -f "$run_dir/bus"
  fi
  exit 1
}

if ! natterd_running; then
  echo "run.sh: starting natterd (log: $natterd_log)"
  : >"$natterd_log"
  # Its own session: Ctrl-C in the chat and a closed terminal are not for it.
  setsid "$run_dir/natterd" &
  natterd_pid=$!
  for _ in $(seq 100); do
    natterd_running && break
    kill -0 "$natterd_pid" 2>/dev/null || give_up "natterd exited"
    sleep 0.1
  done
  if ! natterd_running; then
    # Not on the bus, so natterctl shutdown cannot reach it.
    kill -TERM "$natterd_pid" 2>/dev/null || true
    give_up "natterd did not appear on the session bus"
  fi
fi

# The chat goes to the first address natterd hosts on, as seen from here.
hosting_address () {
  local address
  address=$(gdbus call --session --dest org.natter.Daemon --object-path /org/natter/Daemon \
    --method org.freedesktop.DBus.Properties.Get org.natter.Daemon1 HostingAddresses 2>/dev/null |
    sed -n "s/^(<\['\([^']*\)'.*/\1/p") || true
  case $address in
    '*:'*|0.0.0.0:*) address=127.0.0.1:${address##*:} ;;
    '[::]:'*) address=[::1]:${address##*:} ;;
  esac
  printf '%s' "$address"
}

# The front end may end by Ctrl-C: run.sh still says what stays behind.
trap : INT
if [[ -n $have_display ]]; then
  # The build tree's schema, not an installed one.
  GSETTINGS_SCHEMA_DIR="$builddir/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}" \
    "$builddir/gui/natter" || true
else
  echo "run.sh: no display, so natterctl instead of the window (Ctrl-D leaves; natterd stays)"
  address=$(hosting_address)
  if [[ -n $address ]]; then
    "$natterctl" chat "$address" --nick "${USER:-natter}" --join '#natter' || true
  else
    "$natterctl" chat || true
  fi
fi
trap - INT

if natterd_running; then
  echo "run.sh: natterd keeps running, with its sessions and hosted rooms."
  if [[ -n $bus_pid ]]; then
    print_bus_address
  fi
  echo "run.sh: stop it with: $natterctl shutdown"
  if [[ -n $bus_pid ]]; then
    echo "run.sh: and then its bus with: kill $bus_pid"
  fi
fi
