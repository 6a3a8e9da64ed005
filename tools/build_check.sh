#!/usr/bin/env bash
# `ansible-galaxy collection build` makes a tarball that installs and works like the checkout:
# install it into an empty collections path and load every plugin from there.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/webfleet-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$top"
ansible-galaxy collection build --output-path "$work" --force >/dev/null
tarball=$(ls "$work"/webfleet-aws-*.tar.gz)
echo "    built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
if tar -tzf "$tarball" | grep -E '(^|/)(\.venv|\.git|collections|tests/output|__pycache__)/' ; then
  echo "the tarball carries files build_ignore should keep out" >&2
  exit 1
fi
cd "$work"  # away from the checkout and its ansible.cfg
printf '[defaults]\ncollections_path = %s\n' "$work/installed" > "$work/ansible.cfg"
export ANSIBLE_CONFIG="$work/ansible.cfg"
ansible-galaxy collection install -p "$work/installed" "$tarball" >/dev/null
count=0
for m in $(tar -tzf "$tarball" | sed -n 's#^plugins/modules/\([a-z_0-9]*\)\.py$#\1#p'); do
  ansible-doc "webfleet.aws.$m" >/dev/null
  count=$((count + 1))
done
for r in nginx site vhost; do
  ansible-doc -t role "webfleet.aws.$r" >/dev/null 2>&1 || { echo "role webfleet.aws.$r does not load from the tarball" >&2; exit 1; }
done
echo "    installed from the tarball: $count modules and 3 roles load"
