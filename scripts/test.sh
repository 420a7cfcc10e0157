#!/usr/bin/env bash
# Sets everything up, then runs the linters and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/asterisk_root.sh >/dev/null  # the sandbox Asterisk's root: built once (about a minute), then kept
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# The slowest tests are listed at the end: the suite has a time budget (README: Tests).
exec .venv/bin/python -m pytest -q --durations=25 "$@"
