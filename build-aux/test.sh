#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs missing dependencies, configures and builds _build/ at the
# repository root and runs the whole test suite there. Exits non-zero if
# anything fails. Works from any directory, as root with no stdin (CI).
#
#   build-aux/test.sh                    the whole suite in _build/
#   build-aux/test.sh --sanitize         the whole suite in _build-asan/, built
#                                        with -Db_sanitize=address,undefined
#   build-aux/test.sh [--sanitize] [MESON-TEST-ARG...]
#                                        e.g. --suite unit, or test names
#
# Without MESON-TEST-ARGs, the fuzzing harnesses then run too (a few
# seconds each, `--suite fuzz` in _build-fuzz/, built with clang,
# -Dfuzzing=true and ASan/UBSan).
#
# Environment: NATTER_TEST_JOBS (default 2) parallel tests;
# NATTER_TEST_TIMEOUT (default 2400) seconds before the whole run is stopped;
# NATTER_TEST_FUZZ=0 skips the fuzzing harnesses.

set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

builddir=_build
setup_args=()
if [[ ${1:-} == --sanitize ]]; then
  shift
  builddir=_build-asan
  setup_args=('-Db_sanitize=address,undefined')
fi
run_fuzz=0
if [[ $# -eq 0 && ${NATTER_TEST_FUZZ:-1} != 0 ]]; then
  run_fuzz=1
fi

build-aux/install-deps.sh

# Configure: a fresh setup, a reconfigure of a half-made or outdated build
# directory, or nothing (ninja re-runs meson itself when meson.build changes).
if [[ ! -f $builddir/meson-private/coredata.dat ]]; then
  meson setup "${setup_args[@]}" "$builddir"
elif [[ ! -f $builddir/build.ninja ]]; then
  meson setup --reconfigure "${setup_args[@]}" "$builddir" \
    || meson setup --wipe "${setup_args[@]}" "$builddir"
fi

if ! ninja -C "$builddir"; then
  echo "test.sh: build failed in $builddir/" >&2
  exit 1
fi

# Hook for the GUI suite: GTK tests need a display. Once gui/ exists, add
# xvfb to NATTER_DEPS in build-aux/install-deps.sh; the suite then runs under
# xvfb-run whenever there is no display (CI).
wrapper=()
if [[ -d gui && -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]] \
   && command -v xvfb-run >/dev/null 2>&1; then
  wrapper=(xvfb-run -a -s '-screen 0 1280x1024x24')
fi

# Both cores, and a hard stop so a wedged run cannot eat CI's time (each test
# also has its own meson timeout). --foreground keeps Ctrl-C working; on
# SIGTERM meson test cancels the running tests and still prints its summary.
logdir=$builddir/meson-logs
mkdir -p "$logdir"
touch "$logdir/.test-sh-start"
status=0
timeout --foreground --kill-after=60 "${NATTER_TEST_TIMEOUT:-2400}" \
  "${wrapper[@]}" \
  meson test -C "$builddir" --print-errorlogs \
    --num-processes "${NATTER_TEST_JOBS:-2}" "$@" </dev/null \
  || status=$?

if [[ $status -eq 124 || $status -eq 137 ]]; then
  echo "test.sh: the test run was stopped after ${NATTER_TEST_TIMEOUT:-2400} s" >&2
fi

# One plain closing line counted from meson's own log of this run (named
# testlog.json, or testlog-WRAPPER.json and the like with --wrap/--setup).
summarize () {
  local logdir=$1 label=$2 log
  log=$(find "$logdir" -maxdepth 1 -name 'testlog*.json' -newer "$logdir/.test-sh-start" \
          -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
  if [[ -n $log ]]; then
    python3 - "$log" "$label" <<'EOF' || true
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        result = json.loads(line).get("result", "")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{sys.argv[2]}: {passed} passed, {failed} failed, {skipped} skipped")
EOF
  fi
}

# The fuzzing harnesses, a few seconds each over their seed corpora, in a
# build of their own (clang, libFuzzer, ASan, UBSan). What they find is
# kept in _build-fuzz/tests/fuzz/*.work/artifacts/.
fuzz_status=0
if [[ $run_fuzz -eq 1 ]]; then
  fuzzdir=_build-fuzz
  fuzz_args=(-Dfuzzing=true -Db_sanitize=address,undefined -Dgui=disabled)
  if [[ ! -f $fuzzdir/meson-private/coredata.dat ]]; then
    CC=clang meson setup "${fuzz_args[@]}" "$fuzzdir" || fuzz_status=$?
  elif [[ ! -f $fuzzdir/build.ninja ]]; then
    CC=clang meson setup --reconfigure "${fuzz_args[@]}" "$fuzzdir" \
      || CC=clang meson setup --wipe "${fuzz_args[@]}" "$fuzzdir" || fuzz_status=$?
  fi
  if [[ $fuzz_status -eq 0 ]] && ! ninja -C "$fuzzdir"; then
    echo "test.sh: build failed in $fuzzdir/" >&2
    fuzz_status=1
  fi
  if [[ $fuzz_status -eq 0 ]]; then
    mkdir -p "$fuzzdir/meson-logs"
    touch "$fuzzdir/meson-logs/.test-sh-start"
    timeout --foreground --kill-after=60 600 \
      meson test -C "$fuzzdir" --print-errorlogs --suite fuzz </dev/null \
      || fuzz_status=$?
  fi
fi

summarize "$logdir" natter
if [[ $run_fuzz -eq 1 ]]; then
  summarize "$fuzzdir/meson-logs" 'natter fuzz'
  if [[ $status -eq 0 ]]; then
    status=$fuzz_status
  fi
fi

exit "$status"
