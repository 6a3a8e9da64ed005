#!/usr/bin/env bash
# The CI entry point for the web tier's Molecule tests.
#   tests/web/run_molecule.sh                      -> molecule test -s default
#   tests/web/run_molecule.sh converge|verify|...  -> any molecule subcommand (scenario default)
#   tests/web/run_molecule.sh test -s amazonlinux  -> needs a registry (amazonlinux:2023), not CI
# Exits non-zero when any step fails. Needs tools/bootstrap.sh to have run (venv, Docker).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
venv=${WEBFLEET_VENV:-$top/.venv}
# Molecule shells out to ansible-config/ansible-playbook and the verifier to pytest:
# the venv's bin must come first on PATH even when the venv is not activated.
export PATH="$venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$top/collections"
export ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-0}
export PY_COLORS=${PY_COLORS:-0}
cd "$top"

docker info >/dev/null 2>&1 || { echo "Docker engine not reachable; run tools/bootstrap.sh" >&2; exit 1; }
for image in webfleet/debian12:latest webfleet/ubuntu2404:latest; do
  docker image inspect "$image" >/dev/null 2>&1 || bash tools/images.sh
done

args=("$@")
[ ${#args[@]} -eq 0 ] && args=(test)
# Default to the CI scenario unless the caller named one.
case " ${args[*]} " in
  *" -s "*|*" --scenario-name "*|*" --all "*) ;;
  *) args+=(-s default) ;;
esac
start=$(date +%s)
rc=0
molecule "${args[@]}" || rc=$?
echo "molecule ${args[*]}: exit $rc after $(( $(date +%s) - start ))s"
exit $rc
