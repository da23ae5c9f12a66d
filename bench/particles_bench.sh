#!/usr/bin/env bash
# Particle benchmark: renders (render-only, no encode) a 1920x1080 scene with
#  - the default confetti burst (1,500 particles at half resolution), and
#  - a 100,000-particle burst at full resolution,
# for the first N frames after the burst (defaults: 90 frames = 3 s at 30 fps,
# the whole life of the burst), and prints ms per frame for each.
#
#   bench/particles_bench.sh [--frames N] [--build DIR]   (defaults: 90, ./build)
#
# "wall ms/frame" is wall time / frames (what real time at 30 fps needs under
# 33.3 ms); "gpu p50/p99" are the frames' GPU times from timestamp queries.
# On a machine without a GPU this runs on lavapipe ("device" says which).
set -euo pipefail

FRAMES=90
BUILD=./build
while (($#)); do
  case $1 in
    --frames) FRAMES=${2:?--frames needs N}; shift 2 ;;
    --build) BUILD=${2:?--build needs DIR}; shift 2 ;;
    *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
MARQUEE=$BUILD/editor/marquee
[[ $MARQUEE = /* ]] || MARQUEE=$PWD/$MARQUEE
TMP=$(mktemp -d "${TMPDIR:-/tmp}/particles_bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
json_number() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\(-\{0,1\}[0-9][0-9.eE+-]*\).*/\1/p" "$2" | head -n1; }
json_string() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$2" | head -n1; }

for name in particles_default particles_100k; do
  "$MARQUEE" render "$HERE/scenes/$name.json" --frames "$FRAMES" --render-only \
    --stats "$TMP/$name.json" >"$TMP/$name.log" 2>&1 || { cat "$TMP/$name.log" >&2; exit 1; }
  wall=$(json_number wall_s "$TMP/$name.json")
  p50=$(json_number p50 "$TMP/$name.json")
  p99=$(json_number p99 "$TMP/$name.json")
  device=$(json_string device "$TMP/$name.json")
  awk -v n="$name" -v w="$wall" -v f="$FRAMES" -v p50="$p50" -v p99="$p99" -v d="$device" \
    'BEGIN { printf "%-18s %d frames 1920x1080: wall %.1f ms/frame, gpu p50 %.1f ms, p99 %.1f ms (%s)\n", n, f, 1000 * w / f, p50, p99, d }'
done
