#!/usr/bin/env bash
# npm test: dependencies, type check, lint, servers up, then every Jest tier (unit,
# integration against the real servers, end-to-end across the apps) in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export KANSHI_DEPS_CHECKED=1
echo "• type check"
npx --no-install tsc -p tsconfig.json --noEmit
echo "• lint"
npx --no-install eslint --max-warnings 0 .
bash scripts/build.sh
node dist/infra/scripts/infra.js up
echo "• tests"
exec npx --no-install jest --ci "$@"
