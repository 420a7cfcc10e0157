#!/usr/bin/env bash
# Sets everything up, then runs the linters and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/asterisk_root.sh >/dev/null  # the sandbox Asterisk's root: built once (about a minute), then kept
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Tests that place calls or stream audio in real time (marked `realtime`) run one at a time: a late audio frame is
# what they check, and a neighbour's load would make one. The others run on every core. Both halves always run, so
# one report shows every failure; the slowest tests are listed at the end of each (README: Try it, the time budget).
status=0
run() {
  local code=0
  .venv/bin/python -m pytest -q "$@" || code=$?
  [[ $code -eq 0 || $code -eq 5 ]] || status=$code  # 5: arguments that select no test of this half
}
run -n auto -m "not realtime" --durations=15 "$@"
run -m realtime --durations=25 "$@"
exit "$status"
