#!/usr/bin/env bash
# Sets up a fresh machine (Debian 12, root), starts berthd on its embedded defaults and drives it with both
# berth and the stock ctr: builds a busybox image from Debian's busybox-static, imports and unpacks it,
# lists and checks it, mounts its root filesystem, then runs containers from it through runtime v2 shims
# (runc) with `berth run` and `ctr run` and shows their output. Stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-release.sh
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
mkdir -p "$work/bundle/rootfs/bin"
cp /bin/busybox "$work/bundle/rootfs/busybox"
for applet in sh echo hostname id sleep uname; do ln -s ../busybox "$work/bundle/rootfs/bin/$applet"; done
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
# Containers: a shim per task (containerd-shim-runc-v2), runc underneath.
"$bin/berth" run --rm docker.io/library/busybox:demo hello echo "hello from a container run by berthd"
"$bin/berth" run --rm docker.io/library/busybox:demo ident sh -c 'echo "uid=$(id -u) hostname=$(hostname) kernel=$(uname -r)"'
ctr --address "$socket" run -d docker.io/library/busybox:demo web sleep 1000
ctr --address "$socket" tasks ls
"$bin/berth" tasks exec --exec-id probe web echo "exec inside a running task"
ctr --address "$socket" tasks kill -s KILL web
sleep 0.5
ctr --address "$socket" tasks rm web
ctr --address "$socket" containers rm web
"$bin/berth" namespaces ls
"$bin/berth" plugins ls
