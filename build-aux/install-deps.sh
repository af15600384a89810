#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the Debian 12 packages that Natter's build and test suite need,
# only those not installed yet. Safe to run with no terminal (CI runs it as
# root with no stdin). Extra package names given as arguments are installed
# too.
#
#   build-aux/install-deps.sh [EXTRA-PACKAGE...]

set -euo pipefail

# Every package the build and the tests need. Extend this list when a
# component needs more (the GTK app will add libgtk-4-dev, libadwaita-1-dev
# and xvfb, for example).
NATTER_DEPS=(
  meson
  ninja-build
  pkg-config
  gcc
  libglib2.0-dev
  libglib2.0-bin
  gettext
  glib-networking
  libsqlite3-dev
  libcrypt-dev
  # GnuTLS: TLS hosting's self-signed certificate, SCRAM-SHA-256 and client
  # certificates of client sessions.
  libgnutls28-dev
  python3-irc
  netcat-openbsd
  ngircd
  # A second real IRC server for the sessions' interop tests: STS over TLS.
  inspircd
  valgrind
  dbus
  dbus-daemon
  openssl
  # natterctl: its line editor, its JSON, where bash completions go, and
  # groff to check its man pages.
  libreadline-dev
  libjson-glib-dev
  bash-completion
  groff-base
  # The window: GTK 4 and libadwaita, an X server for its tests (xvfb-run,
  # xauth), a notification service for them (python3-dbusmock, run with
  # /usr/bin/python3), validators for its desktop file and metainfo, and the
  # fonts and icons its screenshots show.
  libgtk-4-dev
  libadwaita-1-dev
  xvfb
  xauth
  python3-dbusmock
  desktop-file-utils
  appstream
  librsvg2-common
  adwaita-icon-theme
  fonts-cantarell
  # Saved networks' passwords: libsecret, and for its tests a real keyring
  # (gnome-keyring) and secret-tool to read it.
  libsecret-1-dev
  gnome-keyring
  libsecret-tools
  # The fuzzing harnesses (tests/fuzz, built in _build-fuzz/): clang and
  # its libFuzzer and sanitizer runtimes.
  clang
  libclang-rt-14-dev
  # WebSocket listeners (libsoup 3's server; its client in the tests) and a
  # WebSocket client nobody here wrote for the interop test.
  libsoup-3.0-dev
  python3-websockets
  # The hosted server's SCRAM-SHA-256 (GnuTLS), and GNU SASL's command-line
  # client that logs in with it in tests/test-server-scram.c.
  libgnutls28-dev
  gsasl
  # libnatter-1 (lib/): its introspection data, the API reference
  # (-Ddocs=true), and the Python and GJS that run the examples.
  gobject-introspection
  libgirepository1.0-dev
  gi-docgen
  gjs
  python3-gi
  # certtool, for the test CA of the STS test (tests/interop/pyws_tls.py).
  gnutls-bin
  # WeeChat, a real IRC client over TLS (tests/interop/weechat_tls.py,
  # test-private-room).
  weechat-headless
  # Hosts nearby (issue 18): Avahi's client and GLib adapter, and for the
  # tests a real avahi-daemon (it installs without starting), avahi-publish
  # for a hostile announcer, and ip/unshare for the tests' own network.
  libavahi-client-dev
  libavahi-glib-dev
  avahi-daemon
  avahi-utils
  iproute2
  util-linux
)

die () {
  echo "install-deps: error: $*" >&2
  exit 1
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  die "dpkg-query/apt-get not found: this script supports Debian 12 (and derivatives) only;" \
      "install the equivalent of: ${NATTER_DEPS[*]}"
fi

wanted=("${NATTER_DEPS[@]}" "$@")
missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#wanted[@]} required packages are installed"
  exit 0
fi

# Root runs apt-get directly; anyone else needs sudo (non-interactive when
# there is no terminal to ask for a password on).
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    die "not root and sudo is not installed; as root run: apt-get install ${missing[*]}"
  fi
  if [[ -t 0 ]]; then
    as_root=(sudo)
  else
    as_root=(sudo -n)
  fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -y -o DPkg::Lock::Timeout=300
          -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_opts[@]}" update </dev/null \
  || die "'apt-get update' failed (exit $?)"

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}" </dev/null \
  || die "'apt-get install ${missing[*]}' failed (exit $?)"

still_missing=()
for pkg in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || still_missing+=("$pkg")
done
if [[ ${#still_missing[@]} -ne 0 ]]; then
  die "still not installed after apt-get: ${still_missing[*]}"
fi

echo "install-deps: installed: ${missing[*]}"
