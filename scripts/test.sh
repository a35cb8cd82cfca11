#!/usr/bin/env bash
# npm test: dependencies, type check, lint, servers up, then every Jest tier (unit,
# integration against the real servers, end-to-end across the apps) in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export KANSHI_DEPS_CHECKED=1

# Installs a Debian package that tests need, when `check` (a shell command) fails.
# Usage: ensure_debian_package <package> <check command> <which tests need it>
ensure_debian_package() {
  local package=$1 check=$2 needed_by=$3
  bash -c "$check" >/dev/null 2>&1 && return 0
  echo "• installing $package (Debian package, for $needed_by)"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y "$package" \
    || { "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y "$package"; } \
    || true
  bash -c "$check" >/dev/null 2>&1 || {
    echo "✖ $package is required by $needed_by and could not be installed; run 'apt-get install $package' (Debian/Ubuntu) and retry." >&2
    exit 1
  }
}
# The interoperability e2e spec produces with Debian's kcat (librdkafka), not kafkajs.
ensure_debian_package kcat 'command -v kcat' test/e2e/kcat-interop.e2e-spec.ts
# A producer on librdkafka's default partitioner (CRC32), whose misplaced records the engine moves.
ensure_debian_package python3-confluent-kafka "/usr/bin/python3 -c 'import confluent_kafka'" test/e2e/python-producer.e2e-spec.ts
# The email channel's integration spec sends to a real SMTP server: aiosmtpd under Debian's python3.
ensure_debian_package python3-aiosmtpd "/usr/bin/python3 -c 'import aiosmtpd'" libs/alerting/src/channels/email.sender.int-spec.ts
# The dashboard spec drives Debian's Chromium with playwright-core (which never downloads a
# browser); a Japanese font makes its screenshots of the Japanese labels readable.
ensure_debian_package chromium 'command -v chromium' test/e2e/dashboard.e2e-spec.ts
# The alert path's peer in the benchmark (and its harness spec): Prometheus Alertmanager.
ensure_debian_package prometheus-alertmanager 'command -v prometheus-alertmanager' test/e2e/bench-harness-alert-peers.e2e-spec.ts
# Kanshi's own Prometheus configuration and alerting rules are checked by promtool and run by a
# real Prometheus against the apps.
ensure_debian_package prometheus 'command -v promtool && command -v prometheus' 'test/observability and test/e2e/observability.e2e-spec.ts'
ensure_debian_package fonts-ipafont-gothic "fc-list :lang=ja | grep -q ." 'the screenshots of test/e2e/dashboard.e2e-spec.ts and the evidence reports'
# The evidence e2e reads its PDF reports back (pdftotext) and keeps their pages as images (pdftoppm).
ensure_debian_package poppler-utils 'command -v pdftotext' test/e2e/evidence-ledger.e2e-spec.ts
echo "• type check"
npx --no-install tsc -p tsconfig.json --noEmit
# The dashboard's browser code has its own tsconfig (DOM types); the root one leaves it out.
npx --no-install tsc -p libs/dashboard/browser/tsconfig.json --noEmit
echo "• lint"
npx --no-install eslint --max-warnings 0 .
bash scripts/build.sh
node dist/infra/scripts/infra.js up
echo "• tests"
exec npx --no-install jest --ci "$@"
