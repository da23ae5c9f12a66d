#!/usr/bin/env bash
# Sample-show benchmark: renders (render-only, no encode) each of the five
# vertical sample shows in scenes/ at 1080x1920 for N frames (default 300 =
# 10 s at 30 fps, with its sample data feed where it has one, so counters,
# rules and their effects run as in the show), and prints frame time p50/p99
# (wall time per frame from submit to the GPU finishing), the frame rate over
# the run and the share of tiles reused from the previous frame.
#
#   bench/sample_shows_bench.sh [--frames N] [--build DIR] [--full-redraw]
#
# --full-redraw composites every tile of every frame (no tile reuse): the
# cost of the composite itself. The shows draw live data, particles and
# animated widgets that FFmpeg's filter graph cannot express, so there is no
# FFmpeg peer here; bench/composite_bench.sh compares the compositor with
# FFmpeg on a composite both can do. On a machine without a GPU this runs on
# lavapipe ("device" says which).
set -euo pipefail

FRAMES=300
BUILD=./build
EXTRA=()
while (($#)); do
  case $1 in
    --frames) FRAMES=${2:?--frames needs N}; shift 2 ;;
    --build) BUILD=${2:?--build needs DIR}; shift 2 ;;
    --full-redraw) EXTRA+=(--full-redraw); shift ;;
    *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MARQUEE=$BUILD/editor/marquee
[[ $MARQUEE = /* ]] || MARQUEE=$PWD/$MARQUEE
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sample_shows_bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
json_number() { tr -d '\n ' < "$2" | grep -oE "\"$1\":\{[^}]*\"$3\":-?[0-9.eE+-]+" | grep -oE '[-0-9.eE+]+$' | head -n1; }
json_value() { tr -d '\n ' < "$2" | grep -oE "\"$1\":-?[0-9.eE+-]+" | grep -oE '[-0-9.eE+]+$' | head -n1; }

printf '%-22s %6s %9s %9s %8s %8s\n' scene frames "p50 ms" "p99 ms" fps reused
for name in drop-event studio-residency creator-variety-hour warehouse-tour tutorial-workshop; do
  data=()
  [[ -f $ROOT/scenes/data/$name.jsonl ]] && data=(--data "$ROOT/scenes/data/$name.jsonl")
  "$MARQUEE" render "$ROOT/scenes/$name.json" "${data[@]}" --frames "$FRAMES" --render-only \
    "${EXTRA[@]}" --stats "$TMP/$name.json" >"$TMP/$name.log" 2>&1 || { cat "$TMP/$name.log" >&2; exit 1; }
  p50=$(json_number render_ms "$TMP/$name.json" p50)
  p99=$(json_number render_ms "$TMP/$name.json" p99)
  wall=$(json_value wall_s "$TMP/$name.json")
  reused=$(json_value reused_fraction "$TMP/$name.json")
  awk -v n="$name" -v f="$FRAMES" -v a="$p50" -v b="$p99" -v w="$wall" -v r="$reused" \
    'BEGIN { printf "%-22s %6d %9.1f %9.1f %8.1f %7.1f%%\n", n, f, a, b, f / w, 100 * r }'
done
echo "device: $(tr -d '\n' < "$TMP/drop-event.json" | grep -oE '"device": *"[^"]*"' | sed 's/.*: *//')"
