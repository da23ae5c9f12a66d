#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit, GPU
# golden-image and end-to-end tests) with the Vulkan validation layer on. GPU
# tests run on Mesa's lavapipe when there is no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
./.ci/setup-debian.sh
./.ci/build.sh
ctest --test-dir "${MARQUEE_BUILD_DIR:-build}" --output-on-failure -j 2 --timeout 600
