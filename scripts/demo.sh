#!/usr/bin/env bash
# Sets everything up, then runs the demo on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/tierdial demo "$@"
