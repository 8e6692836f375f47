#!/usr/bin/env bash
# Sets up a fresh machine (Debian 12, root), starts berthd on its embedded defaults and drives it with both
# berth and the stock ctr: builds a busybox image from Debian's busybox-static, imports and unpacks it,
# lists and checks it, mounts its root filesystem and runs busybox from it. Stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
bin=$(swift build -c release --show-bin-path)
socket=/run/berth/berth.sock
work=$(mktemp -d /tmp/berth-demo.XXXXXX)
log="$work/berthd.log"

"$bin/berthd" >"$log" 2>&1 &
daemon=$!
cleanup() {
  umount "$work/rootfs" 2>/dev/null || true
  kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 200); do
  grep -q "berthd serving" "$log" && break
  kill -0 "$daemon" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.05
done

# A one-layer image holding busybox, built with umoci and packed by skopeo (independent tools).
umoci init --layout "$work/oci" >/dev/null
umoci new --image "$work/oci:latest"
umoci unpack --image "$work/oci:latest" "$work/bundle" >/dev/null
cp /bin/busybox "$work/bundle/rootfs/busybox"
umoci repack --image "$work/oci:latest" "$work/bundle"
umoci config --image "$work/oci:latest" --config.cmd /busybox --config.cmd sh
skopeo copy -q "oci:$work/oci:latest" "oci-archive:$work/busybox.tar:docker.io/library/busybox:demo"

set -x
"$bin/berth" version
"$bin/berth" images import "$work/busybox.tar"
"$bin/berth" images ls
ctr --address "$socket" images check
mkdir -p "$work/rootfs"
ctr --address "$socket" images mount docker.io/library/busybox:demo "$work/rootfs"
chroot "$work/rootfs" /busybox echo "hello from an image unpacked by berthd"
ctr --address "$socket" images unmount --rm "$work/rootfs"
"$bin/berth" namespaces ls
"$bin/berth" plugins ls
