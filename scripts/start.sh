#!/usr/bin/env bash
# start.sh — set smtplab up (packages + build) and open lesson 1: in the visualizer when
# there is a display, otherwise as a sequence diagram in the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
lesson=lessons/01-first-conversation
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x build/visualizer/smtplab-visualizer ]; then
  exec build/visualizer/smtplab-visualizer "$lesson"
fi
echo "smtplab: no display found (DISPLAY is not set), so here is the terminal view of $lesson."
echo "         On a desktop, the same command opens the visualizer."
echo
exec build/cli/smtplab run "$lesson"
