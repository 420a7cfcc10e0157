#!/usr/bin/env bash
# Sets up tierdial on a fresh Debian 12 machine: system packages, a virtualenv in
# .venv and the Python packages. Idempotent: run it again at any time.
#   scripts/setup.sh          what the product needs
#   scripts/setup.sh --test   plus what the test suite needs (a PostgreSQL server, sipp, debootstrap for the
#                             sandbox Asterisk, chromium and a Korean font for the console's browser tests,
#                             pytest, ruff)
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[[ "${1:-}" == "--test" ]] && want_tests=true

packages=(python3 python3-venv ca-certificates espeak-ng)  # espeak-ng: phonemes for prompts written as text
$want_tests && packages+=(postgresql sip-tester debootstrap chromium fonts-nanum)  # Korean in the screenshots

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=python3
command -v python3.11 >/dev/null && python=python3.11
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "tierdial needs Python 3.11 (Debian 12's python3); found $("$python" --version)" >&2
  exit 1
fi
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if $want_tests; then
  .venv/bin/python -m pip install -q -e '.[test]'
else
  .venv/bin/python -m pip install -q -e .
fi
echo "tierdial is set up in .venv (run: .venv/bin/tierdial --help)"
