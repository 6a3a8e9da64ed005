#!/usr/bin/env bash
# The ansible-core matrix: every minor version meta/runtime.yml admits (newest patch PyPI serves for
# this Python), each in its own venv under .cache/matrix/<version>, runs ansible-test sanity, the unit
# tests, the inventory plugin's tests and one module integration file, with that version's
# ansible-playbook / ansible-inventory (the tests find them next to sys.executable; each run prints and
# checks the version it used). One line per version at the end; exit 1 if any version failed.
#
#   tools/matrix.sh                 # every version
#   tools/matrix.sh 2.18.19         # only these versions
#   MATRIX_SETUP_ONLY=1 tools/matrix.sh   # only make (or check) the venvs
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# The newest patch of each admitted minor version (requires_ansible in meta/runtime.yml); a new
# patch is a one-word change here, and the venv of a changed version is rebuilt by itself.
VERSIONS=(2.17.14 2.18.19 2.19.14)
[ $# -gt 0 ] && VERSIONS=("$@")
# The test files every version runs (sanity runs through tools/sanity.sh).
TESTS=(tests/unit tests/integration/test_inventory_ec2.py tests/integration/test_security_group.py)

cache=$top/.cache/matrix
main_venv=${WEBFLEET_VENV:-$top/.venv}
mkdir -p "$cache"
# With no version named, the main venv's own version is left out: the test command's other stages
# ran sanity and every test on it already (running them again here costs CI ~5 min, for nothing).
if [ $# -eq 0 ]; then
  main_version=$("$main_venv/bin/ansible-playbook" --version | sed -n '1s/.*\[core \([0-9.]*\)\].*/\1/p')
  for v in "${VERSIONS[@]}"; do
    [ "$v" = "$main_version" ] && echo "matrix: ansible-core $v is the main venv's: the stages above ran sanity and every test on it"
  done
  mapfile -t VERSIONS < <(printf '%s\n' "${VERSIONS[@]}" | grep -vx "$main_version")
fi

# What the tests need besides ansible-core, pinned exactly as requirements*.txt pin them.
test_requirements() {
  grep -hE '^(boto3|botocore|pytest|pytest-xdist|moto\[server\])[<>=~!]' requirements.txt requirements-local.txt requirements-dev.txt
}

# The harness reads ansible-playbook's results through the ansible.posix.json callback. That
# collection comes with the "ansible" package (≈470 MB of collections per venv): copy just it from
# the main venv into one collections directory the matrix venvs share.
posix_collection() {
  local src dest=$cache/collections/ansible_collections/ansible/posix
  src=$("$main_venv/bin/python" -c 'import ansible_collections.ansible.posix as p; print(list(p.__path__)[0])')
  if [ ! -f "$dest/MANIFEST.json" ] || ! cmp -s "$src/MANIFEST.json" "$dest/MANIFEST.json"; then
    rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && cp -r "$src" "$dest"
  fi
}

# .cache/matrix/<version>: made once, remade only when what it should hold changes (a stamp, as
# tools/bootstrap.sh does for .venv).
make_venv() {
  local version=$1 venv=$cache/$1 want
  want=$( { echo "ansible-core==$version"; test_requirements; } | sha256sum | cut -d' ' -f1)
  if [ -x "$venv/bin/ansible-test" ] && [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  echo "    making $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || return 1
  # shellcheck disable=SC2046  # one requirement a word
  "$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$version" $(test_requirements) 2>&1 |
    grep -v -e '^WARNING: Location' >&2
  [ "${PIPESTATUS[0]}" -eq 0 ] && echo "$want" > "$venv/.requirements.sha256"
}

# One version: sanity, then pytest, logged to .cache/matrix/<version>.log. Prints one line.
run_version() {
  local version=$1 venv=$cache/$1 start used status=0 log=$cache/$1.log
  start=$(date +%s)
  used=$("$venv/bin/ansible-playbook" --version | sed -n '1s/.*\[core \([0-9.]*\)\].*/\1/p')
  {
    echo "== ansible-core $version: $venv/bin/ansible-playbook reports $used"
    [ "$used" = "$version" ] || { echo "expected ansible-core $version, the venv has '$used'"; exit 1; }
    PATH="$venv/bin:$PATH" bash tools/sanity.sh || { echo "sanity failed"; exit 1; }
    echo "sanity took $(( $(date +%s) - start )) s"
    PATH="$venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$top/collections:$cache/collections" \
      WEBFLEET_EXPECT_ANSIBLE_CORE=$version "$venv/bin/python" -m pytest -n 2 -q "${TESTS[@]}"
  } > "$log" 2>&1 || status=1
  local took=$(( $(date +%s) - start )) summary sanity
  summary=$(grep -E '^[0-9]+ (passed|failed)|^(FAILED|ERROR) |sanity failed|expected ansible-core' "$log" | tail -n 1)
  sanity=$(sed -n 's/^sanity took \([0-9]*\) s$/\1/p' "$log")
  if [ $status -eq 0 ]; then
    printf 'matrix: ansible-core %-8s passed  %4s s  (ansible-playbook/-inventory %s; sanity %s s; pytest %s)\n' \
      "$version" "$took" "$used" "$sanity" "$summary"
  else
    printf 'matrix: ansible-core %-8s FAILED  %4s s  (%s; log: %s)\n' "$version" "$took" "$summary" "$log"
  fi
  return $status
}

posix_collection || { echo "matrix: cannot copy ansible.posix from $main_venv"; exit 1; }
for v in "${VERSIONS[@]}"; do
  make_venv "$v" || { echo "matrix: could not make the venv for ansible-core $v"; exit 1; }
done
[ -n "${MATRIX_SETUP_ONLY:-}" ] && exit 0

failed=0
for v in "${VERSIONS[@]}"; do
  run_version "$v" || failed=1
done
exit $failed
