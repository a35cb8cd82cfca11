#!/usr/bin/env bash
# Installs dependencies with `npm ci` when node_modules is missing or older than the lockfile
# (always under CI=true), so `npm start` and `npm test` work on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${KANSHI_DEPS_CHECKED:-}" = "1" ] && exit 0
command -v node >/dev/null || { echo "✖ Node.js 20.19+ is required: https://nodejs.org or 'apt-get install nodejs npm'" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { echo "✖ Node.js $(node --version) is too old; Kanshi needs 20.19 or newer." >&2; exit 1; }
hash=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
marker=node_modules/.kanshi-deps
if [ "${CI:-}" = "true" ] || [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$hash" ]; then
  echo "• installing dependencies (npm ci)"
  # A dependency of the API docs (swagger-ui-dist) pulls in an install-time usage beacon; it is
  # switched off here and in package.json, so installing only talks to the npm registry.
  SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error
  echo "$hash" > "$marker"
fi
