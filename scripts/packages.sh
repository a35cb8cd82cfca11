#!/usr/bin/env bash
# npm run packages: builds @kanshi/contracts and @kanshi/telemetry-client as npm packages (tsc:
# JS and .d.ts) under dist/packages/<name>/, and packs each into dist/packages/*.tgz for
# `npm install <tarball>` in another project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
out=dist/packages
rm -rf "$out/contracts" "$out/telemetry-client" "$out"/kanshi-contracts-*.tgz "$out"/kanshi-telemetry-client-*.tgz

# Copies a lib's package.json, README and the listed folders next to its compiled dist/.
stage() {
  local name=$1
  shift
  cp "libs/$name/package.json" "libs/$name/README.md" "$out/$name/"
  for folder in "$@"; do cp -R "libs/$name/$folder" "$out/$name/"; done
}

# The client's build reads the contracts' .d.ts, so contracts first.
npx --no-install tsc -p libs/contracts/tsconfig.build.json
stage contracts schemas examples
npx --no-install tsc -p libs/telemetry-client/tsconfig.build.json
stage telemetry-client examples
chmod +x "$out/telemetry-client/dist/cli/kanshi.js"

for name in contracts telemetry-client; do
  npm pack "./$out/$name" --pack-destination "$out" --silent --loglevel=error >/dev/null
done
ls -1 "$out"/kanshi-*.tgz
