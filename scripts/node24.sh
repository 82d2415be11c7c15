#!/usr/bin/env bash
# Prints the path of a Node.js 24 or later, installing a pinned one if there is none, and changes
# nothing else: no PATH entry, no profile, so the caller's job keeps its own node.
#
#   scripts/node24.sh [dir]
#
# Looks for, in order: node on PATH (major 24 or later); a pinned Node 24 already installed under
# dir; the runner's tool cache ($RUNNER_TOOL_CACHE/node/24.*, where actions/setup-node keeps it).
# Otherwise installs the pinned version into dir from the npm registry's node-linux-<arch> package
# (the registry is the one npm is configured with, else registry.npmjs.org), checked against its
# pinned sha512. dir defaults to $RUNNER_TOOL_CACHE/ml-backup-actions on a runner, else <repo>/.tools.
set -euo pipefail

VERSION=24.22.3

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -n "${RUNNER_TOOL_CACHE:-}" ]; then default_dir="$RUNNER_TOOL_CACHE/ml-backup-actions"; else default_dir="$(cd "$here/.." && pwd)/.tools"; fi
dir="${1:-$default_dir}"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2> /dev/null || echo 0; }

if command -v node > /dev/null 2>&1 && [ "$(major_of node)" -ge 24 ]; then
  command -v node
  exit 0
fi

installed="$dir/node-v$VERSION/bin/node"
if [ -x "$installed" ] && [ "$(major_of "$installed")" -ge 24 ]; then
  echo "$installed"
  exit 0
fi

if [ -n "${RUNNER_TOOL_CACHE:-}" ]; then
  for cached in $(ls -d "$RUNNER_TOOL_CACHE"/node/24.*/*/bin/node 2> /dev/null | sort -V -r); do
    if [ -x "$cached" ] && [ "$(major_of "$cached")" -ge 24 ]; then
      echo "$cached"
      exit 0
    fi
  done
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) arch=x64 sha512=287b286fe16ff587ab013bd8ba331b8b226a9d10af2edadcaff79336a46a88e486a7dec43a244fd723f8efe9271a043fc677375d8f31ce45b9f3b76567336a44 ;;
  Linux/aarch64 | Linux/arm64) arch=arm64 sha512=219c74279dbfd4d0f002c6368b2591f6794f218b98be24d67ad8e3f3e125bd8421dbe5d184b7c27e46c5105ff63b9bc623685c51bc8f34757e9f3df8d856c95f ;;
  *)
    echo "node24: no Node.js 24 found and none pinned for $(uname -s)/$(uname -m); install Node.js 24 or later first" >&2
    exit 1
    ;;
esac

registry="https://registry.npmjs.org/"
if command -v npm > /dev/null 2>&1; then registry="$(npm config get registry 2> /dev/null || echo "$registry")"; fi
registry="${registry%/}"
package="node-linux-$arch"
url="$registry/$package/-/$package-$VERSION.tgz"

mkdir -p "$dir"
work="$(mktemp -d "$dir/.node-v$VERSION.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "node24: installing Node.js $VERSION ($package) from $url into $dir" >&2
curl -sSfL --retry 3 --retry-delay 2 -o "$work/node.tgz" "$url"
actual="$(sha512sum "$work/node.tgz" | cut -d' ' -f1)"
if [ "$actual" != "$sha512" ]; then
  echo "node24: $url has sha512 $actual, not the pinned $sha512; not installed" >&2
  exit 1
fi
tar -xzf "$work/node.tgz" -C "$work" package/bin/node package/LICENSE
mkdir -p "$work/node-v$VERSION/bin"
mv "$work/package/bin/node" "$work/node-v$VERSION/bin/node"
mv "$work/package/LICENSE" "$work/node-v$VERSION/LICENSE"
# Another job may have installed it meanwhile: either copy is the same file.
if [ ! -x "$installed" ]; then mv "$work/node-v$VERSION" "$dir/" 2> /dev/null || true; fi
"$installed" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)'
echo "$installed"
