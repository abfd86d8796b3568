#!/usr/bin/env bash
# The test command: system packages, fixtures (cached in .cache/), one release
# build, then every test suite. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/fixtures.sh
scripts/build.sh
swift test -c release --skip-build "$@"
