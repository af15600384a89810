#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs one libFuzzer harness for SECONDS over its seed corpus, keeping what
# it finds (new inputs, and crash-*/leak-*/timeout-* files) in WORKDIR, never
# in the seed corpus. Exits non-zero when the harness found a problem. With
# --fresh, the inputs an earlier run learnt are dropped first, so that a
# short run does not spend its seconds replaying them (the test suite).
#
#   run.sh [--fresh] HARNESS SECONDS CORPUS WORKDIR [DICT]

set -eu

fresh=0
if [ "${1:-}" = --fresh ]; then
  fresh=1
  shift
fi
harness=$1 seconds=$2 corpus=$3 work=$4 dict=${5:-}

if [ $fresh -eq 1 ]; then
  rm -rf "$work/corpus"
fi
mkdir -p "$work/corpus" "$work/artifacts"
set -- -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
       -print_final_stats=1 -artifact_prefix="$work/artifacts/"
if [ -n "$dict" ] && [ -f "$dict" ]; then
  set -- "$@" -dict="$dict"
fi
# New inputs go to the first directory: the work one, so the tree stays clean.
exec "$harness" "$@" "$work/corpus" "$corpus"
