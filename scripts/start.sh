#!/usr/bin/env bash
# npm start: dependencies, servers, migrations, demo seed, the four apps and a demo stream.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export KANSHI_DEPS_CHECKED=1
bash scripts/build.sh
node dist/infra/scripts/infra.js up
exec node dist/tools/dev/run-all.js
