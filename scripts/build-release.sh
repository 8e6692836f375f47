#!/usr/bin/env bash
# Builds Berth's release binaries (berthd, berth, containerd-shim-berth-v1); extra arguments go to
# `swift build` (e.g. --build-path). The flags apply to every module, swift-nio and grpc-swift included:
#
#   -disable-concrete-type-metadata-mangled-name-accessors: code asks for a generic type's metadata through
#     its accessor instead of by mangled name. By name, the runtime checks the type's generic requirements
#     (`Key: Hashable`, `Message: SwiftProtobuf.Message`) by scanning all 13,000 protocol conformance
#     records, once per type and protocol: 80M of the 138M instructions of one `berth run --rm`, and the
#     same cold start in every shim process and in berthd's first pull.
#   -enforce-exclusivity=unchecked: no runtime exclusivity checks (5 % of berthd's instructions per
#     `ctr run --rm`, mostly in swift-nio). Debug builds, which the tests use, keep them.
#
# bench/README.md has the measurements.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift build -c release "$@" \
  -Xswiftc -enforce-exclusivity=unchecked \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors
