#!/usr/bin/env bash
# Live-mode benchmark: runs `marquee live` on the default show for a while at
# a given output size, with a flash-and-beep clip (a white frame and a 1 kHz
# beep at the same instant, once a second, looped) as the camera, recording to
# a Matroska file; then reports what the scheduler measured and what the file
# shows.
#
#   bench/live_bench.sh [--seconds N] [--size WxH] [--camera-size WxH] [--build DIR] [--scene FILE] [--keep DIR]
#     defaults: 300 s, 720x1280 (the default show is vertical), camera 1280x720
#     (the size of the built-in camera it replaces), ./build, scenes/default.json
#
# Reported: render and encode ms p50/p99 (render: wall time from submit to the
# GPU finishing; encode: the encoder thread's time per frame), lagged frames
# (render missed its tick; the encoder got a repeat), skipped frames (the
# encoder's queue was full), the shed level reached, the scheduler's A/V
# offset, the frames and duration of the recording, and the A/V offset
# measured in the recording: every beep onset (from FFmpeg's silencedetect)
# paired with the nearest flash (frames whose mean luma jumps, from
# signalstats) - first, last and worst, so drift over the run shows.
# Speed figures are for this machine only; compare runs on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=300 SIZE=720x1280 CAMERA_SIZE=1280x720 BUILD=./build SCENE=scenes/default.json KEEP=""
while (($#)); do
  case "$1" in
    --seconds) SECONDS_TO_RUN=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --camera-size) CAMERA_SIZE=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --scene) SCENE=$2; shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
TMP=$(mktemp -d)
trap '[[ -n "$KEEP" ]] && cp -r "$TMP"/. "$KEEP"/; rm -rf "$TMP"' EXIT

# The flash-and-beep camera: 10 s, looped by the scene's source.
ffmpeg -nostdin -v error -f lavfi \
  -i "color=c=black:s=$CAMERA_SIZE:r=30:d=10,format=yuv420p,geq=lum='if(lt(mod(N\,30)\,1)\,235\,16)':cb=128:cr=128" \
  -f lavfi -i "aevalsrc='if(lt(mod(t\,1)\,0.1)\,0.5*sin(2*PI*1000*t)\,0)':s=48000:d=10" \
  -c:v libx264 -qp 0 -g 30 -c:a pcm_s16le "$TMP/flash.mkv"
# The scene, with the camera looping the clip; the music bed and sound
# effects muted so the beeps can be found.
sed 's|"url": "builtin:camera"|"url": "'"$TMP"'/flash.mkv", "loop": true|' "$SCENE" > "$TMP/scene.json"
sed -i 's|"\.\./assets/|"'"$(pwd)"'/assets/|g; s|"kind": "sound",|"kind": "sound", "mute": true,|' "$TMP/scene.json"

echo "marquee live $SCENE at $SIZE for $SECONDS_TO_RUN s (camera: $CAMERA_SIZE flash-and-beep clip)"
/usr/bin/time -v "$BUILD/editor/marquee" live "$TMP/scene.json" --duration "$SECONDS_TO_RUN" \
  --output-size "$SIZE" -o "$TMP/live.mkv" --stats "$TMP/stats.json" \
  --stats-live "$TMP/live.jsonl" 2> "$TMP/marquee.err" &
TIME_PID=$!
# Resident memory of marquee every 10 s (memory growth over a long run).
(
  sleep 2
  while kill -0 "$TIME_PID" 2>/dev/null; do
    pid=$(pgrep -P "$TIME_PID" marquee || true)
    [[ -n "$pid" ]] && awk -v t="$SECONDS" '/VmRSS/ {print t, $2}' "/proc/$pid/status" 2>/dev/null
    sleep 10
  done
) > "$TMP/rss.txt" &
wait "$TIME_PID" || { cat "$TMP/marquee.err"; exit 1; }
grep -E "marquee live:" "$TMP/marquee.err" || true

# The scheduler's own figures, one line each (the stats file is indented JSON).
echo "scheduler statistics:"
tr -d '\n ' < "$TMP/stats.json" | grep -oE '"(frames|rendered|fresh|lagged|skipped|discarded_late)":[0-9]+|"(render_ms|encode_ms|av_offset_ms|shed_level)":\{[^}]*\}|"device":"[^"]*"' \
  | sed 's/^/  /'
echo "  memory: $(grep 'Maximum resident' "$TMP/marquee.err" | awk '{print $NF}') KB peak RSS"
awk 'NR==1 {t0=$1; r0=$2} NR==7 {t1=$1; r1=$2} {t=$1; r=$2}
  END { if (NR >= 8) printf "  RSS after %d s: %d KB, at the end (%d s): %d KB, growth %+d KB (%+.2f KB/min after the first minute)\n", t1-t0+2, r1, t-t0+2, r, r-r1, (r-r1)/((t-t1)/60) }' "$TMP/rss.txt"

echo "recording:"
ffprobe -v error -count_frames -show_entries stream=codec_name,nb_read_frames:format=duration \
  -of compact "$TMP/live.mkv" | sed 's/^/  /'

# Measured A/V offset in the recording.
ffprobe -v error -f lavfi -i "movie=$TMP/live.mkv,crop=200:150:(iw-200)/2:300*ih/1920,signalstats" \
  -show_entries frame=pts_time:frame_tags=lavfi.signalstats.YAVG -of csv=p=0 > "$TMP/luma.csv"
ffmpeg -nostdin -v info -i "$TMP/live.mkv" -map 0:a -af silencedetect=n=-30dB:d=0.3 -f null - 2>&1 \
  | { grep -o 'silence_end: [0-9.]*' || true; } | awk '{print $2}' > "$TMP/beeps.txt"
awk -F, 'NR==FNR { b[++nb]=$1; next }
  { bright=($2>125); if (bright && !was) f[++nf]=$1; was=bright }
  END {
    worst=0; pairs=0
    for (i=1;i<=nb;i++) { best=""; for (j=1;j<=nf;j++) { d=f[j]-b[i]; if (best=="" || (d<0?-d:d) < (best<0?-best:best)) best=d }
      if (best!="" && (best<0?-best:best) <= 0.5) { pairs++; o[pairs]=best*1000; if ((best<0?-best:best) > worst) worst=(best<0?-best:best) } }
    printf "A/V offset measured in the recording: %d beeps, %d flashes, %d pairs", nb, nf, pairs
    if (pairs) printf "; first %.1f ms, last %.1f ms, worst |%.1f| ms", o[1], o[pairs], worst*1000
    printf "\n"
    if (pairs >= 20) {  # drift: mean offset of the first ten pairs against the last ten
      a=0; z=0; for (i=1;i<=10;i++) { a+=o[i]; z+=o[pairs-10+i] }
      printf "drift: mean offset of the first 10 pairs %.2f ms, of the last 10 pairs %.2f ms\n", a/10, z/10
    }
  }' "$TMP/beeps.txt" "$TMP/luma.csv"
