#!/usr/bin/env bash
# Sets up a fresh machine (Debian 12, root) and runs Berth's whole test suite.
# Arguments, if any, go to `swift test` (e.g. --filter ContainersTasksTests) for a single run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
if (($#)); then
  exec swift test --skip-build "$@"
fi
# Two runs: the integration tests block their threads while they drive real processes (berthd, ctr, runc),
# and on two cores that starves the async suites' own loopback servers (ttrpc, registries) into timeouts.
swift test --skip-build --skip '^IntegrationTests\.'
swift test --skip-build --filter '^IntegrationTests\.'
