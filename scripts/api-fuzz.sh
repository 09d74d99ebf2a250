#!/usr/bin/env bash
# API conformance under fuzzing: schemathesis drives the built service (dist/, embedded store, a fresh data
# directory) from the checked-in OpenAPI document with a service_admin token, and fails on any server error other
# than the spec's deliberate ones and on any response that does not conform to the document (status code, content
# type, headers, body). Settings: scripts/fuzz/schemathesis.toml.
#
# Two passes: "deep" pins the path variables to real resources made by scripts/fuzz/fixtures.mjs, so requests reach
# the handlers' logic (deleting operations are left out there, to keep the resources); "broad" lets schemathesis
# generate everything, names included, for every operation.
#
# Usage: bash scripts/api-fuzz.sh            (after `npm run build`; part of `npm test`)
# Environment: AMS_FUZZ_SECONDS (per pass, default 60), AMS_FUZZ_SEED (default fixed, so CI runs are repeatable).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

bash scripts/tools/install.sh
st="$root/.tools/py/bin/schemathesis"
seconds="${AMS_FUZZ_SECONDS:-60}"
seed="${AMS_FUZZ_SEED:-20261126}"

work="$(mktemp -d)"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
token="$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")"
base="http://127.0.0.1:$port"

# Long polls wait 2 s at most: schemathesis gives up on a request after 10 s.
AMS_HOST=127.0.0.1 AMS_PORT="$port" AMS_DATA_DIR="$work/data" AMS_ADMIN_TOKEN="$token" AMS_LOG_LEVEL=error AMS_PULL_MAX_WAIT_S=2 \
  AMS_STORE=embedded node dist/main.js >"$work/service.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -sf "$base/v1/status" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/service.log" >&2; exit 1; }
  sleep 0.2
done

# shellcheck disable=SC2046 # KEY=value lines
export $(node scripts/fuzz/fixtures.mjs "$base" "$token")

{
  cat scripts/fuzz/schemathesis.toml
  cat <<TOML

[parameters]
"path.project" = "$FUZZ_PROJECT"
"path.topic" = "$FUZZ_TOPIC"
"path.subscription" = "$FUZZ_SUBSCRIPTION"
"path.user" = "$FUZZ_USER"
"path.schema" = "$FUZZ_SCHEMA"
"path.uuid" = "$FUZZ_REGISTRATION"
TOML
} >"$work/deep.toml"

run_pass() {
  local name="$1" config="$2"
  shift 2
  echo "== schemathesis: $name pass (${seconds}s)"
  # Run in the work folder: schemathesis keeps its example database in the current directory.
  (cd "$work" && "$st" --config-file "$config" run "$root/openapi/ams.openapi.json" --url "$base" \
    -H "x-api-key: $token" --max-time "$seconds" --seed "$seed" --workers 2 \
    --phases examples,coverage,fuzzing --no-color "$@")
}

status=0
run_pass deep "$work/deep.toml" --exclude-method DELETE || status=1
run_pass broad "$root/scripts/fuzz/schemathesis.toml" || status=1
if ! kill -0 "$pid" 2>/dev/null; then
  echo "the service died during fuzzing:" >&2
  cat "$work/service.log" >&2
  status=1
fi
exit "$status"
