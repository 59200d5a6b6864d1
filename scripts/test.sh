#!/usr/bin/env bash
# test.sh — set smtplab up (packages + build) and run the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
ctest --preset default "$@"
