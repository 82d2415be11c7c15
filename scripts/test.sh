#!/usr/bin/env bash
# The test command: set up a fresh clone if needed, then on Node.js 24 check every dist/ bundle
# against its sources, check formatting and lint, type-check and run the whole jest suite (unit,
# integration against the sandbox, workflow lint).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node24="$(bash scripts/node24.sh)"
export PATH="$(dirname "$node24"):$PATH"
echo "Node.js $(node --version) ($node24)"
echo "Checking that each committed dist/ bundle is what its sources build to (npm run check-dist)"
npm run --silent check-dist
npm test --silent
