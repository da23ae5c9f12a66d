// Particle emitters on the CPU side: emitter time from the clip machinery,
// the lifetime window, and the analytic region that must hold every alive
// particle (checked against the shader's motion, replayed here in double).
#include "render/particles.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "scene/scene.h"

using namespace mq::scene;
using namespace mq::render;

namespace {

// shaders/particles.glsl's hash, draw `n` of particle `i`.
uint32_t pcg(uint32_t v) {
  uint32_t state = v * 747796405u + 2891336453u;
  uint32_t word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
double rnd(uint32_t seed, uint32_t i, uint32_t n) {
  return double(pcg(seed ^ pcg(i * 16u + n)) >> 8) / 16777216.0;
}

Node emitter() {
  Node n = makeNode(NodeKind::Particles, "fx");
  n.values[size_t(Prop::Size)] = Vec2{1920, 1080};
  return n;
}

}  // namespace

TEST_CASE("particles: emitter time follows its clip's latest start", "[render][particles]") {
  Scene s;
  Node n = emitter();
  n.values[size_t(Prop::EmitClip)] = std::string("win");
  s.nodes.push_back(n);
  s.clips.push_back(Clip{"win", 2, false, false, "", {}, ""});
  s.cues = {Cue{1.0, "", "win", "", ""}, Cue{5.0, "", "win", "", ""}, Cue{8.0, "", "", "win", ""}};
  CHECK_FALSE(emitterTime(s, s.nodes[0], 0.5));
  CHECK(*emitterTime(s, s.nodes[0], 1.25) == Approx(0.25));
  CHECK(*emitterTime(s, s.nodes[0], 4.0) == Approx(3.0));  // after the clip's duration: still runs
  CHECK(*emitterTime(s, s.nodes[0], 5.5) == Approx(0.5));  // fired again
  CHECK_FALSE(emitterTime(s, s.nodes[0], 8.5));            // stopped
  Node free = emitter();
  CHECK(*emitterTime(s, free, 3.0) == 3.0);  // no clip: show time
}

TEST_CASE("particles: alive from the start until the last particle's lifetime ends",
          "[render][particles]") {
  Node n = emitter();
  n.values[size_t(Prop::Lifetime)] = Vec2{1, 2};
  CHECK(particlesAlive(n, 0));
  CHECK(particlesAlive(n, 1.99));
  CHECK_FALSE(particlesAlive(n, 2.0));
  CHECK_FALSE(particlesAlive(n, -0.1));
  n.values[size_t(Prop::Rate)] = 100.0;
  n.values[size_t(Prop::ParticleCount)] = 501.0;  // the last is born at 5 s
  CHECK(particlesAlive(n, 6.5));
  CHECK_FALSE(particlesAlive(n, 7.0));
}

TEST_CASE("particles: the region holds every alive particle", "[render][particles]") {
  auto check = [](const Node& n, double t) {
    std::array<double, 4> e = particleExtent(n, t, 1920, 1080);
    uint32_t seed = uint32_t(n.getFloat(Prop::Seed)),
             count = uint32_t(n.getFloat(Prop::ParticleCount));
    Vec2 origin = n.getVec2(Prop::EmitOrigin), speed = n.getVec2(Prop::ParticleSpeed);
    Vec2 life = n.getVec2(Prop::Lifetime), g = n.getVec2(Prop::Gravity);
    double k = n.getFloat(Prop::Drag), rate = n.getFloat(Prop::Rate);
    double dir = n.getFloat(Prop::Direction) * M_PI / 180,
           spread = n.getFloat(Prop::Spread) * M_PI / 180;
    for (uint32_t i = 0; i < count; ++i) {
      double age = t - (rate > 0 ? i / rate : 0.0);
      if (age < 0 || age >= life.x + (life.y - life.x) * rnd(seed, i, 0)) continue;
      double a = dir + (rnd(seed, i, 1) - 0.5) * spread;
      double sp = speed.x + (speed.y - speed.x) * rnd(seed, i, 2);
      double vx = sp * std::cos(a), vy = sp * std::sin(a);
      double px = origin.x * 1920 + (rnd(seed, i, 3) - 0.5) * n.getFloat(Prop::EmitWidth);
      double py = origin.y * 1080;
      double f2 = k > 1e-4 ? (1 - std::exp(-k * age)) / k : age;
      double f1 = k > 1e-4 ? (age - f2) / k : age * age / 2;
      px += vx * f2 + g.x * f1;
      py += vy * f2 + g.y * f1;
      double r = n.getVec2(Prop::ParticleSize).y * 0.5;  // a shape reaches at least this far
      INFO("particle " << i << " at " << px << ", " << py << " age " << age);
      CHECK(px - r >= e[0]);
      CHECK(py - r >= e[1]);
      CHECK(px + r <= e[2]);
      CHECK(py + r <= e[3]);
    }
  };
  Node burst = emitter();
  for (double t : {0.0, 0.1, 0.5, 1.5, 2.4}) check(burst, t);
  Node shower = emitter();
  shower.values[size_t(Prop::Rate)] = 200.0;
  shower.values[size_t(Prop::ParticleCount)] = 600.0;
  shower.values[size_t(Prop::Direction)] = 90.0;
  shower.values[size_t(Prop::Spread)] = 200.0;
  shower.values[size_t(Prop::Drag)] = 0.0;
  shower.values[size_t(Prop::Gravity)] = Vec2{-300, 500};
  shower.values[size_t(Prop::EmitOrigin)] = Vec2{0.5, 0};
  shower.values[size_t(Prop::EmitWidth)] = 1800.0;
  for (double t : {0.2, 1.0, 3.1, 4.0}) check(shower, t);
}
