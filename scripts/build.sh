#!/usr/bin/env bash
# Compiles apps, libs, infra scripts and tools to dist/ with SWC (path aliases rewritten).
# Type checking is separate: `npm run typecheck`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
rm -rf dist
npx --no-install swc apps libs infra tools examples -d dist --copy-files --quiet
# The root package's `bin` (npx kanshi) runs this file directly.
chmod +x dist/libs/telemetry-client/src/cli/kanshi.js
