#include "render/particles.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "render/frame_plan.h"
#include "scene/animation.h"

namespace mq::render {
namespace {

using scene::Node;
using scene::Prop;

// The palettes `colors` stands for when it is left at its default.
scene::Stops presetColors(scene::ParticleEffect effect, const scene::Stops& colors) {
  if (colors != std::get<scene::Stops>(scene::property(Prop::Colors).defaultValue)) return colors;
  switch (effect) {
    case scene::ParticleEffect::Sparkle:
      return {
          {0.0, {255, 255, 255, 255}}, {0.5, {255, 236, 160, 255}}, {0.8, {190, 225, 255, 255}}};
    case scene::ParticleEffect::Coins:
      return {{0.0, {255, 200, 40, 255}}, {0.6, {240, 170, 20, 255}}, {0.85, {255, 225, 110, 255}}};
    default:
      return colors;
  }
}

uint64_t hashBytes(const void* data, size_t size, uint64_t h = 0xcbf29ce484222325ull) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

}  // namespace

std::optional<double> emitterTime(const scene::Scene& scene, const Node& node, double time) {
  const std::string& clipId = node.getString(Prop::EmitClip);
  if (clipId.empty()) return time >= 0 ? std::optional<double>(time) : std::nullopt;
  const scene::Clip* clip = scene.findClip(clipId);
  if (!clip) return std::nullopt;
  scene::ClipState state = scene::clipState(scene, *clip, time);
  if (!state.playing) return std::nullopt;
  return time - state.startTime;
}

double particlesEnd(const Node& node) {
  double count = std::floor(node.getFloat(Prop::ParticleCount));
  double rate = node.getFloat(Prop::Rate);
  scene::Vec2 life = node.getVec2(Prop::Lifetime);
  double lastBirth = rate > 0 ? (count - 1) / rate : 0.0;
  return lastBirth + std::max(life.x, life.y);
}

bool particlesAlive(const Node& node, double t) {
  return t >= 0 && t < particlesEnd(node);
}

std::array<double, 4> particleExtent(const Node& node, double t, double boxWidth,
                                     double boxHeight) {
  double k = node.getFloat(Prop::Drag);
  // Displacement from the launch velocity (times v0) and from gravity (times g).
  auto fromVelocity = [&](double a) { return k > 1e-4 ? (1 - std::exp(-k * a)) / k : a; };
  auto fromGravity = [&](double a) { return k > 1e-4 ? (a - fromVelocity(a)) / k : a * a / 2; };
  double rate = node.getFloat(Prop::Rate);
  double lastBirth = rate > 0 ? (std::floor(node.getFloat(Prop::ParticleCount)) - 1) / rate : 0.0;
  scene::Vec2 life = node.getVec2(Prop::Lifetime), speed = node.getVec2(Prop::ParticleSpeed);
  double oldest = std::clamp(t, 0.0, std::max(life.x, life.y));
  double youngest = std::clamp(t - lastBirth, 0.0, oldest);
  scene::Vec2 g = node.getVec2(Prop::Gravity), origin = node.getVec2(Prop::EmitOrigin);
  double ox = origin.x * boxWidth, oy = origin.y * boxHeight;
  double halfLine = node.getFloat(Prop::EmitWidth) / 2;
  // Launch velocities fill a sector of the velocity cone: its box, from the
  // sector's corners and the axis directions inside it.
  double dir = node.getFloat(Prop::Direction) * M_PI / 180;
  double spread = node.getFloat(Prop::Spread) * M_PI / 180;
  double s0 = std::min(speed.x, speed.y), s1 = std::max(speed.x, speed.y);
  std::array<double, 4> v{1e300, 1e300, -1e300, -1e300};
  auto addVelocity = [&](double angle, double sp) {
    v = {std::min(v[0], sp * std::cos(angle)), std::min(v[1], sp * std::sin(angle)),
         std::max(v[2], sp * std::cos(angle)), std::max(v[3], sp * std::sin(angle))};
  };
  for (double angle : {dir - spread / 2, dir + spread / 2}) {
    addVelocity(angle, s0);
    addVelocity(angle, s1);
  }
  for (int k = -8; k <= 8; ++k) {  // axis directions within the cone
    double axis = k * M_PI / 2;
    if (std::abs(axis - dir) <= spread / 2) addVelocity(axis, s1);
  }
  double f = fromVelocity(oldest);  // the velocity's reach grows with age
  scene::Vec2 size = node.getVec2(Prop::ParticleSize);
  double shape = std::max(size.x, size.y) * 0.75;  // a quad's half diagonal, a disc's radius
  std::array<double, 4> e{1e300, 1e300, -1e300, -1e300};
  // Gravity moves every particle along one line, further with age.
  for (double a : {youngest, oldest}) {
    double cx = ox + g.x * fromGravity(a), cy = oy + g.y * fromGravity(a);
    e[0] = std::min(e[0], cx - halfLine);
    e[1] = std::min(e[1], cy);
    e[2] = std::max(e[2], cx + halfLine);
    e[3] = std::max(e[3], cy);
  }
  // The velocity's share lies between 0 (newborn) and f times the velocity box.
  return {e[0] + std::min(0.0, v[0] * f) - shape, e[1] + std::min(0.0, v[1] * f) - shape,
          e[2] + std::max(0.0, v[2] * f) + shape, e[3] + std::max(0.0, v[3] * f) + shape};
}

ParticleDraw planParticles(const Node& node, double t, double boxWidth, double boxHeight,
                           uint32_t width, uint32_t height) {
  ParticleDraw d;
  d.width = width;
  d.height = height;
  GpuEmitter& g = d.gpu;
  std::memset(&g, 0, sizeof g);
  // Local units to target pixels; lengths that are not along an axis (speeds,
  // sizes) use the geometric mean of the two scales.
  double sx = width / boxWidth, sy = height / boxHeight, s = std::sqrt(sx * sy);
  scene::Vec2 origin = node.getVec2(Prop::EmitOrigin);
  g.origin = {float(origin.x * boxWidth * sx), float(origin.y * boxHeight * sy),
              float(node.getFloat(Prop::EmitWidth) * sx), float(t)};
  scene::Vec2 speed = node.getVec2(Prop::ParticleSpeed);
  g.cone = {float(node.getFloat(Prop::Direction) * M_PI / 180),
            float(node.getFloat(Prop::Spread) * M_PI / 180), float(speed.x * s),
            float(speed.y * s)};
  scene::Vec2 gravity = node.getVec2(Prop::Gravity);
  g.phys = {float(gravity.x * sx), float(gravity.y * sy), float(node.getFloat(Prop::Drag)),
            float(node.getFloat(Prop::Spin) * M_PI / 180)};
  scene::Vec2 life = node.getVec2(Prop::Lifetime), size = node.getVec2(Prop::ParticleSize);
  g.life = {float(life.x), float(life.y), float(node.getFloat(Prop::Rate)), float(size.x * s)};
  g.misc = {float(size.y * s), 0.f, 0.f, 0.f};
  auto effect = node.getEnum<scene::ParticleEffect>(Prop::Effect);
  scene::Stops colors = presetColors(effect, node.getStops(Prop::Colors));
  size_t n = std::min<size_t>(colors.size(), kMaxParticleColors);
  g.info = {uint32_t(effect), uint32_t(node.getFloat(Prop::ParticleCount)),
            uint32_t(node.getFloat(Prop::Seed)), uint32_t(n)};
  for (size_t i = 0; i < n; ++i) {
    g.offsets[i] = float(colors[i].offset);
    g.colors[i] = linearPremultiplied(colors[i].color);
  }
  for (size_t i = n; i < g.offsets.size(); ++i) g.offsets[i] = 2.f;
  // Pixels of the target that can hold a particle, with a transparent margin
  // (sampling is clamped to the region, so its edge texels must be clear).
  std::array<double, 4> e = particleExtent(node, t, boxWidth, boxHeight);
  auto clampTo = [](double v, uint32_t hi) { return uint32_t(std::clamp(v, 0.0, double(hi))); };
  uint32_t x0 = clampTo(std::floor(e[0] * sx) - 2, width);
  uint32_t y0 = clampTo(std::floor(e[1] * sy) - 2, height);
  uint32_t x1 = clampTo(std::ceil(e[2] * sx) + 2, width);
  uint32_t y1 = clampTo(std::ceil(e[3] * sy) + 2, height);
  g.region = {x0, y0, x1 - std::min(x0, x1), y1 - std::min(y0, y1)};
  d.sprite = node.getString(Prop::Sprite);
  d.key = hashBytes(&g, sizeof g, (uint64_t(width) << 32) | height);
  d.key = hashBytes(d.sprite.data(), d.sprite.size(), d.key);
  return d;
}

}  // namespace mq::render
