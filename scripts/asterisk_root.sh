#!/usr/bin/env bash
# Builds the root of a sandbox Asterisk 22 (Debian sid's package) in a folder, for the
# tests and for trying the Asterisk engine on a machine with no Asterisk of its own.
# Debian 12 has no Asterisk; sid does. Needs root (or sudo): debootstrap and chroot.
#   scripts/asterisk_root.sh [DIR]   default: ${XDG_CACHE_HOME:-~/.cache}/tierdial/asterisk-root
# Kept between runs; built again only when missing or unfinished (about a minute, 330 MB).
# `python -m dialer.telephony.asterisk.sandbox` starts an Asterisk from it on free loopback ports.
set -euo pipefail

root="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/tierdial/asterisk-root}"
mirror="${TIERDIAL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
done_mark="$root/.tierdial-ready"
[[ -e "$done_mark" ]] && { echo "$root"; exit 0; }

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
if ! command -v debootstrap >/dev/null; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# An unfinished root (an interrupted build) is started again from nothing.
[[ -d "$root" ]] && $sudo rm -rf --one-file-system "$root"
mkdir -p "$(dirname "$root")"
echo "building the sandbox Asterisk root in $root (about a minute)" >&2
$sudo debootstrap --variant=minbase sid "$root" "$mirror" >/dev/null

# The mirror is a frozen snapshot whose Release file is past its valid-until date.
echo 'Acquire::Check-Valid-Until "false";' | $sudo tee "$root/etc/apt/apt.conf.d/99tierdial" >/dev/null
# No service may start inside the chroot while packages install.
printf '#!/bin/sh\nexit 101\n' | $sudo tee "$root/usr/sbin/policy-rc.d" >/dev/null
$sudo chmod 755 "$root/usr/sbin/policy-rc.d"

$sudo mount -t proc proc "$root/proc"
trap '$sudo umount "$root/proc" 2>/dev/null || true' EXIT
$sudo chroot "$root" apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo chroot "$root" apt-get install -y -qq --no-install-recommends \
  asterisk asterisk-modules asterisk-core-sounds-en-gsm >/dev/null
$sudo chroot "$root" apt-get clean
$sudo umount "$root/proc"
trap - EXIT

$sudo touch "$done_mark"
echo "$root"
