#!/usr/bin/env bash
# Regenerates Sources/BerthAPI from Protos/ (Berth's copy of containerd's v1 wire contract).
# The protoc plugins are built once, in release, in a scratch folder outside the repo; CI never runs this.
# Needs: protoc (Debian's protobuf-compiler) and the Swift package mirror.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tools=${BERTH_PROTOC_TOOLS:-/tmp/berth-protoc-plugins}

build_plugins() {
  if [[ -x "$tools/protoc-gen-swift" && -x "$tools/protoc-gen-grpc-swift-2" ]]; then return; fi
  mkdir -p "$tools/src"
  if [[ ! -d "$tools/src/grpc-swift-protobuf" ]]; then
    git clone -q https://github.com/grpc/grpc-swift-protobuf "$tools/src/grpc-swift-protobuf"
  fi
  (cd "$tools/src/grpc-swift-protobuf" && git checkout -q 2.4.1 &&
    swift build -c release --product protoc-gen-grpc-swift-2 &&
    swift build -c release --product protoc-gen-swift)
  cp "$tools/src/grpc-swift-protobuf/.build/release/protoc-gen-swift" "$tools/"
  cp "$tools/src/grpc-swift-protobuf/.build/release/protoc-gen-grpc-swift-2" "$tools/"
}

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
build_plugins
out="$repo/Sources/BerthAPI/Generated"
rm -rf "$out" && mkdir -p "$out"
cd "$repo/Protos"
mapfile -t all < <(find . -name '*.proto' | sed 's|^\./||' | sort)
# gRPC code only for the v1 gRPC services; the ttrpc services (shim task API, ttrpc events) get messages only.
mapfile -t grpc < <(grep -l '^service ' "${all[@]}" | grep -v -e '/ttrpc/' -e '/runtime/' | sort)

protoc -I . --plugin=protoc-gen-swift="$tools/protoc-gen-swift" \
  --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
  --swift_out="$out" "${all[@]}"
protoc -I . --plugin=protoc-gen-grpc-swift-2="$tools/protoc-gen-grpc-swift-2" \
  --grpc-swift-2_opt=Visibility=Public --grpc-swift-2_opt=FileNaming=PathToUnderscores \
  --grpc-swift-2_opt=Server=true --grpc-swift-2_opt=Client=true \
  --grpc-swift-2_out="$out" "${grpc[@]}"
echo "generated $(ls "$out" | wc -l) files into ${out#$repo/}"
python3 "$repo/scripts/generate-unary-routes.py"
