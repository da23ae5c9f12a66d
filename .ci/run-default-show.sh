#!/usr/bin/env bash
# The main job: install what is missing, build, and render the default show
# scene (scenes/default.json, with its bundled assets) to out/default-show.mp4.
set -euo pipefail
cd "$(dirname "$0")/.."
./.ci/setup-debian.sh
./.ci/build.sh
mkdir -p out
./build/editor/marquee render scenes/default.json -o out/default-show.mp4 --duration "${MARQUEE_DURATION:-10}" \
  --stats out/default-show.stats.json
echo "render statistics: $(pwd)/out/default-show.stats.json"
