#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# meson test --wrap for valgrind: Natter's own test programs run under
# memcheck; the tools some tests are made of (groff, xgettext, python3, sh)
# run as they are, since their leaks are not ours.
#
#   NATTER_TEST_SLOW=10 meson test -C _build --no-suite gui \
#     --timeout-multiplier 10 --wrap="$PWD/tests/valgrind-wrap.sh"
#
# --child-silent-after-fork: the bus watcher GTestDBus forks inherits every
# allocation of the test and exits without freeing them.
case $1 in
  */tests/test-*) ;;
  *) exec "$@" ;;
esac

here=$(dirname "$(readlink -f "$0")")
exec valgrind --leak-check=full --error-exitcode=1 --child-silent-after-fork=yes \
  --suppressions=/usr/share/glib-2.0/valgrind/glib.supp \
  --suppressions="$here/valgrind.supp" "$@"
