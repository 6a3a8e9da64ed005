#!/usr/bin/env bash
# `ansible-galaxy collection build` makes a tarball that installs and works like the checkout:
# it carries no tests/bench/molecule/CI files, every plugin and role loads from the installed copy,
# and from an empty directory (no ansible.cfg, no -i) `ansible-playbook webfleet.aws.site` builds the
# local default and `webfleet.aws.teardown` removes it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/webfleet-build.XXXXXX)
state="$work/state"
port=""
cleanup() {
  # whatever happened: no endpoint or instance container of this check is left behind
  if [ -n "$port" ]; then
    WEBFLEET_STATE_DIR="$state" python "$top/tools/local_aws.py" stop --port "$port" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$top"
ansible-galaxy collection build --output-path "$work" --force >/dev/null
tarball=$(ls "$work"/webfleet-aws-*.tar.gz)
echo "    built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
listing=$(tar -tzf "$tarball")
if grep -E '^(tests|bench|molecule|\.ci|collections|\.venv|\.git)/|(^|/)__pycache__/|^(ansible\.cfg|pytest\.ini|ruff\.toml|requirements-dev\.txt)$' <<<"$listing"; then
  echo "the tarball carries files build_ignore should keep out (above)" >&2
  exit 1
fi
for needed in LICENSE changelogs/changelog.yaml meta/runtime.yml tools/local_aws.py tools/sample_site.py \
              roles/settings/defaults/main.yml requirements.txt requirements-local.txt; do
  grep -qx "$needed" <<<"$listing" || { echo "the tarball lacks $needed" >&2; exit 1; }
done
echo "    contents by top-level entry: $(awk -F/ '{print $1}' <<<"$listing" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}' | sed 's/, $//')"

# Installed as a user installs it (dependencies come from the `ansible` package here: Galaxy is out of
# reach), used from an empty directory with no ansible.cfg and no inventory.
installed="$work/installed"
mkdir "$work/empty"
cd "$work/empty"
unset ANSIBLE_CONFIG  # not the checkout's: it puts the checkout itself on the collections path
export ANSIBLE_COLLECTIONS_PATH="$installed" ANSIBLE_NOCOLOR=1
ansible-galaxy collection install --no-deps -p "$installed" "$tarball" >/dev/null
[ -f "$installed/ansible_collections/webfleet/aws/MANIFEST.json" ] || { echo "the tarball did not install into $installed" >&2; exit 1; }
count=0
for m in $(sed -n 's#^plugins/modules/\([a-z_0-9]*\)\.py$#\1#p' <<<"$listing"); do
  ansible-doc "webfleet.aws.$m" >/dev/null
  count=$((count + 1))
done
for r in nginx site vhost settings; do
  ansible-doc -t role "webfleet.aws.$r" >/dev/null 2>&1 || { echo "role webfleet.aws.$r does not load from the tarball" >&2; exit 1; }
done
echo "    installed from the tarball: $count modules and 4 roles load"

# The whole local flow from the installed copy, on its own endpoint port and state directory.
free_port() { python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
git_port=$(free_port)  # the sample site's git daemon: not the default 9418 a user's `up` may be serving
export WEBFLEET_STATE_DIR="$state"
# the lab's clock 10x (the endpoint the playbook starts inherits it): InService after the SPEC's
# health checks (10 x 30 s) takes 30 s instead of 300 s; the flow is the same
export WEBFLEET_LAB_SPEED=10
started=$(date +%s)
ansible-playbook webfleet.aws.site -e "webfleet_endpoint_url=http://127.0.0.1:$port" -e "webfleet_site_daemon_port=$git_port" >"$work/site.log" 2>&1 \
  || { tail -60 "$work/site.log"; echo "ansible-playbook webfleet.aws.site failed from the installed collection" >&2; exit 1; }
grep -q "resources as the SPEC says" "$work/site.log" || { tail -60 "$work/site.log"; echo "verify did not run" >&2; exit 1; }
echo "    webfleet.aws.site from an empty directory: $(( $(date +%s) - started )) s, $(grep -c '^ok: \|^changed: ' "$work/site.log") task results"
started=$(date +%s)
ansible-playbook webfleet.aws.teardown -e "webfleet_endpoint_url=http://127.0.0.1:$port" -e "webfleet_site_daemon_port=$git_port" >"$work/teardown.log" 2>&1 \
  || { tail -60 "$work/teardown.log"; echo "ansible-playbook webfleet.aws.teardown failed from the installed collection" >&2; exit 1; }
left=$(docker ps -aq --filter "label=webfleet.local-aws.port=$port" | wc -l)
[ "$left" = 0 ] || { echo "teardown left $left instance container(s)" >&2; exit 1; }
if python "$top/tools/local_aws.py" status --port "$port" >/dev/null; then
  echo "teardown left the endpoint it started running" >&2; exit 1
fi
port=""
echo "    webfleet.aws.teardown: $(( $(date +%s) - started )) s; no instance container and no endpoint left"
