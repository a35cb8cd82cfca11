#!/usr/bin/env bash
# npm run infra:up | infra:down | infra:reset
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export KANSHI_DEPS_CHECKED=1
bash scripts/build.sh
node dist/infra/scripts/infra.js "$@"
