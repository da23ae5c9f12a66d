#!/usr/bin/env bash
# Regenerates the bundled show audio in assets/audio/ with the ffmpeg CLI only:
# every sound is synthesised with aevalsrc expressions (sines, a seeded noise
# generator, one-pole filters kept in expression variables), nothing is
# downloaded or sampled. The outputs are committed; this script documents how
# each one was made and makes them again.
#
#   assets/make-audio.sh            # every sound
#   assets/make-audio.sh NAME...    # only these (file names without extension)
#
# The music bed loops seamlessly: every part is a function of t modulo the
# loop, and the echo is rendered over two loops with the second one kept, so
# the echo tail of the end runs into the start. Its level is set to -20 LUFS
# by measuring the rendered loop with the ebur128 filter and applying the
# difference.
#
# Reproducible: the same ffmpeg build gives byte-identical files (bitexact, no
# metadata, fixed Ogg serial). Made with ffmpeg 5.1 (Debian 12) with libvorbis
# and libmp3lame.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/assets/audio"
MAX_FILE=$((400 * 1024))
command -v ffmpeg >/dev/null || { echo "make-audio: ffmpeg not found" >&2; exit 1; }
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

BITEXACT=(-fflags +bitexact -flags:a +bitexact -map_metadata -1)

# synth FILE SECONDS LEFT_EXPR RIGHT_EXPR [filters]: renders 48 kHz stereo float WAV.
synth() {
  local file=$1 seconds=$2 left=$3 right=$4 filters=${5:-anull}
  ffmpeg -v error -y -f lavfi -i "aevalsrc=exprs='${left}|${right}':s=48000:d=${seconds}:c=stereo" \
    -af "$filters" -c:a pcm_f32le "$file"
}

# integrated FILE: integrated loudness (LUFS) from the ebur128 filter's summary.
integrated() {
  ffmpeg -nostats -hide_banner -i "$1" -af ebur128 -f null - 2>&1 |
    awk '/Integrated loudness:/ {getline; print $2}'
}

# report FILE: size, integrated loudness, sample peak.
report() {
  local peak
  peak=$(ffmpeg -nostats -hide_banner -i "$1" -af volumedetect -f null - 2>&1 |
    awk '/max_volume/ {print $5}')
  printf '%-22s %7d bytes  I %6s LUFS  peak %6s dBFS\n' "$(basename "$1")" \
    "$(stat -c %s "$1")" "$(integrated "$1")" "$peak"
  if (($(stat -c %s "$1") > MAX_FILE)); then
    echo "make-audio: $1 is over $MAX_FILE bytes" >&2
    exit 1
  fi
}

# --- music bed: 24 s, 120 BPM, C - G - Am - F - Dm - G, 4 s per chord --------
# Variables: 1 chord, 2 time in chord, 3 root (semitones above C), 4 third,
# 5 arpeggio step, 6 time in step, 7 time in beat.
bed_voice() {  # $1: pad detune factor, $2: arpeggio pan on even steps, $3 on odd
  local chord="st(1,mod(floor(t/4),6));st(2,mod(t,4));"
  chord+="st(3,if(eq(ld(1),0),0,if(eq(ld(1),1),7,if(eq(ld(1),2),9,if(eq(ld(1),3),5,if(eq(ld(1),4),2,7))))));"
  chord+="st(4,if(eq(ld(1),2)+eq(ld(1),4),3,4));"
  chord+="st(5,mod(floor(t/0.25),8));st(6,mod(t,0.25));st(7,mod(t,0.5));"
  # Pad: root, third, fifth around C3, each doubled slightly detuned; fades
  # 80 ms at chord changes so the changing phase never clicks.
  local pad="0.055*min(1,ld(2)/0.08)*min(1,(4-ld(2))/0.08)*("
  local iv
  for iv in 0 "ld(4)" 7; do
    pad+="sin(2*PI*130.81*pow(2,(ld(3)+${iv})/12)*t)+sin(2*PI*130.81*$1*pow(2,(ld(3)+${iv})/12)*t)+"
  done
  pad+="0)"
  # Arpeggio: eighth notes over the chord tones, C4 up, plucked envelope.
  local step="if(eq(ld(5),0),0,if(eq(ld(5),1),ld(4),if(eq(ld(5),2),7,if(eq(ld(5),3),12,"
  step+="if(eq(ld(5),4),12+ld(4),if(eq(ld(5),5),12,if(eq(ld(5),6),7,ld(4))))))))"
  local arp="0.11*if(mod(ld(5),2),$3,$2)*min(1,ld(6)/0.004)*pow(1-ld(6)/0.25,2)*"
  arp+="(sin(2*PI*261.63*pow(2,(ld(3)+${step})/12)*t)+0.3*sin(4*PI*261.63*pow(2,(ld(3)+${step})/12)*t))"
  # Bass: the root on every beat, C2 up.
  local bass="0.16*min(1,ld(7)/0.01)*pow(1-ld(7)/0.5,1.5)*(sin(2*PI*65.41*pow(2,ld(3)/12)*t)"
  bass+="+0.5*sin(4*PI*65.41*pow(2,ld(3)/12)*t)+0.2*sin(6*PI*65.41*pow(2,ld(3)/12)*t))"
  # Soft kick: a 150 -> 50 Hz glide on every beat.
  local kick="0.22*min(1,ld(7)/0.002)*exp(-ld(7)*9)*(1-ld(7)/0.5)*"
  kick+="sin(2*PI*(50*ld(7)+3*(1-exp(-ld(7)/0.03))))"
  printf '%s' "${chord}${pad}+${arp}+${bass}+${kick}"
}

