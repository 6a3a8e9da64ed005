#!/usr/bin/env bash
# Every test, in order of speed; the first failing stage fails the run.
# Called by `tools/webfleet test` (which installs what it needs first) and so by .ci/run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
venv=${WEBFLEET_VENV:-$top/.venv}
export PATH="$venv/bin:$PATH"
export ANSIBLE_CONFIG="$top/ansible.cfg"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0

stage() { printf '\n==> %s\n' "$*"; stage_start=$(date +%s); }
took() { echo "    ($(( $(date +%s) - stage_start )) s)"; }

stage "lint: ruff, yamllint, ansible-lint (production profile)"
ruff check plugins tools tests bench
yamllint -s .
# ansible-lint puts ~/.ansible/collections first on the collections path, where an older
# install of this collection would shadow the checkout: give it an empty home.
lint_home=$(mktemp -d)
HOME=$lint_home ansible-lint --profile production -q roles playbooks molecule
rm -rf "$lint_home"
took

stage "docs: ansible-doc renders every plugin"
modules=$(ls plugins/modules/*.py | xargs -n1 basename | sed 's/\.py$//')
for m in $modules; do
  ansible-doc "webfleet.aws.$m" >/dev/null || { echo "ansible-doc webfleet.aws.$m failed"; exit 1; }
done
for p in plugins/inventory/*.py; do
  [ -e "$p" ] || continue
  ansible-doc -t inventory "webfleet.aws.$(basename "$p" .py)" >/dev/null
done
echo "    $(echo "$modules" | wc -w) modules rendered"
took

stage "sanity: compile and validate-modules (ansible-test)"
bash tools/sanity.sh
took

stage "build: the tarball (contents), installed with --no-deps: plugins and roles load, webfleet.aws.site + teardown from an empty directory"
bash tools/build_check.sh
took

stage "release: licence, changelog lint (antsibull-changelog), execution environment context (ansible-builder create)"
bash tools/release_check.sh
took

stage "pytest: unit, local AWS endpoint, modules and inventory through Ansible, infra end to end"
# a skip not on tests/skips_allowed.txt fails the run (tests/skip_guard.py)
pytest -n 2 -q --skips-allowed tests/skips_allowed.txt \
  tests/unit tests/web/test_site_fixture.py tests/web/test_site_source_input.py \
  tests/web/test_role_variables.py tests/web/test_roles_container.py tests/endpoint tests/integration tests/e2e
took

stage "pytest --unpatched: each endpoint test marked needs_patch fails on plain moto"
pytest -n 2 -q --unpatched --skips-allowed tests/skips_allowed.txt tests/endpoint
took

stage "matrix: ansible-core 2.17, 2.18, 2.19"
bash tools/matrix.sh
took

stage "molecule: web tier on Debian 12 (systemd) and Ubuntu 24.04 (no systemd), verified over HTTP"
bash tests/web/run_molecule.sh
took

echo
echo "all test stages passed"
