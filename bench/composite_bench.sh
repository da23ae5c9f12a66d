#!/usr/bin/env bash
# Compositing benchmark: Marquee against an FFmpeg filter graph doing the same
# eight-layer 1920x1080 composite on the same inputs, same frame count.
#
#   bench/composite_bench.sh [--frames N] [--build DIR]     (defaults: 300, ./build)
#                            [--ffmpeg-frame OUT.png]  also save FFmpeg's first frame
#
# 1. Marquee:  $BUILD/editor/marquee render bench/scenes/eight_layers.json
#                --frames N --render-only --stats $TMP/stats.json
#    composites every frame and converts it to NV12, without encoding. Its fps
#    is frames / wall_s from the stats file (render_ms p50/p99 are GPU times).
#    Run twice: as shipped (tiles unchanged since the previous frame are
#    copied from it; on this static scene that is nearly all of them) and with
#    --full-redraw (every tile composited every frame, like for like with
#    FFmpeg, which recomputes every frame). Both ratios are printed.
# 2. FFmpeg:   one ffmpeg run whose filter graph builds the same picture every
#    frame and writes yuv420p to the null muxer (-f null -), timed with the wall
#    clock around the run (and -benchmark's utime/rtime, printed for reference).
#
# Both run on the CPU here: Marquee on Mesa's lavapipe Vulkan driver (unless a
# GPU is present; "device" in the output says which), FFmpeg with its default
# filter threading. Both use all cores by default; set LP_NUM_THREADS and
# FFMPEG_THREADS (passed as -filter_threads) to pin them.
#
# How the FFmpeg graph differs from the Marquee scene (it is a peer, not a
# pixel-exact replica):
#  - Rounded corners (corner_radius 24) on the camera inset: not done; FFmpeg
#    has no cheap per-frame rounded mask, the inset keeps square corners.
#  - Drop shadow (offset [0,12], blur 24, #00000099): FFmpeg cannot blur a
#    layer's alpha cheaply per frame, so the shadow is rendered ONCE before the
#    timed run (a 640x360 black box, gblur sigma 12, 60% alpha, into a PNG) and
#    overlaid every frame. Marquee computes its shadow every frame, so this
#    favours FFmpeg slightly.
#  - Border: drawbox t=6 inside the scaled inset (square corners).
#  - Gradient: the top fade is a 1920x300 RGBA PNG made once with geq (alpha
#    0xaa -> 0 linearly) and overlaid every frame; Marquee evaluates its
#    gradient (interpolated in linear light) every frame.
#  - Compositing: FFmpeg's overlay/drawbox blend in gamma-encoded yuv420p with
#    straight alpha (its defaults, its fast path); Marquee blends premultiplied
#    RGBA in linear light and converts to BT.709 NV12. Marquee's picture is the
#    reference; FFmpeg's differs slightly at soft edges.
#  - Text: drawtext (FreeType, DejaVu Sans 56 px) vs Marquee's text layer
#    (HarfBuzz shaping). drawtext's y is the glyph-box top, Marquee's position
#    the line-box top, so drawtext gets y=945 for Marquee's 936 (measured: same
#    ink rows); widths differ by a few pixels (kerning/hinting).
#  - The star sticker is scaled 0.75 and rotated 12 degrees about its centre
#    every frame in both (scale + rotate filters, bilinear).
# Still images are decoded once in both: FFmpeg repeats the decoded frame with
# the loop filter (no per-frame JPEG decode), Marquee uploads textures once.
set -euo pipefail

FRAMES=300
BUILD=./build
SNAPSHOT=""
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --frames) FRAMES=${2:?--frames needs N}; shift 2 ;;
    --frames=*) FRAMES=${1#*=}; shift ;;
    --build) BUILD=${2:?--build needs DIR}; shift 2 ;;
    --build=*) BUILD=${1#*=}; shift ;;
    --ffmpeg-frame) SNAPSHOT=${2:?--ffmpeg-frame needs OUT.png}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "composite_bench: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $FRAMES =~ ^[1-9][0-9]*$ ]] || { echo "composite_bench: --frames must be a positive integer" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCENE=$ROOT/bench/scenes/eight_layers.json
