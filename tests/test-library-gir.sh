#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Natter-1.gir compiles with no warning, and nothing public in it is
# unusable from Python or GJS (introspectable="0" marks what the scanner
# could not annotate). The scanner itself runs with --warn-all
# --warn-error in the build.
#
#   test-library-gir.sh Natter-1.gir

set -eu

gir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

g-ir-compiler --includedir=/usr/share/gir-1.0 "$gir" -o "$tmp/Natter-1.typelib" > "$tmp/out" 2>&1 || true
if [ -s "$tmp/out" ] || [ ! -s "$tmp/Natter-1.typelib" ]; then
  echo "g-ir-compiler:" >&2
  cat "$tmp/out" >&2
  exit 1
fi
# Function macros never are; nor are the D-Bus property accessors
# gdbus-codegen marks (skip), get_/dup_/set_X and the object's peek_X,
# since the GObject property X of the same type is their introspectable
# face (room.props.unread_count). Anything else must be.
/usr/bin/python3 - "$gir" <<'PY'
import re
import sys
import xml.etree.ElementTree as ET
bad = []
for owner in ET.parse(sys.argv[1]).iter():
    props = {p.get('name').replace('-', '_') for p in owner
             if p.tag.endswith('}property')}
    for e in owner:
        if e.get('introspectable') != '0' or e.tag.endswith('function-macro'):
            continue
        m = re.fullmatch(r'(get|dup|set|peek)_(\w+)', e.get('name') or '')
        if m and m.group(2) in props:
            continue
        bad.append(e.get('name'))
if bad:
    sys.exit(f'not introspectable: {bad}')
PY
echo "# $(grep -c -E '<(method|constructor|function) ' "$gir") functions," \
  "$(grep -c '<glib:signal ' "$gir") signals, $(grep -c '<property ' "$gir") properties," \
  "$(grep -c -E '<(class|enumeration) ' "$gir") types"
