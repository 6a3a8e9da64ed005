#!/usr/bin/env bash
# ansible-test sanity (compile + validate-modules) on a copy of the collection laid out
# as ansible-test wants it: .../ansible_collections/webfleet/aws.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/webfleet-sanity.XXXXXX)
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/webfleet/aws"
mkdir -p "$dest"
cd "$top"
# tracked and new (not ignored) files, without the self-referencing collections/ link
git ls-files -co --exclude-standard | grep -v '^collections/' | while read -r f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$dest"
cd "$dest"
git init -q && git add -A >/dev/null
# ansible-test bootstraps pip in its venvs with a script from a host this network cannot
# reach; it looks for a cached copy first (path printed when missing), so put ours there.
mkdir -p ~/.ansible/test/cache
cp "$top/tools/get_pip_shim.py" ~/.ansible/test/cache/get_pip_24_2.py
python_version=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
run_sanity() {
  ansible-test sanity --color no --python "$python_version" --venv --requirements \
    --test compile --test validate-modules --test import plugins/ 2>&1 | grep -v -e '^WARNING: Location' -e '^Looking in'
  return "${PIPESTATUS[0]}"
}
out=$(mktemp)
if ! run_sanity | tee "$out"; then
  wanted=$(sed -n 's/.*manually downloaded and saved to: //p' "$out" | head -1)
  if [ -n "$wanted" ]; then
    cp "$top/tools/get_pip_shim.py" "$wanted"
    run_sanity
  else
    exit 1
  fi
fi
