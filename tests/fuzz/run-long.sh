#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs one fuzzing harness by hand for as long as asked, in one process.
# Configures and builds _build-fuzz/ (clang, ASan, UBSan) at the repository
# root first if needed. What it finds stays in _fuzz/HARNESS/: the inputs
# it learnt (corpus/, reused by the next run) and crash-*, leak-*, timeout-*
# files (artifacts/), to be replayed with `_build-fuzz/tests/fuzz/HARNESS FILE`.
#
#   tests/fuzz/run-long.sh HARNESS SECONDS
#   e.g. tests/fuzz/run-long.sh fuzz-server 3600
#
# HARNESS: fuzz-irc-message, fuzz-server, fuzz-session or fuzz-config.

set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 HARNESS SECONDS" >&2
  exit 2
fi
harness=$1 seconds=$2

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."

if [[ ! -d tests/fuzz/corpus/$harness ]]; then
  echo "run-long.sh: no harness named $harness" >&2
  exit 2
fi

if [[ ! -f _build-fuzz/build.ninja ]]; then
  CC=clang meson setup -Dfuzzing=true -Db_sanitize=address,undefined \
    -Dgui=disabled _build-fuzz
fi
ninja -C _build-fuzz "tests/fuzz/$harness"

exec tests/fuzz/run.sh "_build-fuzz/tests/fuzz/$harness" "$seconds" \
  "tests/fuzz/corpus/$harness" "_fuzz/$harness" tests/fuzz/irc.dict