IMG=$ROOT/assets/images
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
MARQUEE=$BUILD/editor/marquee
[[ $MARQUEE = /* ]] || MARQUEE=$PWD/$MARQUEE
for f in "$SCENE" "$IMG/studio_backdrop.jpg" "$IMG/camera_placeholder.jpg" "$IMG/sticker_heart.png" \
  "$IMG/sticker_fire.png" "$IMG/sticker_star.png" "$FONT"; do
  [[ -f $f ]] || { echo "composite_bench: missing $f" >&2; exit 1; }
done
command -v ffmpeg >/dev/null || { echo "composite_bench: ffmpeg not found" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/composite_bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
# json_number KEY FILE: the first number stored under "KEY" in a JSON file.
json_number() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\(-\{0,1\}[0-9][0-9.eE+-]*\).*/\1/p" "$2" | head -n1; }
json_string() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$2" | head -n1; }
fmt() { awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }

echo "composite_bench: $FRAMES frames of $(basename "$SCENE") (1920x1080, 8 layers)"

# --- Marquee -----------------------------------------------------------------
# Two runs: as shipped (a tile whose layers did not change since the previous
# frame is copied from it, which on this static scene is nearly every tile
# after the first frame), and with --full-redraw (every tile of every frame
# composited: the cost of a scene where everything moves, e.g. a full-frame
# camera under all eight layers). The second is the like-for-like comparison
# with the FFmpeg graph, which recomputes every frame.
marquee_fps=""
marquee_full_fps=""
marquee_json="null"
marquee_full_json="null"
# run_marquee LABEL [EXTRA ARGS...]: sets run_fps and run_json.
run_marquee() {
  local label=$1; shift
  echo "marquee ($label): $MARQUEE render --frames $FRAMES --render-only $*"
  local t0 t1 wall p50 p99 mx device reused
  t0=$(now)
  "$MARQUEE" render "$SCENE" --frames "$FRAMES" --render-only --stats "$TMP/stats.json" "$@" >"$TMP/marquee.log" 2>&1 || {
    echo "composite_bench: marquee failed:" >&2; cat "$TMP/marquee.log" >&2; exit 1; }
  t1=$(now)
  run_fps=$(json_number fps "$TMP/stats.json")
  wall=$(json_number wall_s "$TMP/stats.json")
  p50=$(json_number p50 "$TMP/stats.json")
  p99=$(json_number p99 "$TMP/stats.json")
  mx=$(json_number max "$TMP/stats.json")
  device=$(json_string device "$TMP/stats.json")
  reused=$(json_number reused_fraction "$TMP/stats.json")
  echo "marquee ($label): $(fmt "$run_fps") fps ($(fmt "$wall") s for $FRAMES frames; frame GPU time p50 $(fmt "$p50") ms, p99 $(fmt "$p99") ms, max $(fmt "$mx") ms; tiles reused $(awk -v r="$reused" 'BEGIN{printf "%.1f", 100*r}') %; process $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s incl. start-up) on $device"
  run_json="{\"fps\":$run_fps,\"wall_s\":$wall,\"render_ms_p50\":$p50,\"render_ms_p99\":$p99,\"render_ms_max\":$mx,\"tiles_reused_fraction\":$reused,\"device\":\"$device\"}"
}
if [[ -x $MARQUEE ]]; then
  run_marquee "tile reuse"
  marquee_fps=$run_fps marquee_json=$run_json
  run_marquee "full redraw" --full-redraw
  marquee_full_fps=$run_fps marquee_full_json=$run_json
else
  echo "marquee: not found at $MARQUEE (build it: cmake -S . -B build -G Ninja && cmake --build build --target marquee),"
  echo "         or pass --build DIR; running the FFmpeg peer only"
fi

# --- FFmpeg peer ---------------------------------------------------------------
# Static helper layers, made once (not timed).
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=black@0:s=1920x300,format=rgba,geq=r=0:g=0:b=0:a='170*(1-Y/299)'" \
  -frames:v 1 "$TMP/top_fade.png"
# Shadow of the 640x360 inset: black box at 60% (0x99) alpha, blurred (blur 24 ~ 2 sigma), with margin.
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=black@0:s=736x456,format=rgba,geq=r=0:g=0:b=0:a='153*between(X,48,687)*between(Y,48,407)',gblur=sigma=12" \
  -frames:v 1 "$TMP/inset_shadow.png"

threads=()
[[ -n ${FFMPEG_THREADS:-} ]] && threads=(-filter_threads "$FFMPEG_THREADS")
# Every input is a single decoded picture repeated by loop=-1:1 and given 30 fps
# timestamps; overlays then run on every frame.
rep="loop=loop=-1:size=1:start=0,setpts=N/30/TB"
graph="[0:v]$rep,format=yuv420p[bg];
[1:v]$rep[fade];
[2:v]$rep[shadow];
[3:v]$rep,scale=640:360:flags=bilinear,format=yuv420p,drawbox=x=0:y=0:w=640:h=360:color=white:t=6[inset];
[4:v]$rep[heart];
[5:v]$rep[fire];
[6:v]$rep,scale=192:192:flags=bilinear,rotate=12*PI/180:ow=rotw(12*PI/180):oh=roth(12*PI/180):c=none:bilinear=1[star];
[bg][fade]overlay=0:0[l1];
[l1][shadow]overlay=1240-48:40+12-48[l2];
[l2][inset]overlay=1240:40[l3];
[l3]drawbox=x=0:y=900:w=1920:h=140:color=0xd81b60@0.902:t=fill,
drawtext=fontfile=$FONT:text='Limited drop — 2 hours only':fontsize=56:fontcolor=white:x=80:y=945[l5];
[l5][heart]overlay=120:160[l6];
[l6][fire]overlay=1560:600[l7];
[l7][star]overlay=760-w/2:300-h/2,format=yuv420p[out]"

echo "ffmpeg: same composite as a filter graph, -f null"
t0=$(now)
ffmpeg -nostdin -hide_banner -benchmark "${threads[@]}" \
  -i "$IMG/studio_backdrop.jpg" -i "$TMP/top_fade.png" -i "$TMP/inset_shadow.png" \
  -i "$IMG/camera_placeholder.jpg" -i "$IMG/sticker_heart.png" -i "$IMG/sticker_fire.png" \
  -i "$IMG/sticker_star.png" \
  -filter_complex "$graph" -map '[out]' -frames:v "$FRAMES" -f null - >"$TMP/ffmpeg.log" 2>&1 || {
  echo "composite_bench: ffmpeg failed:" >&2; cat "$TMP/ffmpeg.log" >&2; exit 1; }
t1=$(now)
ffmpeg_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
ffmpeg_fps=$(awk -v n="$FRAMES" -v w="$ffmpeg_wall" 'BEGIN { printf "%.2f", n / w }')
bench=$(grep -o 'utime=[^ ]* stime=[^ ]* rtime=[^ ]*' "$TMP/ffmpeg.log" | tail -n1 || true)
frames_out=$(grep -o 'frame= *[0-9]*' "$TMP/ffmpeg.log" | tail -n1 | tr -dc 0-9 || true)
if [[ -n $frames_out && $frames_out != "$FRAMES" ]]; then
  echo "composite_bench: ffmpeg produced $frames_out frames, expected $FRAMES" >&2; exit 1
fi
if [[ -n $SNAPSHOT ]]; then  # untimed: frame 0 of the same graph, for a visual check
  ffmpeg -nostdin -v error -y \
    -i "$IMG/studio_backdrop.jpg" -i "$TMP/top_fade.png" -i "$TMP/inset_shadow.png" \
    -i "$IMG/camera_placeholder.jpg" -i "$IMG/sticker_heart.png" -i "$IMG/sticker_fire.png" \
    -i "$IMG/sticker_star.png" -filter_complex "$graph" -map '[out]' -frames:v 1 "$SNAPSHOT"
  echo "ffmpeg: first frame written to $SNAPSHOT"
fi
echo "ffmpeg: $(fmt "$ffmpeg_fps") fps ($ffmpeg_wall s wall for $FRAMES frames; $bench)"

# --- Summary -------------------------------------------------------------------
ratio="null"
ratio_full="null"
if [[ -n $marquee_fps ]]; then
  ratio=$(awk -v m="$marquee_fps" -v f="$ffmpeg_fps" 'BEGIN { printf "%.3f", m / f }')
  ratio_full=$(awk -v m="$marquee_full_fps" -v f="$ffmpeg_fps" 'BEGIN { printf "%.3f", m / f }')
  echo "ratio marquee/ffmpeg: $ratio with tile reuse (static scene), $ratio_full with --full-redraw (every tile, every frame)"
fi
cores=$(nproc 2>/dev/null || echo 0)
echo "{\"bench\":\"composite_eight_layers\",\"frames\":$FRAMES,\"width\":1920,\"height\":1080,\"cores\":$cores,\"marquee\":$marquee_json,\"marquee_full_redraw\":$marquee_full_json,\"ffmpeg\":{\"fps\":$ffmpeg_fps,\"wall_s\":$ffmpeg_wall},\"ratio_marquee_over_ffmpeg\":$ratio,\"ratio_full_redraw_over_ffmpeg\":$ratio_full}"
