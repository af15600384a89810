#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# libnatter-1 exports exactly what its public headers declare with
# NATTER_AVAILABLE_IN_ALL: nothing of libnatterd, nothing private.
#
#   test-library-symbols.sh LIBNATTER.so HEADER...

set -eu

lib=$1
shift

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every defined dynamic symbol, ignoring the linker's own markers.
nm -D --defined-only "$lib" | awk '{ print $3 }' |
  grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' | sort -u > "$tmp/exported"

# The name declared after each NATTER_AVAILABLE_IN_ALL: a function's, or
# TYPE_get_type for a G_DECLARE_*_TYPE.
cat "$@" | awk '
  /NATTER_AVAILABLE_IN_ALL/ && !/#define/ { want = 1; next }
  want && /G_DECLARE_[A-Z]+_TYPE/ {
    sub(/.*G_DECLARE_[A-Z]+_TYPE *\( *[A-Za-z]+, */, ""); sub(/,.*/, "")
    print $0 "_get_type"; want = 0; next
  }
  want {
    for (i = 1; i <= NF; i++)
      if ($i ~ /^\**[a-z][a-z0-9_]*$/ && (i == NF || $(i + 1) ~ /^\(/)) { n = $i; sub(/^\**/, "", n); print n; break }
      else if ($i ~ /^\**[a-z][a-z0-9_]*\(/) { n = $i; sub(/\(.*/, "", n); sub(/^\**/, "", n); print n; break }
    want = 0
  }' | sort -u > "$tmp/declared"

if [ ! -s "$tmp/declared" ]; then
  echo "no public declaration found in $*" >&2
  exit 1
fi

status=0
if ! diff -u "$tmp/declared" "$tmp/exported" > "$tmp/diff"; then
  echo "exported symbols differ from the public headers (- declared only, + exported only):" >&2
  cat "$tmp/diff" >&2
  status=1
fi
if grep -v -E '^natter_' "$tmp/exported" >&2; then
  echo "^ exported without the natter_ prefix" >&2
  status=1
fi
echo "$(wc -l < "$tmp/exported") symbols exported, as declared"
exit $status
