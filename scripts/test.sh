#!/usr/bin/env bash
# The whole test suite: static checks, build, OpenAPI freshness, then every test file on the embedded store.
# Usage: npm test [-- <file filter>]   e.g. npm test -- e2e/topics
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci

echo "== lint"; npx eslint .
echo "== typecheck and build the tests"; npx tsc -p tsconfig.json
echo "== build the service"; npx tsc -p tsconfig.build.json
echo "== OpenAPI document is current"; node scripts/openapi.mjs --check

filter="${1:-}"
mapfile -t files < <(find build/test build/src -name '*.spec.js' | sort | grep -- "$filter")
[ "${#files[@]}" -gt 0 ] || { echo "no test files match '$filter'"; exit 1; }
echo "== ${#files[@]} test files (AMS_STORE=${AMS_STORE:-embedded})"
node --test --test-reporter=spec --test-concurrency=2 "${files[@]}"
