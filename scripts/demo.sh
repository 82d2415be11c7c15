#!/usr/bin/env bash
# The demo command: set up a fresh clone if needed, then run the actions end to end against the
# local sandbox (real rclone, real S3 server processes), exactly as a workflow runs their bundles,
# on Node.js 24 as the runners do.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node24="$(bash scripts/node24.sh)"
PATH="$(dirname "$node24"):$PATH" exec node scripts/demo.js "$@"
