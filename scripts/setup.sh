#!/usr/bin/env bash
# Everything a fresh clone needs: rclone and sqlite3 (Debian packages) and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh rclone sqlite3
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
