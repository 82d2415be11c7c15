#!/usr/bin/env bash
# Makes sure the named tools (rclone, sqlite3) are on PATH, installing Debian/Ubuntu packages when
# they are missing. Safe to run again; uses sudo only when not root.
set -euo pipefail

missing=()
for tool in "$@"; do
  case "$tool" in
    rclone | sqlite3) command -v "$tool" > /dev/null 2>&1 || missing+=("$tool") ;;
    *) echo "install-tools: unknown tool '$tool' (known: rclone, sqlite3)" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get > /dev/null 2>&1; then
  echo "install-tools: ${missing[*]} missing and apt-get is not available; install them on the runner first" >&2
  exit 1
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
echo "Installing ${missing[*]} with apt-get"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
for tool in "${missing[@]}"; do command -v "$tool" > /dev/null || { echo "install-tools: $tool still missing" >&2; exit 1; }; done
