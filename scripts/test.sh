#!/usr/bin/env bash
# The whole test suite: static checks, build, OpenAPI freshness, Dockerfile/Helm/OpenAPI lint, then every test file on the embedded store, and the
# HTTP e2e suite, the storage contract and the outage tests again on the kafka-mongo store against real Kafka and
# MongoDB-compatible servers, which it installs and starts (scripts/services/) and stops again; last, schemathesis
# fuzzes the running service against the OpenAPI document (scripts/api-fuzz.sh).
#
# Usage: npm test [-- <file filter>]      e.g. npm test -- e2e/topics
# Environment: AMS_TEST_BACKENDS=embedded (or kafka-mongo) runs one backend only; default both.
#              AMS_TEST_KAFKA_BROKERS and AMS_TEST_MONGODB_URI, both set: use those servers, start none.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci

echo "== lint"; npx eslint .
echo "== typecheck and build the tests"; npx tsc -p tsconfig.json
echo "== build the service"; npx tsc -p tsconfig.build.json
echo "== no import cycle between the folders of src"; node scripts/check-cycles.mjs
echo "== OpenAPI document is current"; node scripts/openapi.mjs --check
echo "== deployment files and OpenAPI lint"; bash scripts/deploy-checks.sh

filter="${1:-}"
backends="${AMS_TEST_BACKENDS:-embedded kafka-mongo}"

# Files of a pass: embedded runs everything but the kafka-mongo-only files; kafka-mongo runs what touches storage.
select_files() {
  local pattern="$1"
  find build/test build/src -name '*.spec.js' | sort | grep -E -- "$pattern" | grep -- "$filter" || true
}

# The runner's closing count of one kind (pass, fail) in a pass's output; 0 when it printed none.
summary() {
  local n
  n="$(sed -n "s/^ℹ $1 \([0-9]*\)$/\1/p" "$2" | tail -1)"
  echo "${n:-0}"
}

run_pass() {
  local store="$1" pattern="$2" concurrency="${3:-2}"
  mapfile -t files < <(select_files "$pattern")
  if [ "${#files[@]}" -eq 0 ]; then echo "== no $store test files match '$filter'"; return 0; fi
  echo "== ${#files[@]} test files on AMS_STORE=$store"
  local out rc
  out="$(mktemp)"
  set +e
  AMS_STORE="$store" node --test --test-reporter=spec --test-concurrency="$concurrency" "${files[@]}" | tee "$out"
  rc="${PIPESTATUS[0]}"
  set -e
  passed=$((passed + $(summary pass "$out")))
  failed=$((failed + $(summary fail "$out")))
  rm -f "$out"
  return "$rc"
}
passed=0
failed=0

started=()
stop_services() {
  for service in "${started[@]}"; do bash "scripts/services/$service.sh" stop || true; done
}
trap stop_services EXIT

status=0
if [[ " $backends " == *" embedded "* ]]; then
  run_pass embedded '^build/(src|test/(unit|e2e)|test/contract/embedded)' || status=$?
  # Alone: these measure latency while the store works through a large backlog, so nothing else may share the cores.
  run_pass embedded '^build/test/load/' || status=$?
fi

if [[ " $backends " == *" kafka-mongo "* ]] && [ -n "$(select_files '^build/test/(e2e|contract/kafka-mongo|outage)')" ]; then
  # Servers given by the caller (both variables set) are used as they are; otherwise the project's own are started.
  external_servers=1
  if [ -z "${AMS_TEST_KAFKA_BROKERS:-}" ] || [ -z "${AMS_TEST_MONGODB_URI:-}" ]; then
    external_servers=0
    for service in kafka mongo; do
      if ! bash "scripts/services/$service.sh" status >/dev/null 2>&1; then
        bash "scripts/services/$service.sh" start --clean
        started+=("$service")
      fi
    done
    export AMS_TEST_KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
    export AMS_TEST_MONGODB_URI="mongodb://127.0.0.1:${MONGO_PORT:-27017}"
  fi
  export KAFKAJS_NO_PARTITIONER_WARNING=1
  run_pass kafka-mongo '^build/test/(e2e|contract/kafka-mongo)' || status=$?
  # Alone, last and one file at a time: they stop, start and pause the shared servers, so only when the servers
  # are the project's own.
  if [ "$external_servers" = 1 ]; then echo "== outage tests skipped: they need the project's own servers"
  else run_pass kafka-mongo '^build/test/outage/' 1 || status=$?; fi
fi
# The whole-suite run only (a file filter means a quick iteration).
if [ -z "$filter" ]; then
  echo "== API conformance under fuzzing"
  bash scripts/api-fuzz.sh || status=$?
fi
echo "tests: $passed passed, $failed failed"
exit "$status"
