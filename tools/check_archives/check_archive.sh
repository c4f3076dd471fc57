#!/usr/bin/env bash
# check_archive.sh ARCHIVE SYMBOL: every object in ARCHIVE is an ELF for
# AArch64, and SYMBOL is defined in it. Used for the Android kernel archives,
# which cannot run here (no NDK, no device).
set -euo pipefail
archive="$1"; symbol="$2"
[ -f "$archive" ] || { echo "missing archive: $archive"; exit 1; }
machines=$(readelf -h "$archive" | awk -F: '/Machine:/ {gsub(/^ +/, "", $2); print $2}' | sort -u)
if [ "$machines" != "AArch64" ]; then
  echo "$archive: ELF machine(s) '$machines', want AArch64"; exit 1
fi
defined=$(nm --defined-only "$archive" 2>/dev/null | awk 'NF >= 3 {print $NF}')
if ! grep -qx "$symbol" <<<"$defined"; then
  echo "$archive: symbol $symbol not defined"; exit 1
fi
echo "$archive: AArch64, defines $symbol"
