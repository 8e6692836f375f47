#!/usr/bin/env bash
# Installs the Debian packages Berth builds, tests and runs with. Idempotent; needs root.
set -euo pipefail
packages=(
  libsqlite3-dev sqlite3   # metadata database (GRDB links the system SQLite)
  containerd               # the stock ctr client, the reference daemon and containerd-shim-runc-v2
  runc crun                # OCI runtimes
  busybox-static           # test images are built from it
  python3                  # test fixtures (hostile tar archives)
  docker-registry skopeo umoci  # registry and image tools for distribution tests
  openssl apache2-utils    # test registries: TLS certificates, bcrypt htpasswd files
  curl systemd             # operability tests: metrics scrapes, systemd-analyze verify of the unit
  libarchive-dev libzstd-dev zlib1g-dev libisal-dev  # layer (de)compression; ISA-L inflates gzip layers
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian containerd package starts its own daemon; Berth's tests start their own when they need one.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet containerd 2>/dev/null; then
  systemctl stop containerd || true
fi
