#!/usr/bin/env bash
# An end-to-end check of clusterset-dns against real clusters, laid out as
# Karmada's hack/local-up-karmada.sh leaves them (KUBECONFIG_PATH with
# karmada.config and members.config, MEMBER_CLUSTER_*_NAME, ARTIFACTS_PATH).
# A thin entry point: the steps are in hack/e2e/main.ts; `hack/e2e.sh --help`
# lists the flags and variables; docs/deploy.md, "End-to-end check", says more.
#
#   hack/e2e.sh --env=local --apply-config --install-coredns   # the local environment
#   hack/e2e.sh --dry-run                                      # every step, nothing written
set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${REPO_ROOT}/node_modules/.bin"

if [[ ! -x "${BIN}/tsx" || ! -x "${BIN}/node" ]]; then
  echo "hack/e2e.sh: no tsx or node in ${BIN}: run npm ci in ${REPO_ROOT} first" >&2
  exit 1
fi

# The Node release package.json pins (its devDependency node) runs the check
# and the controller it starts, as npm scripts do: tsx's `env node` finds it
# first on PATH. Relative paths in the environment stay relative to the
# caller's directory, so there is no cd.
export PATH="${BIN}:${PATH}"
exec tsx "${REPO_ROOT}/hack/e2e/main.ts" "$@"
