#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs PROGRAM [ARGS...] beside a real avahi-daemon of its own, in network,
# mount (avahi-daemon's runtime directory) and PID namespaces of its own:
# lo and a dummy (or veth) interface nattertest0 (MULTICAST, 10.77.0.1/24),
# a private system bus (DBUS_SYSTEM_BUS_ADDRESS) and avahi-daemon on it,
# allowed on nattertest0 only. PROGRAM gets NATTER_TEST_NEARBY_ADDRESS, the
# address to host on, and NATTER_TEST_AVAHI_CONF, avahi-daemon's
# configuration (to restart it). Everything ends with the namespaces, even
# on failure.
#
# Needs root (CI runs the suite as root), unshare, ip, dbus-daemon and
# avahi-daemon; without them it exits 77 (skipped) and says why.
#
#   tests/nearby/run-avahi.sh PROGRAM [ARGS...]

set -u

skip () {
  echo "run-avahi: skipped: $*" >&2
  # A TAP plan that skips, for meson's tap protocol.
  echo "1..0 # SKIP $*"
  exit 77
}

if [ "${NATTER_TEST_IN_NETNS:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || skip "needs root for a network namespace of its own"
  for tool in unshare ip dbus-daemon avahi-daemon; do
    command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null 2>&1 ||
      skip "$tool is not installed (build-aux/install-deps.sh installs it)"
  done
  export PATH="$PATH:/usr/sbin:/sbin"
  # A PID namespace too: when this script (its first process) ends, the
  # kernel ends every process started in it.
  NATTER_TEST_IN_NETNS=1 exec unshare --net --mount --propagation private --pid --fork --mount-proc -- "$0" "$@"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/natter-avahi.XXXXXX") || exit 1
pids=()
cleanup () {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  # One the test restarted itself, by its pid file.
  avahi-daemon -k 2>/dev/null
  umount /run/avahi-daemon 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip link set lo up || skip "cannot bring up lo in the namespace"
# A dummy interface, or where the kernel has no dummy module a veth pair
# (its other end up, so that this one has a carrier).
if ! ip link add nattertest0 type dummy 2>/dev/null; then
  ip link add nattertest0 type veth peer name nattertest1 ||
    skip "cannot make a dummy or veth interface"
  ip link set nattertest1 up
fi
ip link set nattertest0 multicast on
ip addr add 10.77.0.1/24 dev nattertest0
ip link set nattertest0 up
# A default route: GNetworkMonitor then finds the network available.
ip route add default dev nattertest0

# avahi-daemon keeps its pid file and socket in /run/avahi-daemon: a private
# one, so a host's own avahi-daemon is neither seen nor disturbed.
mkdir -p /run/avahi-daemon
mount -t tmpfs tmpfs /run/avahi-daemon || skip "cannot mount a private /run/avahi-daemon"

cat > "$dir/system.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$dir/system.conf" --nofork --nopidfile &
pids+=($!)
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/system_bus_socket"
for _ in $(seq 100); do
  [ -S "$dir/system_bus_socket" ] && break
  sleep 0.1
done

cat > "$dir/avahi-daemon.conf" <<CONF
[server]
host-name=natter-test
use-ipv4=yes
use-ipv6=no
allow-interfaces=nattertest0
enable-dbus=yes
ratelimit-interval-usec=0
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
[reflector]
[rlimits]
CONF
avahi-daemon --no-drop-root --no-chroot --no-rlimits -f "$dir/avahi-daemon.conf" >"$dir/avahi.log" 2>&1 &
pids+=($!)

# Running: AVAHI_SERVER_RUNNING is 2.
ready=
for _ in $(seq 100); do
  if gdbus call --system --dest org.freedesktop.Avahi --object-path / \
       --method org.freedesktop.Avahi.Server.GetState 2>/dev/null | grep -q '^(2,)'; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  cat "$dir/avahi.log" >&2
  echo "run-avahi: avahi-daemon did not start" >&2
  exit 1
fi

export NATTER_TEST_NEARBY_ADDRESS=10.77.0.1
# For a test that restarts avahi-daemon: how it was started.
export NATTER_TEST_AVAHI_CONF="$dir/avahi-daemon.conf"
"$@"
