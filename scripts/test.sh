#!/usr/bin/env bash
# The test command: set up a fresh clone if needed, check every dist/ bundle against its sources,
# then type-check and run the whole jest suite (unit, integration against the sandbox, workflow lint).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent check-dist
npm test --silent
