#!/bin/sh
# scripts/fault_soak.sh — the long version of tests/mta/fault_invariant_test.cpp: runs
# the "no acknowledged message lost" invariant over thousands of seeds of random faults,
# in chunks, and prints every failing seed (replay one with
# SMTPLAB_FAULT_FIRST_SEED=<seed> SMTPLAB_FAULT_SEEDS=1 <build>/tests/test_mta "[fault]").
#
# Usage: scripts/fault_soak.sh [build-dir] [seeds] [first-seed]
#   defaults: build, 5000 seeds, starting at 1000 (the Catch2 test covers 1-200).
set -eu
build=${1:-build}
seeds=${2:-5000}
first=${3:-1000}
chunk=500
test_mta="$build/tests/test_mta"
if [ ! -x "$test_mta" ]; then
  echo "fault_soak: $test_mta not found; build it first: cmake --build $build --target test_mta" >&2
  exit 2
fi
status=0
at=$first
end=$((first + seeds))
while [ "$at" -lt "$end" ]; do
  n=$chunk
  if [ $((at + n)) -gt "$end" ]; then n=$((end - at)); fi
  echo "fault_soak: seeds $at..$((at + n - 1))"
  if ! SMTPLAB_FAULT_FIRST_SEED=$at SMTPLAB_FAULT_SEEDS=$n "$test_mta" \
      "[invariant]"; then
    status=1
  fi
  at=$((at + n))
done
if [ "$status" -eq 0 ]; then echo "fault_soak: all $seeds seeds hold the invariant"; fi
exit $status
