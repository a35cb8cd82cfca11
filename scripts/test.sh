#!/usr/bin/env bash
# npm test: dependencies, type check, lint, servers up, then every Jest tier (unit,
# integration against the real servers, end-to-end across the apps) in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export KANSHI_DEPS_CHECKED=1

# The interoperability e2e spec produces with Debian's kcat (librdkafka), not kafkajs.
ensure_kcat() {
  command -v kcat >/dev/null && return 0
  echo "• installing kcat (Debian package, for the interoperability tests)"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y kcat \
    || { "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y kcat; } \
    || true
  command -v kcat >/dev/null || {
    echo "✖ kcat is required by test/e2e/kcat-interop.e2e-spec.ts and could not be installed; run 'apt-get install kcat' (Debian/Ubuntu) and retry." >&2
    exit 1
  }
}
ensure_kcat
echo "• type check"
npx --no-install tsc -p tsconfig.json --noEmit
echo "• lint"
npx --no-install eslint --max-warnings 0 .
bash scripts/build.sh
node dist/infra/scripts/infra.js up
echo "• tests"
exec npx --no-install jest --ci "$@"
