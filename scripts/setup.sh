#!/usr/bin/env bash
# Everything a fresh clone needs: rclone and sqlite3 (Debian packages), a Node.js 24 (the runners'
# runtime: the system's node when it is 24 or later, else a pinned one from the npm registry in
# .tools/, see scripts/node24.sh) and the npm dependencies, installed with it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh rclone sqlite3
node24="$(bash scripts/node24.sh)"
export PATH="$(dirname "$node24"):$PATH"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
