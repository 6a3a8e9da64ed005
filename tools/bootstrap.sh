#!/usr/bin/env bash
# Install everything the main job and the tests need, on a fresh Debian 12 (or
# Ubuntu) machine as root: OS packages, the Docker engine (started if not running),
# a Python venv with the pinned dev requirements, and the locally built images.
# Safe to rerun: each step is skipped when already done.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
log() { printf '\033[1m== %s\033[0m\n' "$*"; }

# --- OS packages ------------------------------------------------------------------
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v iptables >/dev/null || need+=(iptables)
command -v zstd >/dev/null || need+=(zstd)        # Ubuntu's .debs are zstd-compressed
command -v wrk >/dev/null || need+=(wrk)          # bench/
command -v git >/dev/null || need+=(git)          # also git daemon: the sample site for local mode
command -v pkill >/dev/null || need+=(procps)    # teardown.yml stops that git daemon
command -v curl >/dev/null || need+=(curl)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

# --- Docker engine -----------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  setsid dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/dockerd.log; echo "dockerd did not start" >&2; exit 1; }
fi

# --- Python venv ------------------------------------------------------------------
venv=${WEBFLEET_VENV:-$top/.venv}
stamp="$venv/.requirements.sha256"
want=$(cat requirements.txt requirements-local.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "python venv $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip
  # (this machine's pip configuration names local indexes that may be missing: their warnings are noise)
  "$venv/bin/pip" install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | { grep -v '^WARNING: Location' || true; }
  echo "$want" > "$stamp"
fi

# --- local base images ---------------------------------------------------------------
log "base images"
bash tools/images.sh
