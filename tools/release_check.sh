#!/usr/bin/env bash
# Release hygiene and the execution environment, offline (no image is built: the EE's base image
# comes from a registry this machine cannot reach):
# - the licence file is the GPL v3 galaxy.yml declares;
# - antsibull-changelog: the fragments and changelogs/changelog.yaml lint clean, and CHANGELOG.rst
#   is what changelog.yaml renders;
# - ansible-builder create: the build context of execution-environment.yml holds the collection's
#   tarball with its meta/execution-environment.yml, requirements.txt and bindep.txt, and the
#   builder's own introspect step, run on that tarball installed, finds boto3, botocore and git
#   (and leaves local mode's Docker out of the EE).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/webfleet-release.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$top"
fail() { echo "release check: $*" >&2; exit 1; }

# --- licence ---------------------------------------------------------------------------------
grep -qx -- '  - GPL-3.0-or-later' galaxy.yml || fail "galaxy.yml no longer declares GPL-3.0-or-later: LICENSE must follow it"
head -2 LICENSE | grep -q 'GNU GENERAL PUBLIC LICENSE' && head -2 LICENSE | grep -q 'Version 3, 29 June 2007' \
  || fail "LICENSE is not the GPL v3 text galaxy.yml declares"

# --- changelog -------------------------------------------------------------------------------
antsibull-changelog lint
antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
antsibull-changelog generate --output "$work/CHANGELOG.rst" --output-format rst
diff -u CHANGELOG.rst "$work/CHANGELOG.rst" \
  || fail "CHANGELOG.rst is not what changelogs/changelog.yaml renders: run antsibull-changelog generate"
echo "    changelog: $(ls changelogs/fragments/*.y*ml 2>/dev/null | wc -l) unreleased fragment(s), CHANGELOG.rst up to date"

# --- execution environment: build context ----------------------------------------------------
# The EE file takes the tarball from .cache/ee next to it: build both in the work directory.
cp execution-environment.yml "$work/"
ansible-galaxy collection build --force --output-path "$work/.cache/ee" >/dev/null
ansible-builder create -f "$work/execution-environment.yml" -c "$work/context" >/dev/null
ctx=$work/context
containerfile=$ctx/Containerfile  # Dockerfile when the container runtime is docker
[ -f "$containerfile" ] || containerfile=$ctx/Dockerfile
[ -f "$containerfile" ] || fail "ansible-builder create wrote no Containerfile"
tarball=$(ls "$ctx"/_build/collection/webfleet-aws-*.tar.gz)
tar -tzf "$tarball" > "$work/contents.txt"
for f in meta/execution-environment.yml requirements.txt bindep.txt LICENSE changelogs/changelog.yaml; do
  grep -qx "$f" "$work/contents.txt" || fail "the EE's collection tarball has no $f"
done
grep -q 'ansible-galaxy collection install .*-r requirements.yml' "$containerfile" \
  || fail "the Containerfile installs no collections"
grep -q '/tmp/webfleet/webfleet-aws.tar.gz' "$ctx/_build/requirements.yml" \
  || fail "the EE's galaxy requirements do not name the collection tarball"

# What the builder stage does with the installed collection (introspect.py from the context):
# (its own collections path: the checkout's collections/ link would count as installed already)
ANSIBLE_COLLECTIONS_PATH="$work/installed" ansible-galaxy collection install --no-deps -p "$work/installed" "$tarball" >/dev/null
python3 "$ctx/_build/scripts/introspect.py" introspect "$work/installed" \
  --write-pip "$work/pip.txt" --write-bindep "$work/bindep.txt" >/dev/null
for p in boto3 botocore; do
  grep -q "^$p.*# from collection webfleet.aws" "$work/pip.txt" || fail "the EE would not get $p: $(cat "$work/pip.txt")"
done
! grep -q '^ansible-core' "$work/pip.txt" || fail "the EE would reinstall ansible-core from the collection's requirements"
# the assemble step installs bindep's default profile: git and ssh, not local mode's Docker
bindep -f "$work/bindep.txt" -l newline > "$work/system.txt" || true
grep -qx git "$work/system.txt" || fail "the EE would not get git: $(cat "$work/system.txt")"
! grep -qx docker.io "$work/system.txt" || fail "the EE would get local mode's docker.io"
echo "    EE context: $(basename "$tarball"), python: $(grep -o '^[a-z0-9-]*' "$work/pip.txt" | sort -u | paste -sd' '),"\
  "system here: $(paste -sd' ' "$work/system.txt")"
