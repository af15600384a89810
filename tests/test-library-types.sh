#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# No GType is built twice into one process: for each program, the
# *_get_type functions it defines and those of the libnatter libraries it
# loads appear once in all (natterd keeps its static copy of the generated
# D-Bus code; the window and natterctl take it, and NatterClient, from
# libnatter-1). A second copy would register its type names again, which
# GLib refuses at run time.
#
#   test-library-types.sh PROGRAM[:client]...
#     :client  the program must get NatterClient and the proxies from
#              libnatter-1.so, not from a copy of its own

set -eu

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

get_types () {
  # Every definition, local ones (hidden, static) included.
  nm --defined-only "$1" 2>/dev/null | awk '$3 ~ /^[a-z][a-z0-9_]*_get_type$/ { print $3 }' | sort -u
}

status=0
for arg in "$@"; do
  program=${arg%:client}
  name=$(basename "$program")
  get_types "$program" > "$tmp/$name.own"
  : > "$tmp/$name.libs"
  libnatter=
  for lib in $(ldd "$program" | awk '$1 ~ /^libnatter/ { print $3 }'); do
    get_types "$lib" >> "$tmp/$name.libs"
    case $lib in */libnatter-1.so*) libnatter=$lib ;; esac
  done
  twice=$(sort "$tmp/$name.own" "$tmp/$name.libs" | uniq -d)
  if [ -n "$twice" ]; then
    echo "$name: types built in twice:" $twice >&2
    status=1
  fi
  if [ "$arg" != "$program" ]; then
    if [ -z "$libnatter" ]; then
      echo "$name does not load libnatter-1" >&2
      status=1
    fi
    for type in natter_client_get_type natter_ipc_session1_get_type natter_ipc_room1_get_type; do
      if grep -qx "$type" "$tmp/$name.own"; then
        echo "$name has its own $type" >&2
        status=1
      elif ! grep -qx "$type" "$tmp/$name.libs"; then
        echo "$name gets no $type from libnatter-1" >&2
        status=1
      fi
    done
  fi
  echo "# $name: $(wc -l < "$tmp/$name.own") types of its own, $(wc -l < "$tmp/$name.libs") from ${libnatter:-no libnatter-1}"
done
exit $status
