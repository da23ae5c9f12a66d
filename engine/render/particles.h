// GPU particle emitters (node kind `particles`): what a frame needs to draw
// one emitter, computed on the CPU from the node and the show time.
//
// Every particle is a pure function of the emitter's parameters, its seed
// and the emitter's time (the time since its clip started): its birth time,
// launch velocity, spin, size and colour come from a hash of (seed, index),
// and its position is integrated analytically (gravity with linear drag), so
// a frame never depends on the frame before it and seeking is exact. The
// same functions run in shaders/particles.glsl; the CPU only decides whether
// any particle is alive (and so whether the emitter draws at all).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "scene/scene.h"

namespace mq::render {

inline constexpr uint32_t kMaxParticleColors = 8;

// One emitter as shaders/particles.glsl reads it (std430). Lengths are in
// pixels of the emitter's render target.
struct GpuEmitter {
  std::array<float, 4> origin;     // x, y, emit width, emitter time (s)
  std::array<float, 4> cone;       // direction (rad), spread (rad), speed min, speed max
  std::array<float, 4> phys;       // gravity x, y, drag (1/s), spin (rad/s)
  std::array<float, 4> life;       // lifetime min, max, rate (0: burst), size min
  std::array<float, 4> misc;       // size max, unused
  std::array<uint32_t, 4> info;    // effect, count, seed, colour count
  std::array<uint32_t, 4> target;  // atlas rectangle x, y, width, height
  std::array<float, 8> offsets;    // colour stop offsets, ascending
  std::array<std::array<float, 4>, kMaxParticleColors> colors;  // linear premultiplied
  std::array<float, 4> sprite;    // atlas rectangle (texels); z == 0: none
  std::array<float, 4> atlasInv;  // 1 / atlas width, 1 / atlas height
  // The part of the target that can hold particles this frame (x, y, width, height
  // pixels): only it is drawn, and only it is sampled.
  std::array<uint32_t, 4> region;
};
static_assert(sizeof(GpuEmitter) == 320);

// One emitter in a frame: drawn into an atlas rectangle of width x height
// pixels, which the composite then shows as a texture over the emitter's box.
struct ParticleDraw {
  GpuEmitter gpu;  // target and sprite are filled by the compositor
  uint32_t width = 0, height = 0;
  std::string sprite;  // the sprite image's path (resolved), or empty
  uint64_t key = 0;    // changes whenever the picture does
};

// The emitter's time at show time `time`: seconds since its clip's latest
// start (or since show time 0 without a clip); nullopt while it is not running.
std::optional<double> emitterTime(const scene::Scene& scene, const scene::Node& node, double time);

// Whether any particle is alive at emitter time `t`.
bool particlesAlive(const scene::Node& node, double t);
// Emitter time after which no particle is alive.
double particlesEnd(const scene::Node& node);

// A box (local units, x0, y0, x1, y1) that holds every particle alive at
// emitter time `t`, shapes included: bounds of the analytic motion over the
// ages alive particles can have.
std::array<double, 4> particleExtent(const scene::Node& node, double t, double boxWidth,
                                     double boxHeight);

// The emitter's parameters at emitter time `t`, for a render target of
// width x height pixels showing its box of size boxSize (local units).
ParticleDraw planParticles(const scene::Node& node, double t, double boxWidth, double boxHeight,
                           uint32_t width, uint32_t height);

}  // namespace mq::render
