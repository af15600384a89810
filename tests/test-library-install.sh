#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What a program outside the tree sees of libnatter-1: installs the build
# into a scratch directory, compiles examples/host-echo.c (hosting) and
# examples/unread.c (NatterClient) there with only
# `pkg-config --cflags --libs natter-1`, runs host-echo against a real
# client, and unread on a bus without natterd, which it must say.
#
#   test-library-install.sh BUILDDIR SRCDIR PREFIX LIBDIR INCLUDEDIR

set -eu

builddir=$1 srcdir=$2 prefix=$3 libdir=$4 includedir=$5

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest

meson install -C "$builddir" --no-rebuild --quiet --destdir "$dest" > "$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; exit 1; }

for header in natter.h natter-host.h natter-version.h natter-client.h natter-ipc-generated.h natter-ipc-export.h; do
  test -f "$dest$includedir/natter-1/$header" || { echo "not installed: $header" >&2; exit 1; }
done
test -f "$dest$libdir/pkgconfig/natter-1.pc" || { echo "natter-1.pc not installed" >&2; exit 1; }

# The .pc file names the real prefix: a copy points it into the scratch
# tree (--define-variable would move glib-2.0's too).
mkdir "$tmp/pc"
sed "s|^prefix=.*|prefix=$dest$prefix|" "$dest$libdir/pkgconfig/natter-1.pc" > "$tmp/pc/natter-1.pc"
PKG_CONFIG_PATH=$tmp/pc
export PKG_CONFIG_PATH
flags=$(pkg-config --cflags --libs natter-1)
echo "# pkg-config --cflags --libs natter-1: $flags"

${CC:-cc} -Wall -Werror -o "$tmp/host-echo" "$srcdir/examples/host-echo.c" $flags \
  -Wl,-rpath,"$dest$libdir"

# Only the installed library: the binary must not find the build tree's.
ldd "$tmp/host-echo" | grep natter
ldd "$tmp/host-echo" | grep -q "$dest$libdir/libnatter-1.so.0" ||
  { echo "host-echo does not load the installed libnatter-1.so.0" >&2; exit 1; }

/usr/bin/python3 "$srcdir/tests/test-host-echo.py" "$tmp/host-echo"

# The client face: compiles from the installed headers alone and runs
# against the installed library, on a bus of its own where natterd is not.
${CC:-cc} -Wall -Werror -o "$tmp/unread" "$srcdir/examples/unread.c" $flags \
  -Wl,-rpath,"$dest$libdir"
ldd "$tmp/unread" | grep -q "$dest$libdir/libnatter-1.so.0" ||
  { echo "unread does not load the installed libnatter-1.so.0" >&2; exit 1; }
if dbus-run-session -- "$tmp/unread" > "$tmp/unread.out" 2>&1; then
  echo "unread succeeded without natterd:" >&2; cat "$tmp/unread.out" >&2; exit 1
fi
grep -q '^Cannot reach natterd: ' "$tmp/unread.out" ||
  { echo "unread said:" >&2; cat "$tmp/unread.out" >&2; exit 1; }
echo "# unread without natterd: $(cat "$tmp/unread.out")"
