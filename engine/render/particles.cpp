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
  d.sprite = node.getString(Prop::Sprite);
  d.key = hashBytes(&g, sizeof g, (uint64_t(width) << 32) | height);
  d.key = hashBytes(d.sprite.data(), d.sprite.size(), d.key);
  return d;
}

}  // namespace mq::render
