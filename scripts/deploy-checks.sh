#!/usr/bin/env bash
# Static checks of what gets deployed: the Dockerfile (hadolint), the Helm chart (helm lint, helm template with the
# default values and with each values file under helm/ams/ci/, the rendered manifests against the Kubernetes JSON
# schemas, and scripts/chart-assertions.py on where the values land), and the OpenAPI document (redocly lint, zero
# errors and zero warnings). Tools come from scripts/tools/install.sh (cached under .tools/). Part of `npm test`;
# runs offline once the tools are cached.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/tools/install.sh
helm=.tools/bin/helm
py=.tools/py/bin

echo "== Dockerfile (hadolint)"
"$py/hadolint" Dockerfile

chart=helm/ams
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
values_sets=("default")
for file in "$chart"/ci/*-values.yaml; do values_sets+=("$file"); done

echo "== helm template without image.repository (must fail, naming the value)"
if message="$("$helm" template ams "$chart" 2>&1)"; then
  echo "the chart rendered without image.repository" >&2
  exit 1
fi
grep -q 'image.repository is required' <<<"$message" || { echo "$message" >&2; exit 1; }

for values in "${values_sets[@]}"; do
  # The defaults plus the one required value (every file under ci/ sets it).
  args=(--set image.repository=registry.example.org/ams/ams)
  [ "$values" = default ] || args=(-f "$values")
  name="$(basename "$values" .yaml)"
  echo "== helm lint and template ($name values)"
  "$helm" lint --strict "$chart" "${args[@]}" --quiet
  "$helm" template ams "$chart" "${args[@]}" --namespace ams >"$out/$name.yaml"
  # Strict: unknown fields are errors. CRDs (ServiceMonitor) have no bundled schema and only warn.
  "$py/kubernetes-validate" --strict --quiet "$out/$name.yaml"
done
# A second render of the evaluation values: generated secrets must differ (they are generated, not fixed).
"$helm" template ams "$chart" -f "$chart/ci/evaluation-values.yaml" --namespace ams >"$out/evaluation-values.again.yaml"
echo "== chart assertions (scripts/chart-assertions.py)"
"$py/python" scripts/chart-assertions.py "$out"

echo "== OpenAPI document (redocly lint)"
# The CLI prints a Node.js support banner on stderr-free stdout; keep the findings, drop the box.
set +e
npx --no-install redocly lint openapi/ams.openapi.json --format=summary 2>&1 | grep -v '[═║╔╗╚╝]' | grep -v '^\s*$'
status="${PIPESTATUS[0]}"
set -e
exit "$status"
