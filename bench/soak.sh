#!/usr/bin/env bash
# Soak test: the default show live for 30 minutes (a looping flash-and-beep
# camera, recording to Matroska), reporting A/V offset drift in the recording
# (first ten flash/beep pairs against the last ten) and memory growth (resident
# set every 10 s), plus the scheduler's lagged/skipped counts.
#
#   bench/soak.sh [--minutes N] [--size WxH] [--build DIR]   (defaults: 30, 360x640, ./build)
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=30 SIZE=360x640 BUILD=./build
while (($#)); do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
exec bench/live_bench.sh --seconds "$((MINUTES * 60))" --size "$SIZE" --build "$BUILD"
