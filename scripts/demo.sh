#!/usr/bin/env bash
# Sets up a fresh machine (Debian 12, root), starts berthd on its embedded defaults and drives it
# with both berth and the stock ctr. Stops the daemon it started when done.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
bin=$(swift build -c release --show-bin-path)
socket=/run/berth/berth.sock

log=$(mktemp /tmp/berthd-demo.XXXXXX.log)
"$bin/berthd" >"$log" 2>&1 &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 200); do
  grep -q "berthd serving" "$log" && break
  kill -0 $daemon 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.05
done
set -x
"$bin/berth" version
"$bin/berth" namespaces create demo team=platform 2>/dev/null || "$bin/berth" namespaces label demo team=platform
"$bin/berth" namespaces ls
ctr --address "$socket" namespaces ls
"$bin/berth" plugins ls
