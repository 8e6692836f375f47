#!/usr/bin/env bash
# Sets up a fresh machine (Debian 12, root) and runs Berth's whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
