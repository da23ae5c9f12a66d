#!/usr/bin/env bash
# Installs the Debian 12 packages Marquee builds and tests with.
# Idempotent: when every package is already installed it prints nothing and
# touches no package list.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ninja-build
  mesa-vulkan-drivers libvulkan-dev vulkan-validationlayers glslc
  libglfw3-dev libimgui-dev libglm-dev libstb-dev catch2 nlohmann-json3-dev
  libavcodec-dev libavformat-dev libavutil-dev libswresample-dev
  libavdevice-dev libavfilter-dev libswscale-dev ffmpeg libffmpeg-nvenc-dev
  libfreetype-dev libharfbuzz-dev libfontconfig-dev fonts-dejavu-core fonts-dejavu-extra
  xvfb
  nginx-light libnginx-mod-rtmp libnginx-mod-stream openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "marquee setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
