#version 460
// One invocation per particle: marks the target pixels its shape covers with
// its index (the highest index wins: later particles lie on top). Integer
// atomics commute, so the result does not depend on execution order.
#include "particles.glsl"

layout(local_size_x = 64) in;

// Larger particles are clipped to this many pixels each way, around their centre.
const int kMaxReach = 128;

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= em.info.y) return;
  Particle p = particle(i);
  if (!p.alive || p.alpha <= 0.0) return;
  float c = abs(cos(p.angle)), s = abs(sin(p.angle));
  vec2 reach = min(vec2(c * p.ext.x + s * p.ext.y, s * p.ext.x + c * p.ext.y) + 1.0,
                   vec2(kMaxReach));
  int stride = int(em.target.z);
  ivec2 lo = max(ivec2(floor(p.pos - reach)), ivec2(em.region.xy));
  ivec2 hi = min(ivec2(ceil(p.pos + reach)), ivec2(em.region.xy + em.region.zw));
  // Do-while loops behind a test, not for loops: lavapipe tests a loop's exit
  // after its body, so a for loop runs its body once more with every lane
  // masked off (for the outer loop, a whole masked row of the inner one).
  if (lo.x >= hi.x || lo.y >= hi.y) return;
  int y = lo.y;
  do {
    int x = lo.x;
    do {
      if (covers(p, shapeCoords(p, vec2(x, y) + 0.5))) {
        atomicMax(vis[y * stride + x], i + 1u);
      }
    } while (++x < hi.x);
  } while (++y < hi.y);
}
