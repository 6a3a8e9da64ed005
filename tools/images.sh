#!/usr/bin/env bash
# Build the local base images the tests and the local bake use. No registry is
# reachable here, so each image starts from a debootstrap'ed root file system.
# Safe to rerun: an image that already exists is kept (pass --force to rebuild).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
force=0
[ "${1:-}" = "--force" ] && force=1

DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
UBUNTU_MIRROR=${UBUNTU_MIRROR:-http://archive.ubuntu.com/ubuntu}

# name  suite  mirror  components
PLATFORMS=(
  "debian12 bookworm $DEBIAN_MIRROR main"
  "ubuntu2404 noble $UBUNTU_MIRROR main,universe"
)

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

build_rootfs_image() {
  local name=$1 suite=$2 mirror=$3 components=$4
  local base="webfleet/${name}-rootfs:latest"
  if [ "$force" = 1 ] || ! have_image "$base"; then
    local dir; dir=$(mktemp -d "/tmp/webfleet-${name}.XXXXXX")
    echo ">> debootstrap $suite into $dir"
    # Debian 12's debootstrap has no script for newer Ubuntu suites; gutsy's serves them all.
    local script=/usr/share/debootstrap/scripts/$suite
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/gutsy
    debootstrap --variant=minbase --components="$components" "$suite" "$dir" "$mirror" "$script" >"$dir.log" 2>&1 \
      || { tail -20 "$dir.log"; exit 1; }
    tar -C "$dir" -c . | docker import - "$base" >/dev/null
    rm -rf "$dir" "$dir.log"
  fi
  local image="webfleet/${name}:latest"
  if [ "$force" = 1 ] || ! have_image "$image"; then
    echo ">> docker build $image"
    docker build -q -t "$image" --build-arg "BASE=$base" "$here/images/systemd" >/dev/null
  fi
  echo "image $image ready"
}

pids=()
for p in "${PLATFORMS[@]}"; do
  # shellcheck disable=SC2086
  build_rootfs_image $p &
  pids+=("$!")
done
# A bare `wait` returns 0 whatever the builds did: wait for each and fail if any failed.
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=$((failed + 1))
done
if [ "$failed" -gt 0 ]; then
  echo "images.sh: $failed of ${#pids[@]} image builds failed (see above)" >&2
  exit 1
fi
