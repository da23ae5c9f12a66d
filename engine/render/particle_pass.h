// Draws particle emitters into atlas rectangles through the render graph:
// clear a visibility buffer, splat every particle's index into the pixels
// it covers (integer atomics, so the result is independent of execution
// order), then shade the topmost particle of each pixel into the atlas.
#pragma once

#include <memory>
#include <vector>

#include "gpu/compute_pipeline.h"
#include "gpu/device.h"
#include "graph/render_graph.h"
#include "render/particles.h"

namespace mq::render {

class ParticlePass {
 public:
  static constexpr uint32_t kMaxEmittersPerFrame = 16;

  explicit ParticlePass(gpu::Device& device);

  // Call right after Device::beginFrame().
  void beginFrame(uint32_t slot);
  // Adds the passes that draw `draw` (its target and sprite rectangles filled
  // in) into `atlas`; returns the atlas's new version. `index` is the
  // emitter's index in this frame.
  graph::ImageRef add(graph::RenderGraph& g, graph::ImageRef atlas, const gpu::Image& atlasImage,
                      const ParticleDraw& draw, size_t index);

 private:
  struct Buffers {
    gpu::Buffer params, visibility;
  };
  gpu::Device& device_;
  std::unique_ptr<gpu::FrameDescriptors> descriptors_;
  std::shared_ptr<gpu::ComputePipeline> splat_, resolve_;
  std::vector<std::vector<Buffers>> slots_;  // per frame slot, per emitter
  uint32_t slot_ = 0;
};

}  // namespace mq::render
