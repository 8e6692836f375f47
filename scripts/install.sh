#!/usr/bin/env bash
# Installs Berth: berthd, berth and containerd-shim-berth-v1 into $PREFIX/bin (default /usr/local), berthd's
# systemd unit, a default /etc/berth/config.toml (kept if present), and berth's shell completions.
# DESTDIR stages everything under a folder instead (for packaging); BERTH_BIN names prebuilt binaries.
# Then: systemctl daemon-reload && systemctl enable --now berthd
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PREFIX:-/usr/local}
dest=${DESTDIR:-}
bin=${BERTH_BIN:-$repo/.build/release}
if [[ ! -x "$bin/berthd" ]]; then
  (cd "$repo" && scripts/build-release.sh)
fi

for tool in berthd berth containerd-shim-berth-v1; do
  install -D -m 0755 "$bin/$tool" "$dest$prefix/bin/$tool"
done
install -d -m 0755 "$dest/etc/systemd/system"
sed "s|/usr/local/bin/berthd|$prefix/bin/berthd|" "$repo/packaging/systemd/berthd.service" \
  > "$dest/etc/systemd/system/berthd.service"
chmod 0644 "$dest/etc/systemd/system/berthd.service"
if [[ ! -e "$dest/etc/berth/config.toml" ]]; then
  install -d -m 0755 "$dest/etc/berth"
  "$bin/berthd" config default > "$dest/etc/berth/config.toml"
fi
install -d "$dest/usr/share/bash-completion/completions" "$dest/usr/share/zsh/vendor-completions" \
  "$dest/usr/share/fish/vendor_completions.d"
"$bin/berth" --generate-completion-script bash > "$dest/usr/share/bash-completion/completions/berth"
"$bin/berth" --generate-completion-script zsh > "$dest/usr/share/zsh/vendor-completions/_berth"
"$bin/berth" --generate-completion-script fish > "$dest/usr/share/fish/vendor_completions.d/berth.fish"
install -D -m 0644 "$repo/README.md" "$dest$prefix/share/doc/berth/README.md"
cp -r "$repo/docs/." "$dest$prefix/share/doc/berth/"

if [[ -z "$dest" ]] && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  echo "installed; start with: systemctl enable --now berthd"
else
  echo "installed under ${dest:-/}"
fi
