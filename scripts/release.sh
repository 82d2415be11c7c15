#!/usr/bin/env bash
# Publishes a release of the commit checked out: tags it vX.Y.Z, moves the major tag vX to it (what
# callers of `@v1` get), and creates the GitHub release. Run by .github/workflows/release.yml;
# VERSION is X.Y.Z. Refuses a malformed version, one that exists, one not newer than the newest
# release of its major, and a commit whose dist is not built from its sources.
set -euo pipefail

version="${VERSION:-}"
if ! [[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  echo "::error::version must be X.Y.Z (three whole numbers, no leading v or zeros), not '${version}'"
  exit 1
fi
major="v${BASH_REMATCH[1]}"
tag="v${version}"

git fetch --quiet --force --tags origin
if git rev-parse -q --verify "refs/tags/${tag}" >/dev/null; then
  echo "::error::${tag} exists already (at $(git rev-parse --short "${tag}^{commit}")); a release is never moved: choose the next version"
  exit 1
fi
newest="$(git tag -l "${major}.*.*" | grep -E "^${major}\.[0-9]+\.[0-9]+$" | sort -V | tail -n 1 || true)"
if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$tag" | sort -V | tail -n 1)" != "$tag" ]; then
  echo "::error::${tag} is not newer than ${newest}, the newest release of ${major}; ${major} would move backwards"
  exit 1
fi
if [ "${SKIP_DIST_CHECK:-}" != "true" ]; then
  npm run --silent check-dist
fi

commit="$(git rev-parse HEAD)"
git -c user.name="${GIT_USER_NAME:-github-actions[bot]}" -c user.email="${GIT_USER_EMAIL:-41898282+github-actions[bot]@users.noreply.github.com}" \
  tag -a "$tag" -m "$tag" "$commit"
git -c user.name="${GIT_USER_NAME:-github-actions[bot]}" -c user.email="${GIT_USER_EMAIL:-41898282+github-actions[bot]@users.noreply.github.com}" \
  tag -fa "$major" -m "$major: $tag" "$commit"
git push --quiet origin "refs/tags/${tag}"
git push --quiet --force origin "refs/tags/${major}"
gh release create "$tag" --verify-tag --generate-notes --title "$tag"
echo "released ${tag} at ${commit}; ${major} now points there${newest:+ (it was ${newest})}"
