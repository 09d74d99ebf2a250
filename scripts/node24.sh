#!/usr/bin/env bash
# Prints the directory of a Node 24 binary, for the caller to put first on PATH: this machine's own node when it is
# already 24 or newer, otherwise Node from the npm registry (the `node-<os>-<arch>` package the `node` package itself
# installs), installed once into .tools/node24 and reused. The package carries Node's C headers too, so native modules
# (node-gyp) can build against them with npm_config_nodedir=<this directory>/.. should one ever need to.
#
# Usage: PATH="$(bash scripts/node24.sh):$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."

version="${NODE24_VERSION:-24.21.0}"
if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 24 ]; then
  dirname "$(command -v node)"
  exit 0
fi

os="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
package="node-$os-$arch"
prefix=".tools/node24"
bin="$prefix/node_modules/$package/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$version" ]; then
  echo "installing Node $version ($package) from the npm registry into $prefix" >&2
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # Its own package.json, so npm does not walk up to the project's and install into it.
  echo '{"private":true}' >"$prefix/package.json"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --ignore-scripts "$package@$version" >&2
fi
cd "$bin" && pwd