make_bed() {
  local raw=$TMP/bed.wav gain
  synth "$raw" 48 "$(bed_voice 1.004 1.0 0.65)" "$(bed_voice 0.996 0.65 1.0)" \
    "aecho=1:0.8:187|375:0.22|0.12,atrim=start_sample=1152000:end_sample=2304000,asetpts=N/SR/TB"
  gain=$(awk -v i="$(integrated "$raw")" 'BEGIN {printf "%.2f", -20 - i}')
  ffmpeg -v error -y -i "$raw" -af "volume=${gain}dB" -c:a libvorbis -q:a 2 "${BITEXACT[@]}" \
    "$OUT/music_bed_loop.ogg"
  report "$OUT/music_bed_loop.ogg"
}

# --- cha-ching: drawer clack (noise + thump), then two bells -----------------
make_cha_ching() {
  local e="st(1,t-0.09);st(2,t-0.2);"
  e+="0.32*(random(0)*2-1)*exp(-t/0.02)+0.28*sin(2*PI*180*t)*exp(-t/0.04)"
  e+="+gte(ld(1),0)*exp(-ld(1)/0.35)*(0.18*sin(2*PI*1568*ld(1))+0.11*sin(2*PI*3136*ld(1))+0.07*sin(2*PI*4328*ld(1))+0.04*sin(2*PI*8467*ld(1)))"
  e+="+gte(ld(2),0)*exp(-ld(2)/0.45)*(0.19*sin(2*PI*2093*ld(2))+0.1*sin(2*PI*4186*ld(2))+0.06*sin(2*PI*5777*ld(2))+0.03*sin(2*PI*11302*ld(2)))"
  synth "$TMP/cha.wav" 1.3 "$e" "$e" "afade=t=out:st=1.0:d=0.3"
  ffmpeg -v error -y -i "$TMP/cha.wav" -c:a pcm_s16le "${BITEXACT[@]}" "$OUT/sfx_cha_ching.wav"
  report "$OUT/sfx_cha_ching.wav"
}

# --- whoosh: noise through two one-pole low-passes whose cutoff swells and
# falls, panned left to right ---------------------------------------------------
make_whoosh() {
  local d=0.9
  local e="st(1,0.015+0.3*pow(sin(PI*t/$d),3));st(2,ld(2)+ld(1)*((random(0)*2-1)-ld(2)));"
  e+="st(3,ld(3)+ld(1)*(ld(2)-ld(3)));1.1*ld(3)*pow(sin(PI*t/$d),2)"
  synth "$TMP/whoosh.wav" $d "${e}*cos(PI/2*t/$d)" "${e}*sin(PI/2*t/$d)"
  ffmpeg -v error -y -i "$TMP/whoosh.wav" -c:a pcm_s16le "${BITEXACT[@]}" "$OUT/sfx_whoosh.wav"
  report "$OUT/sfx_whoosh.wav"
}

# --- pop: a sine gliding 800 -> 150 Hz in a few ms, fast decay -----------------
make_pop() {
  local e="0.65*min(1,t/0.0008)*exp(-t/0.03)*sin(2*PI*(150*t+650*0.012*(1-exp(-t/0.012))))"
  synth "$TMP/pop.wav" 0.2 "$e" "$e"
  ffmpeg -v error -y -i "$TMP/pop.wav" -c:a pcm_s16le "${BITEXACT[@]}" "$OUT/sfx_pop.wav"
  report "$OUT/sfx_pop.wav"
}

# --- air horn: two band-limited sawtooth horns (B flat 4 and D 5), three
# blasts, soft-clipped -------------------------------------------------------
make_airhorn() {
  local saw="" k
  for k in 1 2 3 4 5 6 7 8 9 10 11 12; do
    saw+="(sin(2*PI*$k*466.16*t)+sin(2*PI*$k*587.33*t+1))/$k+"
  done
  local env="max(0,min(1,t/0.015)*min(1,(0.17-t)/0.04))"
  env+="+max(0,min(1,(t-0.24)/0.015)*min(1,(0.41-t)/0.04))"
  env+="+max(0,min(1,(t-0.5)/0.015)*min(1,(1.35-t)/0.08))"
  local e="0.3*tanh(1.8*(${env})*(${saw}0)/3)"
  synth "$TMP/airhorn.wav" 1.45 "$e" "$e"
  ffmpeg -v error -y -i "$TMP/airhorn.wav" -c:a libmp3lame -b:a 128k "${BITEXACT[@]}" \
    "$OUT/sfx_airhorn.mp3"
  report "$OUT/sfx_airhorn.mp3"
}

ALL=(bed cha_ching whoosh pop airhorn)
targets=("$@")
((${#targets[@]})) || targets=("${ALL[@]}")
for name in "${targets[@]}"; do
  case $name in
    music_bed_loop | bed) make_bed ;;
    sfx_cha_ching | cha_ching) make_cha_ching ;;
    sfx_whoosh | whoosh) make_whoosh ;;
    sfx_pop | pop) make_pop ;;
    sfx_airhorn | airhorn) make_airhorn ;;
    *) echo "make-audio: unknown sound '$name'" >&2; exit 1 ;;
  esac
done
